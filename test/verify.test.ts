import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Command } from '../src/commands/io.js';
import { generate } from '../src/index.js';
import { verifyTree, type CheckResult } from '../src/verify/run.js';
import { plan, writePlanned } from '../src/write.js';
import { cli } from './support/cli.js';
import { fixtureSpec } from './support/fixtures.js';
import { describeWithTools } from './support/tools.js';

const base = mkdtempSync(join(tmpdir(), 'init-service-verify-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

async function tree(spec: unknown, options: Parameters<typeof generate>[1] = {}): Promise<string> {
  const dir = join(base, `t${n++}`);
  await writePlanned(await plan(generate(spec, options).files, dir));
  return dir;
}

const byKey = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [`${r.path} ${r.check}`, r]));

describeWithTools(['shellcheck', 'dash', 'systemd-analyze'])('verify with the real tools', () => {
  test('every fixture passes every check, reported per file', async () => {
    for (const name of ['homesite', 'maximal', 'forking', 'minimal']) {
      const dir = await tree(fixtureSpec(name));
      const results = await verifyTree(dir);
      const failed = results.filter((r) => r.status === 'failed');
      expect(failed, name).toEqual([]);
      const checks = new Set(results.map((r) => r.check));
      for (const check of ['shellcheck', 'dash -n', 'systemd-analyze verify', 'systemd-analyze security']) expect(checks, name).toContain(check);
      // A check reported only as "skipped" (its tool not run) is in `checks` too: each must have run and passed somewhere.
      const passed = new Set(results.filter((r) => r.status === 'ok').map((r) => r.check));
      for (const check of ['shellcheck', 'dash -n', 'systemd-analyze verify', 'systemd-analyze security']) expect(passed, `${name}: ${check} ok`).toContain(check);
    }
  });

  test('the CLI prints each file with its checks and exits 0', async () => {
    const dir = await tree(fixtureSpec('homesite'));
    const r = cli(['verify', dir], base);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^openrc\/init\.d\/restas\n {2}ok +shellcheck\n {2}ok +dash -n\n/m);
    expect(r.stdout).toMatch(/^openrc\/init\.d\/restas\.homesite\n {2}ok +link: -> restas\n/m);
    expect(r.stdout).toMatch(/^systemd\/restas@homesite\.service\n {2}ok +systemd-analyze verify\n {2}ok +systemd-analyze security: exposure \d+\.\d \w+\n/m);
    expect(r.stdout).toMatch(/^verify: \d+ passed, 0 failed, \d+ skipped/m);
  });

  test('broken files fail with the tool\'s message, per file; exit 1', async () => {
    const dir = await tree(fixtureSpec('homesite'));
    writeFileSync(join(dir, 'openrc/conf.d/restas.homesite'), 'command_args="unterminated\n');
    const unit = join(dir, 'systemd/restas@homesite.service.d/instance.conf');
    // systemd-analyze verify exits 0 on this and only prints it: stderr decides.
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('Restart=on-failure', 'Restart=sometimes'));
    rmSync(join(dir, 'openrc/init.d/restas.homesite'));
    symlinkSync('../init.d/restas', join(dir, 'openrc/init.d/restas.homesite'));
    const results = byKey(await verifyTree(dir));
    expect(results['openrc/conf.d/restas.homesite dash -n']).toMatchObject({ status: 'failed', detail: expect.stringMatching(/unterminated|EOF|expecting/i) });
    expect(results['openrc/conf.d/restas.homesite shellcheck']).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^line 1: \w+ SC\d+: [^]*\nline 1: error SC\d+/) });
    expect(results['systemd/restas@homesite.service systemd-analyze verify']).toMatchObject({ status: 'failed', detail: expect.stringMatching(/restart specifier/i) });
    expect(results['openrc/init.d/restas.homesite link']).toMatchObject({ status: 'failed' });
    expect(results['openrc/init.d/restas shellcheck']).toMatchObject({ status: 'ok' });
    const r = cli(['verify', dir], base);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^openrc\/conf\.d\/restas\.homesite\n {2}FAILED +shellcheck: line 1: .*\n {13}line 1: error SC/m);
    expect(r.stdout).toMatch(/^verify: \d+ passed, 4 failed/m);
  });

  test('a template unit is verified as its instances, with their drop-ins', async () => {
    const dir = join(base, `t${n++}`);
    mkdirSync(join(dir, 'systemd/web@blog.service.d'), { recursive: true });
    mkdirSync(join(dir, 'systemd/web@shop.service.d'), { recursive: true });
    writeFileSync(join(dir, 'systemd/web@.service'), '[Unit]\nDescription=web %i\n[Service]\nExecStart=/usr/bin/web %i\n[Install]\nWantedBy=multi-user.target\n');
    writeFileSync(join(dir, 'systemd/web@blog.service.d/10-blog.conf'), '[Service]\nEnvironment=PORT=8080\n');
    writeFileSync(join(dir, 'systemd/web@shop.service.d/10-shop.conf'), '[Service]\nEnvironment=PORT=8081\nNoSuchKey=1\n');
    const results = byKey(await verifyTree(dir));
    expect(results['systemd/web@blog.service systemd-analyze verify']).toMatchObject({ status: 'ok' });
    expect(results['systemd/web@shop.service systemd-analyze verify']).toMatchObject({ status: 'failed', detail: expect.stringMatching(/NoSuchKey/) });
    expect(results['systemd/web@blog.service systemd-analyze security']?.detail).toMatch(/^exposure \d/);
  });

  test('--max-exposure fails a unit above it', async () => {
    const dir = await tree({ name: 'open', command: '/usr/bin/open', systemd: { hardening: 'off' } }, { targets: ['systemd'] });
    expect(cli(['verify', dir, '--max-exposure', '9.9'], base).status).toBe(0);
    const r = cli(['verify', dir, '--max-exposure', '2'], base);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED +systemd-analyze security: exposure \d+\.\d \w+, above --max-exposure 2/);
    expect(cli(['verify', dir, '--max-exposure', 'high'], base).status).toBe(2);
  });
});

