import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { LINT_RULES } from '../src/lint/index.js';
import { cli as runCli } from './support/cli.js';

const LINT_FIXTURES = fileURLToPath(new URL('./fixtures/lint/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'init-service-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], cwd = dir) => runCli(args, cwd);

describe('init-service lint (the built CLI)', () => {
  test('the generated example lints clean: exit 0, nothing on stdout', () => {
    const out = join(dir, 'homesite');
    expect(cli(['generate', '--example', 'homesite', '--out', out]).status).toBe(0);
    const r = cli(['lint', join(out, 'rcd/files/restas.in'), join(out, 'openrc/init.d/restas'), join(out, 'openrc/init.d/restas.homesite')]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('lint: 3 files, 0 errors, 0 warnings\n');
    expect(r.status).toBe(0);
  });

  test('errors: one line per finding, exit 1', () => {
    const r = cli(['lint', 'legacy.in'], LINT_FIXTURES);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[0]).toBe(
      "legacy.in:3: rc-freebsd-tag: carries a $FreeBSD$ tag, which FreeBSD removed after moving to git (Porter's Handbook: the current example and checklist have no $FreeBSD$ (git does not expand it)); fix: delete the $FreeBSD$ line",
    );
    for (const line of lines) expect(line).toMatch(/^legacy\.in:\d+: rc-[a-z-]+: .+ \(.+\); fix: .+$/);
    expect(r.stderr).toBe('lint: 1 file, 11 errors, 2 warnings\n');
  });

  test('--format json carries every finding with its rule, line, reference and fix', () => {
    const r = cli(['lint', '--format', 'json', 'legacy.in', 'webserver.in', 'gatekeeper.openrc'], LINT_FIXTURES);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as {
      files: Array<{ file: string; kind: string }>;
      errors: number;
      warnings: number;
      findings: Array<Record<string, unknown>>;
    };
    expect(report.files).toEqual([
      { file: 'legacy.in', kind: 'rcd' },
      { file: 'webserver.in', kind: 'rcd' },
      { file: 'gatekeeper.openrc', kind: 'openrc' },
    ]);
    expect([report.errors, report.warnings, report.findings.length]).toEqual([11, 2, 13]);
    expect(report.findings[0]).toEqual({
      file: 'legacy.in',
      line: 3,
      rule: 'rc-freebsd-tag',
      severity: 'error',
      message: expect.any(String),
      ref: expect.any(String),
      fix: 'delete the $FreeBSD$ line',
    });
    expect(r.stderr).toBe('');
  });

  test('warnings alone exit 0', () => {
    mkdirSync(join(dir, 'warned'), { recursive: true });
    const file = join(dir, 'warned/gatekeeper.in');
    writeFileSync(file, readFileSync(join(LINT_FIXTURES, 'gatekeeper.in'), 'utf8').replace('\tinstall -d -o ${gatekeeper_user} -m 0755 /var/run/gatekeeper', '\ttouch /var/run/gatekeeper.lock'));
    const r = cli(['lint', file]);
    expect(r.stdout).toMatch(/rc-touch-chown: warning: /);
    expect(r.status).toBe(0);
  });

  test('an unreadable file, or one that is neither kind of script, exits 2 after linting the others', () => {
    writeFileSync(join(dir, 'notes.txt'), 'just text\n');
    const r = cli(['lint', 'missing.in', 'notes.txt', join(LINT_FIXTURES, 'webserver.in')]);
    expect(r.stderr).toContain('init-service: cannot read missing.in: no such file');
    expect(r.stderr).toContain('init-service: notes.txt: neither an rc.d script');
    expect(r.stderr).toContain('lint: 1 file, 0 errors, 0 warnings');
    expect(r.status).toBe(2);
  });

  test('--type forces the rule set', () => {
    const r = cli(['lint', '--type', 'openrc', 'webserver.in'], LINT_FIXTURES);
    expect(r.stdout).toMatch(/^webserver\.in:1: openrc-shebang: /);
    expect(r.status).toBe(1);
  });

  test('usage errors exit 2', () => {
    expect(cli(['lint']).status).toBe(2);
    expect(cli(['lint', '--format', 'xml', 'x.in']).status).toBe(2);
    expect(cli(['lint', '--type', 'systemd', 'x.in']).status).toBe(2);
    expect(cli(['lint', '--bogus', 'x.in']).status).toBe(2);
  });

  test('--rules lists every rule; --help and the main help mention lint', () => {
    const r = cli(['lint', '--rules']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(LINT_RULES.map((rule) => rule.id));
    expect(cli(['lint', '--help']).stdout).toMatch(/Usage: init-service lint/);
    expect(cli(['--help']).stdout).toMatch(/^ {2}lint {7}/m);
  });
});

describe('the pkg-plist switch through the CLI', () => {
  const spec = (plist?: string) => {
    const file = join(dir, `plist-${plist ?? 'default'}.json`);
    writeFileSync(file, JSON.stringify({ name: 'door-man', command: '/usr/local/sbin/doormand', ...(plist ? { freebsd: { plist } } : {}) }));
    return file;
  };
  const plist = (variant?: string) => {
    const out = join(dir, `out-${variant ?? 'default'}`);
    const r = cli(['generate', '--spec', spec(variant), '--target', 'rcd', '--out', out]);
    expect(r.status).toBe(0);
    expect(readdirSync(join(out, 'rcd/files'))).toEqual(['door_man.in']);
    return existsSync(join(out, 'rcd/pkg-plist')) ? readFileSync(join(out, 'rcd/pkg-plist'), 'utf8') : undefined;
  };

  test('default ("modern"): @preunexec ... forcestop (what current pkg accepts), with the handbook\'s advice', () => {
    const text = plist()!;
    expect(text.split('\n').filter((l) => l && !l.startsWith('@comment '))).toEqual(['@preunexec %D/etc/rc.d/door_man forcestop 2>/dev/null || true']);
    expect(text).toMatch(/only when really needed/);
    expect(text).not.toMatch(/^@stopdaemon/m);
    expect(plist('modern')).toBe(text);
  });

  test('"none": no pkg-plist fragment', () => {
    expect(plist('none')).toBeUndefined();
  });

  test('"legacy": @stopdaemon with the USE_RC_SUBR name, as the seed handbook edition shows', () => {
    expect(plist('legacy')).toMatch(/^@stopdaemon door_man$/m);
  });

  test('an unknown style is refused with the accepted values', () => {
    const r = cli(['generate', '--spec', spec('new'), '--target', 'rcd', '--out', join(dir, 'out-new')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/freebsd\.plist/);
  });
});
