import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { normalize } from '../src/spec/normalize.js';
import { loadSpecFile } from '../src/spec/load.js';
import { fixtureSpec } from './support/fixtures.js';
import { specProblems } from './support/spec-error.js';

const problems = (spec: unknown): string[] => specProblems(() => normalize(spec));

const base = { name: 'web', command: '/usr/bin/web' };

describe('defaults', () => {
  test('a minimal description gets the documented defaults', () => {
    const svc = normalize(base);
    expect(svc).toMatchObject({
      user: 'web',
      description: 'web',
      args: [],
      daemonizes: false,
      restart: 'on-failure',
      stopSignal: 'TERM',
      stopTimeout: 30,
      freebsd: { plist: 'modern' },
      systemd: { hardening: 'default', bindPrivilegedPorts: false },
    });
  });

  test('user "root" means no user switch; SIG prefixes and short umasks are normalized', () => {
    const svc = normalize({ ...base, user: 'root', reloadSignal: 'SIGHUP', umask: '027' });
    expect(svc.user).toBeUndefined();
    expect(svc.reloadSignal).toBe('HUP');
    expect(svc.umask).toBe('0027');
  });

  test('the built-in homesite example is valid', () => {
    expect(normalize(fixtureSpec('homesite'))).toMatchObject({ name: 'homesite', family: 'restas', user: undefined, switchesUser: { user: 'andrey' } });
  });
});

describe('refusals name the field, the reason and what is accepted', () => {
  test.each([
    [{ ...base, name: 'Web' }, /^name: "Web" is not accepted; expected a lowercase letter/],
    [{ ...base, name: 'a'.repeat(65) }, /^name: .* is not accepted/],
    [{ ...base, command: 'web' }, /^command: "web" is not accepted; expected an absolute path/],
    [{ ...base, command: '/usr/bin/a\nb' }, /^command: .* \(it contains a line break\)/],
    [{ ...base, args: ['ok', 1] }, /^args\[1\]: must be a string, not the number 1/],
    [{ ...base, args: ['ok', 'ok', 'nul\u0000'] }, /^args\[2\]: .*NUL/],
    [{ ...base, description: 'two\nlines' }, /^description: .* \(it contains a line break\)/],
    [{ ...base, environment: { '1BAD': 'x' } }, /^environment\.?"?1BAD"?: name .* not accepted/],
    [{ ...base, user: 'Bad User' }, /^user: .* not accepted; expected a system account name/],
    [{ ...base, restart: 'sometimes' }, /^restart: "sometimes" is not one of "no", "on-failure", "always"/],
    [{ ...base, restart: 'alway' }, /did you mean "always"/],
    [{ ...base, stopSignal: 'SIGFOO' }, /^stopSignal: .* expected a signal name/],
    [{ ...base, nice: 20 }, /^nice: 20 is out of range; expected a whole number from -20 to 19/],
    [{ ...base, stopTimeout: 1.5 }, /^stopTimeout: must be a whole number/],
    [{ ...base, limits: { nofiles: 10 } }, /^limits\.nofiles: unknown field in limits \(did you mean "nofile"\?\)/],
    [{ ...base, limits: { nofile: -1 } }, /^limits\.nofile: .* not accepted; expected a whole number from 0 or "unlimited"/],
    [{ ...base, comand: '/x' }, /^comand: unknown field in a service description \(did you mean "command"\?\)/],
    [{ ...base, daemonizes: true }, /^pidfile: is required when daemonizes is true/],
    [{ ...base, pidfile: '/run/web.pid' }, /^pidfile: is only for programs that fork/],
    [{ ...base, configCheck: ['web', '-t'] }, /^configCheck\[0\]: "web" must be an absolute path/],
    [{ ...base, freebsd: { plist: 'old' } }, /^freebsd\.plist: "old" is not one of "modern", "legacy"/],
    [{ name: 'web' }, /^command: is required/],
    [[], /^\(top level\): must be an object, not a list/],
  ])('%j', (spec, expected) => {
    const found = problems(spec);
    expect(found.some((p) => expected.test(p)), found.join('\n')).toBe(true);
  });

  test('every problem is reported at once', () => {
    expect(problems({ name: 'Bad', command: 'rel', nice: 99 })).toHaveLength(3);
  });
});

describe('spec files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'init-service-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  test('a JSON syntax error names the file, line and column', async () => {
    const file = write('broken.json', '{\n  "name": "web",\n  "command": "/x",,\n}\n');
    await expect(loadSpecFile(file)).rejects.toThrow(/^broken\.json: line 3, column \d+: invalid JSON/);
  });

  test('YAML is accepted for .yaml files, and its errors carry line and column', async () => {
    const ok = write('web.yaml', 'name: web\ncommand: /usr/bin/web\nargs: ["-v"]\n');
    expect((await loadSpecFile(ok)).args).toEqual(['-v']);
    const bad = write('bad.yaml', 'name: web\ncommand: [\n');
    await expect(loadSpecFile(bad)).rejects.toThrow(/^bad\.yaml: line \d+, column \d+: invalid YAML/);
  });

  test('a file over 1 MiB is refused before it is parsed', async () => {
    const file = write('huge.json', `{"name":"web","command":"/x","description":"${'x'.repeat(1024 * 1024)}"}`);
    await expect(loadSpecFile(file)).rejects.toThrow(/huge\.json: \(file\): is \d+ bytes; a service description may be at most 1 MiB/);
  });

  test('validation errors name the file', async () => {
    const file = write('homesite.json', JSON.stringify({ ...base, args: ['a', 'b', 'c\u0000'] }));
    await expect(loadSpecFile(file)).rejects.toThrow(/^homesite\.json: args\[2\]: /);
  });
});