describe('verify without the tools', () => {
  test('a missing tool is a skipped check (exit 0); --strict makes it a failure (exit 1)', async () => {
    const dir = await tree(fixtureSpec('homesite'));
    const empty = join(base, 'empty-path');
    mkdirSync(empty, { recursive: true });
    const r = cli(['verify', dir], base, { PATH: empty });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}skipped +shellcheck: shellcheck is not installed$/m);
    expect(r.stdout).toMatch(/^ {2}skipped +systemd-analyze verify: systemd-analyze is not installed$/m);
    expect(r.stdout).toMatch(/^ {2}ok +link: -> restas$/m);
    const strict = cli(['verify', dir, '--strict'], base, { PATH: empty });
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/^ {2}FAILED +shellcheck: shellcheck is not installed$/m);
    expect(strict.stdout).toMatch(/--strict counts skipped checks as failures/);
  });

  test('--json gives every result', async () => {
    const dir = await tree(fixtureSpec('minimal'), { targets: ['openrc'] });
    const r = cli(['verify', dir, '--json'], base, { PATH: join(base, 'empty-path') });
    const doc = JSON.parse(r.stdout) as { ok: boolean; results: CheckResult[] };
    expect(doc.ok).toBe(true);
    expect(doc.results.some((x) => x.check === 'shellcheck' && x.status === 'skipped')).toBe(true);
  });

  test('usage: one existing directory', () => {
    expect(cli(['verify'], base).status).toBe(2);
    expect(cli(['verify', join(base, 'nope')], base).status).toBe(2);
  });
});

describe('verify runs init-service lint in-process through the lint command', () => {
  const lint = (verdicts: Record<string, number>): Command => ({
    name: 'lint',
    summary: 'fake',
    async run(args, io) {
      const status = verdicts[args[0]!] ?? 0;
      if (status === 1) io.stdout(`${args[0]}:3: something is off\n`);
      if (status === 2) io.stderr('lint: not a file I know\n');
      return status;
    },
  });
  const noTools = async () => ({ missing: true, exitCode: -1, stdout: '', stderr: '' });

  test('0 is ok, 1 fails with its output, 2 (a file it does not take) is skipped; without the command every file is skipped', async () => {
    const dir = await tree(fixtureSpec('homesite'));
    const results = byKey(await verifyTree(dir, { run: noTools, lint: lint({ 'systemd/restas@.service': 1, 'rcd/pkg-plist': 2 }) }));
    expect(results['openrc/init.d/restas init-service lint']).toMatchObject({ status: 'ok' });
    expect(results['systemd/restas@.service init-service lint']).toMatchObject({ status: 'failed', detail: 'systemd/restas@.service:3: something is off' });
    expect(results['rcd/pkg-plist init-service lint']).toMatchObject({ status: 'skipped' });
    const without = await verifyTree(dir, { run: noTools });
    expect(without.filter((r) => r.check === 'init-service lint')).not.toEqual([]);
    expect(without.filter((r) => r.check === 'init-service lint').every((r) => r.status === 'skipped' && /no lint command/.test(r.detail!))).toBe(true);
  });
});
