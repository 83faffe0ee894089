import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
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
    const unit = join(dir, 'systemd/restas@.service');
    // systemd-analyze verify exits 0 on this and only prints it: stderr decides.
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('Restart=always', 'Restart=sometimes'));
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

describe('verify runs init-service lint in-process on the scripts of the tree', () => {
  const noTools = async () => ({ missing: true, exitCode: -1, stdout: '', stderr: '' });

  test('a clean script is ok, one with errors fails with its findings; files that are not scripts get no lint check', async () => {
    const dir = await tree(fixtureSpec('homesite'), { targets: ['openrc', 'gentoo', 'rcd', 'systemd'] });
    const script = join(dir, 'rcd/files/restas.in');
    writeFileSync(script, readFileSync(script, 'utf8').replace('# KEYWORD: shutdown\n', ''));
    const results = await verifyTree(dir, { run: noTools });
    const linted = byKey(results.filter((r) => r.check === 'init-service lint'));
    expect(Object.keys(linted).sort()).toEqual(['gentoo/files/restas.initd', 'openrc/init.d/restas', 'rcd/files/restas.in'].map((p) => `${p} init-service lint`));
    expect(linted['openrc/init.d/restas init-service lint']).toMatchObject({ status: 'ok' });
    expect(linted['gentoo/files/restas.initd init-service lint']).toMatchObject({ status: 'ok' });
    expect(linted['rcd/files/restas.in init-service lint']).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^rcd\/files\/restas\.in:\d+: rc-keyword-shutdown: /m) });
  });
});

describeWithTools(['shellcheck', 'dash', 'systemd-analyze'])('verify --strict with every tool', () => {
  test('a fresh generate of the homesite example passes --strict (exit 0, nothing skipped)', () => {
    const out = join(base, `t${n++}`);
    expect(cli(['generate', '--example', 'homesite', '--out', out], base).status).toBe(0);
    const r = cli(['verify', '--strict', out], base);
    expect(r.stdout).toMatch(/^verify: \d+ passed, 0 failed, 0 skipped$/m);
    expect(r.status).toBe(0);
  });
});
