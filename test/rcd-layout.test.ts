import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXAMPLES_DIR, exampleNames } from '../src/examples.js';
import { generate, SpecError } from '../src/index.js';
import { rcSubrAssign } from '../src/escape.js';
import { lintScript } from '../src/lint/index.js';
import { FREEBSD_INSTALLED_LAYOUT, FREEBSD_LAYOUT } from '../src/targets/freebsd-layout.js';
import { applySlist, applySlistProblem, subListValues } from '../src/targets/rcd.js';
import { describeWithTools } from './support/tools.js';

function rcd(spec: unknown) {
  const { files, warnings } = generate(spec, { targets: ['rcd'] });
  const scripts = files.filter((f) => /^rcd\/files\/.*\.in$/.test(f.path));
  return { script: scripts[0]!.content!, scripts, files, warnings };
}

/** An example's descriptions: examples/NAME.json, or every member of examples/NAME/. */
function example(name: string): unknown[] {
  const path = join(EXAMPLES_DIR, name);
  const files = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(path).filter((f) => f.endsWith('.json')).map((f) => join(path, f)) : [`${path}.json`];
  return files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown);
}

describe('the FreeBSD path mapping (freebsd-layout.ts)', () => {
  test.each([
    ['/usr/bin/redis-server', '%%PREFIX%%/bin/redis-server'],
    ['/usr/sbin/nginx', '%%PREFIX%%/sbin/nginx'],
    ['/usr/bin/node', '%%LOCALBASE%%/bin/node'],
    ['/usr/bin/python3', '%%LOCALBASE%%/bin/python3'],
    ['/usr/bin/python3.11', '%%LOCALBASE%%/bin/python3.11'],
    ['/usr/bin/perl', '%%LOCALBASE%%/bin/perl'],
    ['/usr/bin/ruby', '%%LOCALBASE%%/bin/ruby'],
    ['/usr/bin/sbcl', '%%LOCALBASE%%/bin/sbcl'],
    ['/usr/bin/java', '%%LOCALBASE%%/bin/java'],
    ['/usr/local/bin/node', '%%LOCALBASE%%/bin/node'],
    ['/usr/local/bin/app', '%%PREFIX%%/bin/app'],
    ['/usr/local/libexec/app.py', '%%PREFIX%%/libexec/app.py'],
    ['/etc/redis/redis.conf', '%%PREFIX%%/etc/redis/redis.conf'],
    ['/var/lib/redis', '/var/db/redis'],
    ['/var/lib/redis/dump.rdb', '/var/db/redis/dump.rdb'],
    ['/run/nginx.pid', '/var/run/nginx.pid'],
    ['/run/app/app.pid', '/var/run/app/app.pid'],
    ['/usr/share/lisp-site/site.lisp', '%%PREFIX%%/share/lisp-site/site.lisp'],
    ['/opt/node-app', '/opt/node-app'],
    ['/srv/www', '/srv/www'],
    ['/home/andrey/site', '/home/andrey/site'],
    ['/var/log/nginx/error.log', '/var/log/nginx/error.log'],
    ['/var/run/x.pid', '/var/run/x.pid'],
    ['/var/cache/x', '/var/cache/x'],
    ['/runner/x', '/runner/x'],
    ['/etcetera/x', '/etcetera/x'],
    ['/usr/binx/y', '/usr/binx/y'],
  ])('%s → %s', (linux, freebsd) => {
    expect(FREEBSD_LAYOUT.path(linux)).toBe(freebsd);
    expect(FREEBSD_INSTALLED_LAYOUT.path(linux)).toBe(freebsd.replace(/%%(PREFIX|LOCALBASE)%%/, '/usr/local'));
  });

  test('directory bases: /var/db, /var/cache, /var/log, /var/run', () => {
    expect(FREEBSD_LAYOUT.base).toEqual({ state: '/var/db', cache: '/var/cache', logs: '/var/log', runtime: '/var/run' });
  });

  // Issue 14's "done when", for every shipped example. /usr/sbin/daemon (and chroot) are FreeBSD's base system.
  test.each(exampleNames())('example %s: no /usr/bin, /usr/sbin, /run/ or /var/lib in its FreeBSD files', (name) => {
    const { files } = generate(example(name), { targets: ['rcd'] });
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const text = f.content!.replace(/\/usr\/sbin\/(daemon|chroot)\b/g, '');
      expect(text, f.path).not.toMatch(/\/usr\/bin\b|\/usr\/sbin\b|(?<![\w/])\/run\/|\/var\/lib\b/);
    }
  });

  test('paths follow the mapping; arguments stay as written, and a Linux one gets a warning', () => {
    const { script, warnings } = rcd({
      name: 'web',
      command: '/usr/bin/web',
      user: 'root',
      restart: 'always',
      configFile: '/etc/web/web.conf',
      args: ['--config', '{config}', '--data={state}', '--pid=/run/web.pid', '/etc/web/other.conf'],
      directories: { state: ['web'] },
      workingDirectory: '/opt/web',
      environmentFile: '/etc/default/web',
    });
    expect(script).toContain(` %%PREFIX%%/bin/web --config '"\${web_config}"' --data=/var/db/web --pid=/run/web.pid /etc/web/other.conf'`);
    expect(script).toContain(': "${web_chdir="/opt/web"}"\n');
    expect(script).toContain(': "${web_env_file="%%PREFIX%%/etc/default/web"}"\n');
    expect(warnings).toEqual([
      expect.stringMatching(/^rcd: \/opt\/web is kept as it is: FreeBSD's hier\(7\) has no \/opt/),
      expect.stringMatching(/argument "--pid=\/run\/web.pid" names the Linux path \/run\/….*\{state\} or \{runtime\}/),
      expect.stringMatching(/argument "\/etc\/web\/other.conf" names the Linux path \/etc\/….*\{config\}/),
    ]);
  });

  test('the freebsd block replaces command, args, configFile and pidfile', () => {
    const { script } = rcd({
      name: 'web',
      command: '/usr/bin/web',
      user: 'root',
      daemonizes: true,
      pidfile: '/run/web.pid',
      configFile: '/etc/web.conf',
      args: ['-c', '{config}'],
      freebsd: { command: '/usr/local/libexec/web', args: ['-f', '{config}', '-d'], configFile: '/usr/local/etc/web/web.conf', pidfile: '/var/run/web/web.pid' },
    });
    expect(script).toMatch(/^command='%%PREFIX%%\/libexec\/web'$/m);
    expect(script).toMatch(/^pidfile=\/var\/run\/web\/web\.pid$/m);
    expect(script).toContain(': "${web_config="%%PREFIX%%/etc/web/web.conf"}"\n');
    expect(script).toMatch(/^command_args='-f '"\$\{web_config\}"' -d'$/m);
  });
});

