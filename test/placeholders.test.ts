import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generate, normalize } from '../src/index.js';
import { fill, parts } from '../src/spec/placeholders.js';
import { anyString, PROPERTY } from './support/property.js';
import { specProblems } from './support/spec-error.js';

// {instance}, {config}, {state} {cache} {logs} {runtime}: a new quoting
// context of the description itself. What is not a placeholder stays
// verbatim, `{{` is the one escape, and a placeholder with nothing to stand
// for is refused with the field and the fix.

const FAMILY = { name: 'alpha', family: 'site', command: '/usr/bin/site' };

describe('placeholders in a value', () => {
  test('text around a placeholder is kept byte for byte, whatever it holds', () => {
    const text = fc.oneof(anyString(8), fc.constantFrom('$(id)', '`id`', "'", '"', '%i', '%%', '\\', '{', '}', '{x}', '${HOME}', '{instanc}'));
    fc.assert(
      fc.property(text, text, (before, after) => {
        // Writing "{" as "{{" is how a description keeps any text as it is.
        const escape = (s: string) => s.replace(/\{/g, '{{');
        expect(fill(`${escape(before)}{instance}${escape(after)}`, { instance: 'alpha' })).toBe(`${before}alpha${after}`);
        expect(fill(escape(before), {})).toBe(before);
      }),
      PROPERTY,
    );
  });

  test('only the six names are placeholders; {{ is a literal {, other braces stay as written', () => {
    expect(parts('a{config}b{{state}c{x}{')).toEqual([{ text: 'a' }, { placeholder: 'config' }, { text: 'b{state}c{x}{' }]);
    expect(fill('{{{instance}}}', { instance: 'i' })).toBe('{i}}');
  });

  test('a member fills {instance} with its name, everywhere it may stand', () => {
    const service = normalize({
      ...FAMILY,
      description: 'Site {instance}',
      configFile: '/etc/site/{instance}.conf',
      args: ['--config', '{config}', '--name={instance}', '--cache', '{cache}'],
      directories: { cache: ['site/{instance}'], state: ['site/{instance}', 'site/shared'] },
      workingDirectory: '{state}',
      environment: { SITE: '{instance}', DATA: '{state}/data' },
      configCheck: ['/usr/bin/site', '--check', '{config}'],
    });
    expect(service.description).toBe('Site alpha');
    expect(service.configFile).toBe('/etc/site/alpha.conf');
    expect(service.args).toEqual(['--config', '/etc/site/alpha.conf', '--name=alpha', '--cache', '/var/cache/site/alpha']);
    expect(service.directories).toEqual({ state: ['site/alpha', 'site/shared'], cache: ['site/alpha'], logs: [], runtime: [] });
    expect(service.workingDirectory).toBe('/var/lib/site/alpha');
    expect(service.environment).toEqual([['SITE', 'alpha'], ['DATA', '/var/lib/site/alpha/data']]);
    expect(service.configCheck).toEqual(['/usr/bin/site', '--check', '/etc/site/alpha.conf']);
    expect(service.spec.args).toEqual(['--config', '{config}', '--name={instance}', '--cache', '{cache}']);
  });

  test('a placeholder with nothing to stand for, or in a field that cannot take it, is refused with the fix', () => {
    expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', args: ['{instance}'] }))).toEqual([
      'args[0]: {instance} stands for the name of a family member, and this service has no family; set family, or write the name itself',
    ]);
    expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', args: ['-c', '{config}'] }))).toEqual([
      'args[1]: {config} stands for configFile, which is not set; set configFile, or write the path itself',
    ]);
    expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', environment: { D: '{logs}' } }))).toEqual([
      'environment.D: {logs} stands for the first of directories.logs, which has none; declare it there, or write the path itself',
    ]);
    expect(specProblems(() => normalize({ ...FAMILY, configFile: '/etc/{config}' }))).toEqual([
      'configFile: {config} is not filled in in this field; it can use {instance}; write {{config} for the text itself',
    ]);
    expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', workingDirectory: '{cache}' }))).toEqual([
      'workingDirectory: {cache} stands for the first of directories.cache, which has none; declare it there, or write the path itself',
    ]);
  });

  test('directory names are relative, without "." or ".." parts: systemd takes them as StateDirectory= does', () => {
    for (const bad of ['/var/lib/x', '../x', 'x/../y', '.hidden', 'x/', 'a b', '']) {
      expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', directories: { state: [bad] } })), bad).toEqual([
        expect.stringMatching(/^directories\.state\[0\]: .* is not accepted; expected a relative path under \/var\/lib/),
      ]);
    }
    expect(normalize({ name: 'web', command: '/usr/bin/web', directories: { state: ['web', 'web/db.v2'] } }).directories.state).toEqual(['web', 'web/db.v2']);
  });
});

