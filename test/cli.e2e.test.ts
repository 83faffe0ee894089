import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli as runCli } from './support/cli.js';
import { describeWithTools } from './support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], cwd = dir) => runCli(args, cwd);

describe('init-service (the built CLI)', () => {
  test('--help explains usage and exits 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: init-service generate/);
    expect(r.stdout).toMatch(/--target LIST/);
  });

  test('generate --example homesite writes the documented layout with modes and a relative link', () => {
    const out = join(dir, 'homesite');
    const r = cli(['generate', '--example', 'homesite', '--out', out]);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.status).toBe(0);
    expect(statSync(join(out, 'openrc/init.d/restas')).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(out, 'openrc/init.d/restas.homesite')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, 'openrc/init.d/restas.homesite'))).toBe('restas');
    expect(statSync(join(out, 'openrc/conf.d/restas.homesite')).mode & 0o777).toBe(0o644);
    expect(statSync(join(out, 'rcd/files/homesite.in')).mode & 0o777).toBe(0o755);
    for (const f of ['rcd/pkg-plist', 'rcd/Makefile.snippet', 'systemd/restas@.service', 'systemd/restas@homesite.service.d/instance.conf']) {
      expect(statSync(join(out, f)).mode & 0o777).toBe(0o644);
    }
    expect(r.stdout).toMatch(/9 files in/);
    expect(existsSync(join(out, 'gentoo'))).toBe(false);
  });

  test('a built-in example may be a family: --example lisp-site generates both members around one generic script', () => {
    const out = join(dir, 'lisp-site');
    const r = cli(['generate', '--example', 'lisp-site', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    for (const member of ['alpha', 'beta']) {
      expect(readlinkSync(join(out, `openrc/init.d/lisp-site.${member}`))).toBe('lisp-site');
      expect(existsSync(join(out, `systemd/lisp-site@${member}.service.d/instance.conf`))).toBe(true);
    }
    expect(existsSync(join(out, 'systemd/lisp-site@.service'))).toBe(true);
    const unknown = cli(['generate', '--example', 'nope', '--out', out]);
    expect(unknown.stderr).toMatch(/available: homesite, lisp-site, memcached, nginx, node-app, redis/);
  });

  test('--target gentoo adds the overlay layout for packagers (opt-in)', () => {
    const out = join(dir, 'overlay');
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--target', 'openrc,gentoo']);
    expect(r.status).toBe(0);
    for (const f of ['gentoo/files/restas.initd', 'gentoo/files/restas.confd', 'gentoo/files/restas.homesite.confd', 'gentoo/restas.homesite.ebuild-snippet']) {
      expect(statSync(join(out, f)).mode & 0o777, f).toBe(0o644);
    }
    expect(readFileSync(join(out, 'gentoo/files/restas.initd'), 'utf8')).toBe(readFileSync(join(out, 'openrc/init.d/restas'), 'utf8'));
  });

  test('a second run changes nothing and keeps mtimes', () => {
    const out = join(dir, 'homesite');
    const before = statSync(join(out, 'systemd/restas@homesite.service.d/instance.conf')).mtimeMs;
    const r = cli(['generate', '--example', 'homesite', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/unchanged +systemd\/restas@homesite\.service\.d\/instance\.conf/);
    expect(statSync(join(out, 'systemd/restas@homesite.service.d/instance.conf')).mtimeMs).toBe(before);
  });

  test('a changed file is not clobbered without --force (exit 1), and is with it', () => {
    const out = join(dir, 'homesite');
    const unit = join(out, 'systemd/restas@homesite.service.d/instance.conf');
    writeFileSync(unit, 'local edit\n');
    const refused = cli(['generate', '--example', 'homesite', '--out', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/systemd\/restas@homesite\.service\.d\/instance\.conf/);
    expect(readFileSync(unit, 'utf8')).toBe('local edit\n');
    expect(cli(['generate', '--example', 'homesite', '--out', out, '--force']).status).toBe(0);
    expect(readFileSync(unit, 'utf8')).toMatch(/^\[Service\]/m);
  });

  test('a bad spec exits 2, names the file and the field, and writes nothing', () => {
    const spec = join(dir, 'homesite.json');
    writeFileSync(spec, JSON.stringify({ name: 'homesite', command: '/usr/bin/sbcl', args: ['a', 'b', 'nul\u0000'] }));
    const out = join(dir, 'never');
    const r = cli(['generate', '--spec', spec, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/homesite\.json: args\[2\]: .*NUL/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  test('a value a target cannot carry is refused before anything is written', () => {
    const spec = join(dir, 'spaced.json');
    writeFileSync(spec, JSON.stringify({ name: 'spaced', command: '/opt/my app/bin/x' }));
    const out = join(dir, 'spaced-out');
    const r = cli(['generate', '--spec', spec, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/spaced\.json: command: \(openrc\)/);
    expect(existsSync(out)).toBe(false);
    // The same spec is fine for systemd alone, which can quote the path.
    expect(cli(['generate', '--spec', spec, '--out', out, '--target', 'systemd']).status).toBe(0);
  });

  test('usage errors exit 2 with a hint', () => {
    expect(cli(['generate']).status).toBe(2);
    const r = cli(['generate', '--example', 'homesite', '--target', 'upstart']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown target "upstart"; choose from openrc, gentoo, rcd, systemd/);
    expect(cli(['frobnicate']).status).toBe(2);
  });
});

describeWithTools([], { ok: process.platform === 'linux' && existsSync('/sys/kernel'), why: "Linux's /sys, where mkdir is refused" })('a file system that refuses the write', () => {
  test('generate says nothing was written and what to do, exit 1, not an unexpected error', () => {
    const r = runCli(['generate', '--example', 'homesite', '--out', '/sys/init-service-refused'], tmpdir());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^init-service: E(PERM|ACCES|ROFS): .*\nnothing was written to \/sys\/init-service-refused; choose a --out directory you can write to$/m);
    expect(r.stderr).not.toContain('--debug');
    expect(existsSync('/sys/init-service-refused')).toBe(false);
  });
});