describe('apply-slist: the mapping\'s tokens are carried, nothing else', () => {
  test('a value the mapping wrote %%PREFIX%%/%%LOCALBASE%% into is accepted', () => {
    expect(applySlistProblem('%%PREFIX%%/etc/x.conf', '/usr/local/etc/x.conf')).toBeUndefined();
    expect(applySlistProblem('--c=%%PREFIX%%/etc/x', '--c=/usr/local/etc/x')).toBeUndefined();
    // sed finds the token one character in: the "%" before it stays.
    expect(applySlistProblem('%%%PREFIX%%/etc/x', '%/usr/local/etc/x')).toBeUndefined();
  });

  test('a token the description wrote itself, or one formed across the edge of the mapping\'s, is refused', () => {
    expect(applySlistProblem('%%PREFIX%%/x')).toMatch(/replaces %%WORD%%/);
    expect(applySlistProblem('%%FOO%%PREFIX%%/etc/x', '%%FOO/usr/local/etc/x')).toMatch(/replaces %%WORD%%/);
    expect(applySlistProblem('%%X')).toBeUndefined();
  });

  test('through generate: {config} after "%%FOO" is refused with the field named; a lone "%" before it is carried', () => {
    const spec = (arg: string) => ({ name: 'p', command: '/usr/bin/p', user: 'root', configFile: '/etc/p.conf', args: [arg] });
    expect(() => rcd(spec('%%FOO{config}'))).toThrow(SpecError);
    try {
      rcd(spec('%%FOO{config}'));
    } catch (error) {
      expect((error as SpecError).problems).toEqual([expect.objectContaining({ path: 'args[0]', message: expect.stringContaining('%%WORD%%') })]);
    }
    const { files } = rcd(spec('%{config}'));
    const make = files.find((f) => f.path === 'rcd/Makefile.snippet')!.content!;
    const installed = applySlist(files.find((f) => f.path === 'rcd/files/p.in')!.content!, { ...subListValues(make), PREFIX: '/usr/local', LOCALBASE: '/usr/local' });
    expect(installed).toContain(" %/usr/local/etc/p.conf'");
  });
});