describe('the other v2 fields', () => {
  test('switchesUser: started as root; a "user" other than root beside it is refused', () => {
    const service = normalize({ name: 'nginx', command: '/usr/sbin/nginx', switchesUser: { user: 'www-data' } });
    expect([service.user, service.switchesUser]).toEqual([undefined, { user: 'www-data', group: undefined }]);
    expect(specProblems(() => normalize({ name: 'nginx', command: '/usr/sbin/nginx', user: 'www-data', switchesUser: { user: 'www-data' } }))).toEqual([
      'user: must be "root" or left out with switchesUser: the program starts as root and switches to "www-data" itself',
    ]);
  });

  test('commands are opt-in, "nodaemon" is the origin\'s name for foreground, each once', () => {
    expect(normalize({ name: 'web', command: '/usr/bin/web' }).commands).toEqual([]);
    expect(normalize({ name: 'web', command: '/usr/bin/web', commands: ['nodaemon', 'kill', 'foreground'] }).commands).toEqual(['foreground', 'kill']);
    expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', commands: ['restart'] }))).toEqual([
      expect.stringMatching(/^commands\[0\]: "restart" is not one of "kill", "zap", "foreground", "nodaemon"/),
    ]);
  });

  test('ready "notify" is for a program in the foreground', () => {
    expect(normalize({ name: 'redis', command: '/usr/bin/redis-server', ready: 'notify' }).ready).toBe('notify');
    expect(specProblems(() => normalize({ name: 'web', command: '/usr/bin/web', ready: 'notify', daemonizes: true, pidfile: '/run/web.pid' }))).toEqual([
      'ready: "notify" is for a program in the foreground; one that daemonizes is ready when its pidfile is written (leave ready out)',
    ]);
  });

  test('a v1 description still normalizes to what it did, with the new fields empty', () => {
    const service = normalize({ name: 'web', command: '/usr/bin/web', args: ['{not-a-placeholder}', '${HOME}'] });
    expect(service.args).toEqual(['{not-a-placeholder}', '${HOME}']);
    expect([service.directories, service.directoriesMode, service.configFile, service.ready, service.switchesUser, service.commands]).toEqual([
      { state: [], cache: [], logs: [], runtime: [] },
      '0750',
      undefined,
      'started',
      undefined,
      [],
    ]);
  });
});

describe('hints for a v1 description', () => {
  test('a path in a directory of its own under /var/lib, /var/cache, /var/log or /run gets a one-line hint to declare it', () => {
    const v1 = { name: 'web', command: '/usr/bin/web', daemonizes: true, pidfile: '/run/web/web.pid', workingDirectory: '/var/lib/web', stdoutLog: '/var/log/web/out.log' };
    const hints = generate(v1, { targets: ['systemd'] }).warnings.filter((w) => w.includes('declare "directories"'));
    expect(hints).toEqual([
      'workingDirectory /var/lib/web: declare "directories": { "state": ["web"] } and write "{state}", so that every init system creates /var/lib/web for the service, in its own layout',
      'pidfile /run/web/web.pid: declare "directories": { "runtime": ["web"] } and write "{runtime}/web.pid", so that every init system creates /run/web for the service, in its own layout',
      'stdoutLog /var/log/web/out.log: declare "directories": { "logs": ["web"] } and write "{logs}/out.log", so that every init system creates /var/log/web for the service, in its own layout',
    ]);
    const v2 = { ...v1, directories: { state: ['web'], runtime: ['web'], logs: ['web'] }, pidfile: '{runtime}/web.pid', workingDirectory: '{state}', stdoutLog: '{logs}/out.log' };
    expect(generate(v2, { targets: ['systemd'] }).warnings.filter((w) => w.includes('declare "directories"'))).toEqual([]);
  });
});
