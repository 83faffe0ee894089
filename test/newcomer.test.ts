// What a new user trips over (issue 17), through the CLI in-process: each
// test failed before its fix.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';
import { normalize, SpecError } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-newcomer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export async function run(args: string[], options: { cwd?: string; interactive?: boolean } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(args, {
    stdout: (t) => void stdout.push(t),
    stderr: (t) => void stderr.push(t),
    cwd: options.cwd ?? dir,
    interactive: options.interactive ?? false,
  });
  return { status, stdout: stdout.join(''), stderr: stderr.join('') };
}

function spec(name: string, fields: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, command: '/usr/bin/true', ...fields }));
  return file;
}

const problems = (input: Record<string, unknown>) => {
  try {
    normalize({ name: 'web', command: '/usr/bin/web', ...input });
  } catch (error) {
    return (error as SpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
};

describe('point 3: a reload that kills is refused, with the reason', () => {
  test('KILL, STOP and the stop signal itself', () => {
    expect(problems({ reloadSignal: 'KILL' })).toEqual([expect.stringMatching(/^reloadSignal: KILL cannot be caught: a reload would end the program/)]);
    expect(problems({ reloadSignal: 'SIGKILL' })).toEqual([expect.stringMatching(/^reloadSignal: KILL cannot be caught/)]);
    expect(problems({ reloadSignal: 'SIGSTOP' })).toEqual([expect.stringMatching(/^reloadSignal: STOP cannot be caught: a reload would freeze the program/)]);
    expect(problems({ reloadSignal: 'TERM' })).toEqual([expect.stringMatching(/^reloadSignal: TERM is the stop signal \(stopSignal, TERM unless set\): a reload would stop the program/)]);
    expect(problems({ reloadSignal: 'QUIT', stopSignal: 'SIGQUIT' })).toEqual([expect.stringMatching(/^reloadSignal: QUIT is the stop signal \(stopSignal\)/)]);
  });

  test('what reloads is still accepted', () => {
    expect(problems({ reloadSignal: 'HUP' })).toEqual([]);
    expect(problems({ reloadSignal: 'TERM', stopSignal: 'QUIT' })).toEqual([]);
    expect(problems({ reloadSignal: 'USR2', stopSignal: 'INT' })).toEqual([]);
  });
});

describe('point 1: paths a service cannot reach are warned about loudly', () => {
  test('a command in a version manager, a working directory and a log under /home', async () => {
    const file = spec('shim', { command: '/root/.pyenv/shims/python3', workingDirectory: '/home/ann/app', stdoutLog: '/home/ann/app/out.log' });
    const r = await run(['generate', '--spec', file, '--out', join(dir, 'shim-out'), '--target', 'systemd']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning: shim.json: command /root/.pyenv/shims/python3 is in a version manager's directory");
    expect(r.stderr).toContain("warning: shim.json: workingDirectory /home/ann/app is in a person's home directory");
    expect(r.stderr).toContain('warning: shim.json: stdoutLog /home/ann/app/out.log is in');
  });

  test('system paths get no such warning', async () => {
    const r = await run(['generate', '--spec', spec('plain', { workingDirectory: '/srv/app' }), '--out', join(dir, 'plain-out'), '--target', 'systemd']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/home directory|version manager/);
  });
});

describe('point 10: error messages', () => {
  test('a missing description: its full path and the reason in words', async () => {
    const r = await run(['generate', '--spec', 'missing.json']);
    expect(r.stderr).toBe(`init-service: cannot read ${join(dir, 'missing.json')}: no such file\n`);
    expect(r.status).toBe(2);
  });

  test('a file is named the same whichever form of --spec named it', async () => {
    mkdirSync(join(dir, 'specs'), { recursive: true });
    writeFileSync(join(dir, 'specs/bad.json'), JSON.stringify({ name: 'bad', command: 'relative' }));
    const byFile = await run(['generate', '--spec', join(dir, 'specs/bad.json'), '--check']);
    const byRelative = await run(['generate', '--spec', './specs/bad.json', '--check']);
    const byDirectory = await run(['generate', '--spec', 'specs', '--check']);
    expect(byFile.stderr).toMatch(/^specs\/bad\.json: command: /);
    expect(byRelative.stderr).toBe(byFile.stderr);
    expect(byDirectory.stderr).toBe(byFile.stderr);
  });

  test('a mistyped option is answered with the one meant', async () => {
    const r = await run(['generate', '--example', 'homesite', '--outt', 'x']);
    expect(r.stderr).toBe("init-service: Unknown option '--outt'; did you mean --out? (run init-service generate --help)\n");
    expect(r.status).toBe(2);
    expect((await run(['lint', '--tpye', 'rcd', 'x.in'])).stderr).toContain('did you mean --type?');
    expect((await run(['generate', '--frobnicate'])).stderr).not.toContain('did you mean');
  });

  test('one file is "1 file"', async () => {
    const out = join(dir, 'one');
    const r = await run(['generate', '--spec', spec('one', {}), '--target', 'systemd', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1 file in /m);
    expect((await run(['generate', '--spec', join(dir, 'one.json'), '--target', 'systemd', '--out', out, '--check'])).stdout).toBe('one matches (1 file)\n');
  });

  test('lint on a conf.d file says it is one, even with --type openrc', async () => {
    const out = join(dir, 'lint-tree');
    expect((await run(['generate', '--example', 'homesite', '--out', out])).status).toBe(0);
    const conf = join('lint-tree', 'openrc/conf.d/restas.homesite');
    for (const args of [['lint', conf], ['lint', '--type', 'openrc', conf]]) {
      const r = await run(args);
      expect(r.stderr).toContain(`init-service: ${conf}: a conf.d file (only NAME=value lines), which configures a script; lint the script itself (init.d/NAME)`);
      expect(r.stdout).toBe('');
      expect(r.status).toBe(2);
    }
  });
});

describe('point 11: lint DIR', () => {
  test('lints the scripts of a generated tree and passes over the rest', async () => {
    const out = join(dir, 'lint-dir');
    expect((await run(['generate', '--example', 'homesite', '--out', out])).status).toBe(0);
    const r = await run(['lint', '--format', 'json', 'lint-dir']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { files: Array<{ file: string; kind: string }> };
    // Every script, once (the instance link is passed over), in path order; no conf.d file, unit or port file.
    const { generate } = await import('../src/index.js');
    const homesite = JSON.parse(readFileSync(new URL('../examples/homesite.json', import.meta.url), 'utf8')) as unknown;
    const scripts = generate(homesite).files.filter((f) => f.linkTarget === undefined && /^(openrc\/init\.d\/|rcd\/files\/.*\.in$)/.test(f.path));
    expect(report.files).toEqual(scripts.map((f) => ({ file: `lint-dir/${f.path}`, kind: f.path.startsWith('openrc/') ? 'openrc' : 'rcd' })).sort((a, b) => (a.file < b.file ? -1 : 1)));
    expect(report.files.map((f) => f.kind).sort()).toEqual(['openrc', 'rcd']);
  });

  test('a directory without scripts is refused', async () => {
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const r = await run(['lint', 'empty']);
    expect(r.stderr).toContain('init-service: empty: no rc.d or OpenRC script in this directory');
    expect(r.status).toBe(2);
  });
});

describe('point 8: --help is an overview; no terminal says so', () => {
  test('the overview fits on a screen and points to help COMMAND', async () => {
    const r = await run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').length).toBeLessThanOrEqual(30);
    expect(r.stdout).toContain('init-service help COMMAND');
    expect(r.stdout).toContain('init-service generate --example homesite --out ./out');
    expect(r.stdout).not.toContain('--templates DIR');
    const help = await run(['help', 'install']);
    expect(help.stdout).toMatch(/^Usage: init-service install/);
    expect(help.status).toBe(0);
  });

  test('no command and no terminal: the overview, then one line saying why', async () => {
    const r = await run([], { interactive: false });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('init-service: no terminal to ask questions on (standard input or output is not one), so this help instead of the wizard');
    expect(r.stderr).toContain('init-service help COMMAND');
  });
});

describe('point 2: next steps that work', () => {
  const logged = () => spec('logged', { stdoutLog: '/var/log/logged/out.log' });

  test('install says to run systemd-tmpfiles before the first start, for the file it placed', async () => {
    const root = join(dir, 'root-logged');
    const r = await run(['install', '--spec', logged(), '--root', root, '--target', 'systemd']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Before the first start, create the log directories its tmpfiles.d file declares:\n  systemd-tmpfiles --root=${root} --create /usr/lib/tmpfiles.d/logged.conf\n`);
    const dry = await run(['install', '--spec', logged(), '--root', join(dir, 'root-dry'), '--target', 'systemd', '--dry-run']);
    expect(dry.stdout).toContain('--create /usr/lib/tmpfiles.d/logged.conf');
  });

  test("the wizard's next steps create the log directories before enable --now", async () => {
    const { generateFiles } = await import('../src/generate.js');
    const { nextSteps } = await import('../src/wizard/next-steps.js');
    const service = normalize({ name: 'logged', command: '/usr/bin/true', user: 'root', stdoutLog: '/var/log/logged/out.log' });
    const { files } = generateFiles([{ service }], { targets: ['systemd'] });
    const machine = { which: () => undefined, exists: () => true, userExists: () => true, groupExists: () => true, platform: 'linux' as const, cwd: dir };
    expect(nextSteps(service, ['systemd'], 'out', machine, files)).toContain(
      '    systemd-tmpfiles --create /usr/lib/tmpfiles.d/logged.conf && systemctl daemon-reload && systemctl enable --now logged.service',
    );
  });

  test('a log file without directories is answered with how to declare them', async () => {
    const r = await run(['generate', '--spec', logged(), '--target', 'systemd', '--out', join(dir, 'logged-out')]);
    expect(r.stderr).toMatch(/declare "directories": \{ "logs": \["logged"\] \}/);
  });
});

describe('point 9: the built-in example greets without warnings about itself', () => {
  // examples/homesite.json has "restart": "always", which every target carries as it is. What
  // remains is one calm line for the packager: the origin's account is a person's (issue 18).
  test('generate --example homesite prints no warning about its own values, and at most one line', async () => {
    const r = await run(['generate', '--example', 'homesite', '--out', join(dir, 'greeting')]);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/restart/);
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
  });
});

describe('point 11: everyday commands', () => {
  test('uninstall removes exactly what install placed, under --root, and --dry-run changes nothing', async () => {
    const { existsSync, readdirSync } = await import('node:fs');
    const root = join(dir, 'root-uninstall');
    const installed = await run(['install', '--example', 'homesite', '--root', root]);
    expect(installed.status).toBe(0);
    const placed = installed.stdout.split('\n').filter((l) => l.startsWith('created ')).map((l) => `would remove ${l.slice('created '.length).trim().split(' -> ')[0]}`);
    const dry = await run(['uninstall', '--example', 'homesite', '--root', root, '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('would remove'))).toEqual(placed);
    expect(dry.stdout).toContain(`dry run: nothing removed under ${root}; ${placed.length} files to remove, 0 not there`);
    expect(existsSync(join(root, 'etc/init.d/restas'))).toBe(true);
    const r = await run(['uninstall', '--example', 'homesite', '--root', root]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed   ${join(root, 'etc/init.d/restas.homesite')}\n`);
    // What remains: the directories init systems own, empty.
    expect(readdirSync(join(root, 'etc/init.d'))).toEqual([]);
    expect(readdirSync(join(root, 'etc/systemd/system'))).toEqual([]);
    expect((await run(['uninstall', '--example', 'homesite', '--root', root])).stdout).toMatch(/nothing to remove under .*: none of the \d+ files is installed/);
  });

  test('uninstall keeps a file someone changed, and removes nothing, unless --force', async () => {
    const { readFileSync, existsSync } = await import('node:fs');
    const root = join(dir, 'root-changed');
    expect((await run(['install', '--example', 'homesite', '--root', root])).status).toBe(0);
    writeFileSync(join(root, 'etc/conf.d/restas.homesite'), 'edited=1\n');
    const r = await run(['uninstall', '--example', 'homesite', '--root', root]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`someone changed them; nothing was removed:\n  ${join(root, 'etc/conf.d/restas.homesite')}\nUse --force`);
    expect(readFileSync(join(root, 'etc/conf.d/restas.homesite'), 'utf8')).toBe('edited=1\n');
    expect(existsSync(join(root, 'etc/init.d/restas'))).toBe(true);
    expect((await run(['uninstall', '--example', 'homesite', '--root', root, '--force'])).status).toBe(0);
    expect(existsSync(join(root, 'etc/conf.d/restas.homesite'))).toBe(false);
  });

  test('verify FILE checks one file alone, named as given', async () => {
    const out = join(dir, 'verify-one');
    expect((await run(['generate', '--example', 'homesite', '--out', out, '--target', 'openrc'])).status).toBe(0);
    const r = await run(['verify', 'verify-one/openrc/init.d/restas', '--json']);
    const report = JSON.parse(r.stdout) as { results: Array<{ path: string; check: string }> };
    expect(new Set(report.results.map((x) => x.path))).toEqual(new Set(['verify-one/openrc/init.d/restas']));
    expect(report.results.map((x) => x.check)).toEqual(expect.arrayContaining(['shellcheck', 'dash -n', 'init-service lint']));
    const missing = await run(['verify', 'no-such-file']);
    expect(missing.stderr).toBe(`init-service: cannot read ${join(dir, 'no-such-file')}: no such file\n`);
    expect(missing.status).toBe(2);
  });

  test('init writes a commented starter that generates as it is, and names every field', async () => {
    const { readFileSync } = await import('node:fs');
    const { SERVICE_SCHEMA } = await import('../src/spec/schema.js');
    const r = await run(['init', 'web.yaml']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('wrote web.yaml\nEdit it, then: init-service generate --spec web.yaml --dry-run\n');
    const text = readFileSync(join(dir, 'web.yaml'), 'utf8');
    expect(text).toMatch(/^name: web\ncommand: \/usr\/bin\/web$/m);
    expect(text).toMatch(/^restart: always$/m);
    for (const field of Object.keys(SERVICE_SCHEMA.properties).filter((f) => !['$schema', 'name', 'command', 'restart'].includes(f))) {
      expect(text, field).toMatch(new RegExp(`^#${field.replace('$', '\\$')}: \\S`, 'm'));
    }
    // Every target, and not one warning: a newcomer's first run is clean.
    const generate = await run(['generate', '--spec', 'web.yaml', '--out', join(dir, 'web-out')]);
    expect(generate.status, generate.stderr).toBe(0);
    expect(generate.stderr).toBe('');
    expect((await run(['init', 'web.yaml', '--command', '/usr/sbin/web'])).status).toBe(1);
    expect((await run(['init', 'web.json'])).stderr).toContain('init writes YAML');
  });
});

describe('point 1, without questions', () => {
  test('--yes warns about a program in a home directory as the questions would', async () => {
    const file = spec('homebound', { command: '/home/ann/bin/app', user: 'root' });
    const r = await run(['--yes', '--spec', file, '--target', 'systemd', '--out', join(dir, 'homebound-out')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning: homebound.json: command /home/ann/bin/app is in a person's home directory");
  });
});