describe('v2 fields on rc.d', () => {
  test('directories: made in start_precmd as the account, with directoriesMode, by one install(1) (the pidfiles\' directory first)', () => {
    const { script } = rcd({ name: 'db', command: '/usr/bin/db', user: 'dbuser', directories: { state: ['db'], cache: ['db/c'], logs: ['db'], runtime: ['db'] }, directoriesMode: '0700' });
    const pre = script.slice(script.indexOf('db_prestart()'));
    expect(pre).toContain('\tinstall -d -o "${db_user:-root}" -g "${db_group:-0}" -m 0700 /var/run/db /var/db/db /var/cache/db/c /var/log/db || return 1\n');
    expect(pre.match(/install -d/g)).toHaveLength(1);
    expect(script).toMatch(/^start_precmd="\$\{name\}_prestart"$/m);
  });

  test('switchesUser: runs as root (no chroot, no account tokens); its directories belong to the account it switches to', () => {
    const { script, files } = rcd({ name: 'srv', command: '/usr/sbin/srv', switchesUser: { user: 'www', group: 'www' }, directories: { logs: ['srv'] } });
    expect(script).not.toMatch(/chroot|%%SRV_USER%%/);
    expect(script).toContain('\tinstall -d -o www -g www -m 0750 /var/log/srv || return 1\n');
    expect(files.find((f) => f.path === 'rcd/Makefile.snippet')!.content).not.toMatch(/^USERS=/m);
  });

  test('root without switchesUser: directories without -o', () => {
    expect(rcd({ name: 'r', command: '/usr/bin/r', user: 'root', directories: { state: ['r'] } }).script).toContain('\tinstall -d -m 0750 /var/db/r || return 1\n');
  });

  test('configFile: ${name}_config knob, required_files, and the argument that is exactly {config} reads it', () => {
    const { script } = rcd({ name: 'red', command: '/usr/bin/red', user: 'root', configFile: '/etc/red/red.conf', args: ['{config}', '--also={config}'], configCheck: ['/usr/bin/red', '--test', '{config}'] });
    expect(script).toContain(': "${red_config="%%PREFIX%%/etc/red/red.conf"}"\n');
    expect(script).toMatch(/^required_files="\$\{red_config\}"$/m);
    expect(script).toContain(` %%PREFIX%%/bin/red '"\${red_config}"' --also=%%PREFIX%%/etc/red/red.conf`);
    expect(script).toContain('\t\t%%PREFIX%%/bin/red --test "${red_config}"\n');
    expect(script).toMatch(/# red_config \(path\): Configuration file \(required_files\)\. Default:\n#\s+%%PREFIX%%\/etc\/red\/red\.conf\n/);
  });

  test('a configFile rc.subr would split is used as written, with no knob and a warning', () => {
    const { script, warnings } = rcd({ name: 'sp', command: '/usr/bin/sp', user: 'root', restart: 'always', configFile: '/etc/my sp.conf', args: ['{config}'] });
    expect(script).not.toMatch(/sp_config|required_files/);
    expect(script).toContain("'/usr/local/etc/my sp.conf'".replace('/usr/local', '%%PREFIX%%'));
    expect(warnings).toEqual([expect.stringContaining('is not offered as sp_config')]);
  });

  test('commands: none by default; each one only when asked', () => {
    const plain = rcd({ name: 'c', command: '/usr/bin/c', user: 'root' }).script;
    expect(plain).not.toMatch(/extra_commands|_kill|_zap|_foreground/);
    const some = rcd({ name: 'c', command: '/usr/bin/c', user: 'root', commands: ['zap', 'nodaemon'] }).script;
    expect(some).toMatch(/^extra_commands='zap foreground'$/m);
    expect(some).toMatch(/^c_zap\(\)$/m);
    expect(some).toMatch(/^c_foreground\(\)$/m);
    expect(some).not.toMatch(/c_kill/);
  });

  test.each(exampleNames())('example %s: init-service lint passes its rc.d scripts', (name) => {
    const { files } = generate(example(name), { targets: ['rcd'] });
    const scripts = files.filter((f) => f.path.endsWith('.in'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const f of scripts) {
      expect(lintScript(f.path, f.content!, 'rcd').filter((x) => x.severity === 'error'), f.path).toEqual([]);
    }
  });
});

describeWithTools(['dash'])('${name}_config reaches the program through rc.subr\'s eval', () => {
  test('default and an admin\'s value', () => {
    const { script } = rcd({ name: 'red', command: '/usr/bin/red', user: 'root', configFile: '/etc/red/red.conf', args: ['{config}'] });
    const args = /^command_args=(.*)$/m.exec(script)![1]!;
    const run = (conf: string) =>
      execFileSync('dash', ['-c', `${conf}\n: "\${red_config="/usr/local/etc/red/red.conf"}"\ncommand_args=${args}\neval "set -- $command_args"; printf '%s\\n' "$@" | tail -n 1`], { encoding: 'utf8' });
    expect(run('')).toBe('/usr/local/etc/red/red.conf\n');
    expect(run('red_config=/tmp/other.conf')).toBe('/tmp/other.conf\n');
  });
});

describeWithTools(['dash'])('rcSubrAssign: words quoted for rc.subr\'s eval, variables expanded at the assignment', () => {
  test.each([
    [['a b', { variable: 'v' }, "c'd", '$x'], ['a b', '/etc/v.conf', "c'd", '$x']],
    [[{ variable: 'v' }], ['/etc/v.conf']],
    [[{ variable: 'v' }, 'x'], ['/etc/v.conf', 'x']],
    [['-c', { variable: 'v' }], ['-c', '/etc/v.conf']],
  ] as const)('%j', (parts, argv) => {
    const assignment = `command_args=${rcSubrAssign(parts)}`;
    // v is unset by the time rc.subr's eval runs (as in su -m's inner shell): the value was taken at the assignment.
    const out = execFileSync('dash', ['-c', `v=/etc/v.conf\n${assignment}\nunset v\neval "set -- $command_args"; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(argv);
  });
});
