import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { specProblems } from './support/spec-error.js';

const base = { name: 'web', command: '/usr/bin/web' };
const openrc = (spec: Record<string, unknown>) => generate({ ...base, ...spec }, { targets: ['openrc'] });
const problems = (spec: Record<string, unknown>): string[] => specProblems(() => openrc(spec));
const confd = (spec: Record<string, unknown>) => openrc(spec).files.find((f) => f.path === 'openrc/conf.d/web')!.content!;
const script = (spec: Record<string, unknown>) => openrc(spec).files.find((f) => f.path === 'openrc/init.d/web')!.content!;

describe('OpenRC field mapping', () => {
  test('restart on: supervise-daemon with respawn settings; "no": start-stop-daemon, never respawned (the script fixes them, ::gentoo shape)', () => {
    for (const line of [/^supervisor=supervise-daemon$/m, /^respawn_delay=1$/m, /^respawn_max=5$/m, /^respawn_period=60$/m, /^pidfile="\/run\/\$\{RC_SVCNAME\}\.pid"$/m]) {
      expect(script({ restart: 'always' })).toMatch(line);
    }
    expect(script({ restart: 'always' })).not.toMatch(/^command_background=/m);
    expect(script({ restart: 'no' })).toMatch(/^command_background=true$/m);
    expect(script({ restart: 'no' })).not.toMatch(/^supervisor=/m);
    expect(confd({ restart: 'always' })).not.toMatch(/^[^#\n]/m);
  });

  test('a program that forks keeps its own pidfile, and the restart it cannot get is said out loud', () => {
    const spec = { daemonizes: true, pidfile: '/run/web.pid', restart: 'always' };
    expect(script(spec)).toMatch(/^pidfile=\/run\/web.pid$/m);
    expect(script(spec)).not.toMatch(/^(supervisor|command_background)=/m);
    expect(openrc(spec).warnings.join('\n')).toMatch(/restart "always" is not carried for a program that daemonizes itself/);
    expect(openrc({ ...spec, restart: 'no' }).warnings).toEqual([]);
  });

  test('on-failure respawns after a clean exit too, and says so', () => {
    expect(openrc({ restart: 'on-failure' }).warnings.join('\n')).toMatch(/respawns after any exit/);
  });

  test('a core size other than 0 or unlimited is refused: its ulimit unit depends on the shell', () => {
    expect(problems({ limits: { core: 1024 } }).join('\n')).toMatch(/^limits\.core: .*512 bytes in dash and 1024 in bash/m);
    expect(problems({ limits: { core: 0, nofile: 10, nproc: 5 } })).toEqual([]);
    expect(problems({ limits: { core: 'unlimited' } })).toEqual([]);
  });

  test.each(['IFS', 'PATH', 'RC_SVCNAME', 'SSD_NICELEVEL', 'command', 'pidfile', 'rc_need', 'supervise_daemon_args', '_n', '_command_arg_1'])(
    'environment name %s is refused: conf.d is sourced by openrc-run itself',
    (name) => {
      expect(problems({ environment: { [name]: 'x' } }).join('\n')).toMatch(new RegExp(`^environment\\.${name}: \\(openrc\\) cannot be set for OpenRC`, 'm'));
    },
  );

  test.each(['WEB_OPTS', 'WEB_USER', 'WEB_NICE', 'WEB_CONFIGFILE'])('environment name %s is refused: it is a knob of conf.d', (name) => {
    expect(problems({ environment: { [name]: 'x' } }).join('\n')).toMatch(new RegExp(`^environment\\.${name}: \\(openrc\\) cannot be set for OpenRC: the script reads the conf.d knob`, 'm'));
  });

  test('environment name instance is refused in a family (the script derives it), accepted elsewhere', () => {
    expect(problems({ family: 'fam', environment: { instance: 'x' } }).join('\n')).toMatch(/^environment\.instance: .*holds the family member's name/m);
    expect(problems({ environment: { instance: 'x' } })).toEqual([]);
  });

  test.each(['_JAVA_OPTIONS', 'LANG', 'Command'])('environment name %s is accepted', (name) => {
    expect(problems({ environment: { [name]: 'x' } })).toEqual([]);
  });

  test('paths that OpenRC would split or expand are refused', () => {
    expect(problems({ workingDirectory: '/srv/my site' }).join('\n')).toMatch(/^workingDirectory: .*eval/m);
    expect(problems({ stdoutLog: '/var/log/$x.log' }).join('\n')).toMatch(/^stdoutLog: /m);
  });

  test('the ebuild snippet depends on the accounts it runs as, not on root', () => {
    const snippet = (spec: Record<string, unknown>) => generate({ ...base, ...spec }, { targets: ['gentoo'] }).files.find((f) => f.path.endsWith('.ebuild-snippet'))!.content!;
    expect(snippet({ user: 'www', group: 'web' })).toContain("RDEPEND+=' acct-user/www acct-group/web'");
    expect(snippet({ user: 'root', group: 'web' })).toContain("RDEPEND+=' acct-group/web'");
    expect(snippet({ user: 'root' })).not.toContain('RDEPEND');
  });
});

describe('OpenRC and the v2 description (issue 14)', () => {
  test("directories: created by checkpath in start_pre with the mode (0750 unless directoriesMode says otherwise), a nested one's parent root-owned by mkdir -p", () => {
    const sh = script({ user: 'web', directories: { state: ['web'], cache: ['web/fasl'], logs: ['web'], runtime: ['web'] } });
    expect(sh).toMatch(/^start_pre\(\) \{\n\tmkdir -p \/var\/cache\/web \|\| return 1\n\tcheckpath -d -m 0750 -o "\$\{command_user\}" \/var\/lib\/web \/var\/cache\/web\/fasl \/var\/log\/web \/run\/web \|\| return 1\n\}$/m);
    expect(script({ user: 'root', directories: { state: ['web'] }, directoriesMode: '0700' })).toMatch(/^\tcheckpath -d -m 0700 -o root \/var\/lib\/web \|\| return 1$/m);
    // Before the config check, which may need them (nginx -t creates its temporary directories).
    expect(script({ directories: { state: ['web'] }, configCheck: ['/usr/bin/web'] })).toMatch(/^\tcheckpath -d .*\n\t\[ "\$\{RC_CMD\}" = restart \] \|\| checkconfig \|\| return 1$/m);
    expect(script({})).not.toMatch(/checkpath|start_pre/);
  });

  test("logs: created owned by the user only when missing (an admin's mode stays), their directory made root-owned", () => {
    const sh = script({ user: 'web', stdoutLog: '/var/log/web/out.log', stderrLog: '/var/log/web/out.log' });
    expect(sh).toMatch(/^output_log=\/var\/log\/web\/out.log$/m);
    expect(sh).toMatch(/^error_log=\/var\/log\/web\/out.log$/m);
    expect(sh).toMatch(/^\tmkdir -p \/var\/log\/web \|\| return 1\n\t\[ -e \/var\/log\/web\/out.log \] \|\| checkpath -f -m 0640 -o "\$\{command_user\}" \/var\/log\/web\/out.log \|\| return 1\n\}$/m);
  });

  test('switchesUser: the program runs as root, its directories belong to the account it switches to', () => {
    const sh = script({ switchesUser: { user: 'www', group: 'web' }, directories: { logs: ['web'] } });
    expect(sh).not.toMatch(/^command_user=/m);
    expect(sh).toMatch(/^\tcheckpath -d -m 0750 -o www:web \/var\/log\/web \|\| return 1$/m);
    expect(script({ switchesUser: { user: 'www' }, directories: { logs: ['web'] } })).toMatch(/-o www \/var\/log\/web/);
  });

  test('configFile: a knob named after the service with its default in the script, commented in conf.d; required_files; {config} in args and configCheck follows the knob', () => {
    const spec = { configFile: '/etc/web/web.conf', args: ['-c', '{config}', '--x={config}.d'], configCheck: ['/usr/bin/web', '-t', '{config}'] };
    const sh = script(spec);
    expect(sh).toMatch(/^WEB_CONFIGFILE=\$\{WEB_CONFIGFILE:-\/etc\/web\/web.conf\}$/m);
    expect(sh).toMatch(/^required_files='"\$\{WEB_CONFIGFILE\}"'$/m);
    expect(sh).toMatch(/^command_args='-c "\$\{WEB_CONFIGFILE\}" --x="\$\{WEB_CONFIGFILE\}".d '"\$\{WEB_OPTS\}"$/m);
    expect(sh).toMatch(/^\t\/usr\/bin\/web -t "\$\{WEB_CONFIGFILE\}"$/m);
    expect(confd(spec)).toMatch(/^#WEB_CONFIGFILE=\/etc\/web\/web.conf$/m);
    expect(confd(spec)).toMatch(/^#WEB_OPTS=''$/m);
    // A family's knob is the family's name; {instance} is the script's ${instance}.
    const family = generate({ ...base, family: 'my-site', configFile: '/etc/my-site/{instance}.conf', args: ['{config}'] }, { targets: ['openrc'] });
    const generic = family.files.find((f) => f.path === 'openrc/init.d/my-site')!.content!;
    expect(generic).toMatch(/^instance=\$\{RC_SVCNAME#\*\.\}$/m);
    expect(generic).toMatch(/^MY_SITE_CONFIGFILE=\$\{MY_SITE_CONFIGFILE:-\/etc\/my-site\/"\$\{instance\}".conf\}$/m);
    // Nothing of the member "web" but what every member shares (the command).
    expect(generic.replaceAll('/usr/bin/web', '')).not.toContain('web');
    expect(family.files.find((f) => f.path === 'openrc/conf.d/my-site.web')!.content!).not.toMatch(/^[^#\n]/m);
  });

  test("user, limits and nice: knobs of conf.d in the service's terms, defaults in the script", () => {
    const sh = script({ user: 'web', group: 'www', limits: { nofile: 4096 }, nice: 5, restart: 'no' });
    expect(sh).toMatch(/^command_user=\$\{WEB_USER:-web:www\}$/m);
    expect(sh).toMatch(/^rc_ulimit=\$\{rc_ulimit:-'-n 4096'\}$/m);
    expect(sh).toMatch(/^start_stop_daemon_args="--nicelevel \$\{WEB_NICE:-5\}"$/m);
    expect(script({ nice: 5 })).toMatch(/^supervise_daemon_args="--nicelevel \$\{WEB_NICE:-5\}"$/m);
    const conf = confd({ user: 'web', group: 'www', limits: { nofile: 4096 }, nice: 5 });
    for (const line of [/^#WEB_USER=web:www$/m, /^#rc_ulimit='-n 4096'$/m, /^#WEB_NICE=5$/m]) expect(conf).toMatch(line);
    expect(conf).not.toMatch(/shellcheck|^[^#\n]/m);
  });

  test("reload is OpenRC's one-liner: supervise-daemon --signal when supervised, start-stop-daemon --signal with the pidfile otherwise", () => {
    expect(script({ reloadSignal: 'HUP' })).toMatch(/^\tsupervise-daemon "\$\{RC_SVCNAME\}" --signal HUP$/m);
    expect(script({ reloadSignal: 'USR1', restart: 'no' })).toMatch(/^\tstart-stop-daemon --signal USR1 --pidfile "\$\{pidfile\}"$/m);
    expect(script({})).not.toMatch(/reload/);
  });

  test('no workaround for Debian: no --startas wrapper, no start-stop-daemon --help probe, no stop_post, no rc_ulimit takeover', () => {
    const sh = script({ stdoutLog: '/var/log/web.log', restart: 'no', limits: { nofile: 10, nproc: 5 }, commands: ['kill', 'foreground'] });
    expect(sh).not.toMatch(/--startas|--help|stop_post|ulimit -/);
  });

  test('a config check, and commands, are advertised only when described; commands are opt-in: kill, zap and foreground appear only when listed; kill never shadows the builtin outside "rc-service NAME kill"', () => {
    const bare = script({});
    expect(bare).not.toMatch(/extra_commands|kill\(\)|foreground\(\)|extra_stopped_commands|zap/);
    expect(script({ configCheck: ['/usr/bin/web', '-t'] })).toMatch(/^extra_commands="checkconfig"$/m);
    const all = script({ commands: ['kill', 'zap', 'nodaemon'] });
    expect(all).toMatch(/^extra_commands="kill"$/m);
    expect(script({ commands: ['kill'], configCheck: ['/usr/bin/web'] })).toMatch(/^extra_commands="checkconfig kill"$/m);
    expect(all).toMatch(/^extra_stopped_commands="foreground"$/m);
    // zap is OpenRC's own: nothing in the script.
    expect(script({ commands: ['zap'] })).toBe(script({}));
    expect(all).toMatch(/^if \[ "\$\{RC_CMD\}" = kill \]; then\n(\t[^\n]*\n)*\tkill\(\) \{$/m);
    expect(all.match(/^\s*kill\(\) \{$/gm)).toHaveLength(1);
    expect(all).toMatch(/^foreground\(\) \{$/m);
  });

  test('shWordWithVariables: literal parts stay literal, each reference is one quoted expansion', async () => {
    const { shWordWithVariables } = await import('../src/escape.js');
    const { execFileSync } = await import('node:child_process');
    const hostile = ["it's", '$(id)', '`id`', '"', '\\', '*', '~x', '=y', ''];
    for (const text of hostile) {
      const word = shWordWithVariables([{ text }, { variable: 'K' }, { text }]);
      const out = execFileSync('sh', ['-c', `K=$1; eval "set -- ${word.replace(/[\\"$`]/g, '\\$&')}"; printf '%s|%s' "$#" "$1"`, 'sh', 'a b*'], { encoding: 'utf8' });
      expect(out, text).toBe(`1|${text}a b*${text}`);
    }
    expect(shWordWithVariables([])).toBe("''");
    expect(() => shWordWithVariables([{ variable: 'a-b' }])).toThrow();
  });
});

test('ready "notify" is treated as started: the same files as "started" (OpenRC 0.45 has no readiness protocol for it)', () => {
  const files = (ready: string) => openrc({ ready }).files.map((f) => f.content);
  expect(files('notify')).toEqual(files('started'));
});

describe('the script defines every function it calls, whatever the description uses', () => {
  const calledAnywhere: string[] = [];
  afterAll(() => {
    // The check above has calls to check: checkconfig, start_pre, _protect_command_args, kill's _runs.
    expect(new Set(calledAnywhere)).toEqual(new Set(['checkconfig', 'start_pre', '_protect_command_args', '_runs']));
  });
  const variants: Record<string, unknown>[] = [
    {},
    { reloadSignal: 'HUP' },
    { reloadSignal: 'HUP', restart: 'no' },
    { configCheck: ['/usr/bin/web', '-t'] },
    { commands: ['kill'] },
    { commands: ['foreground'], daemonizes: true, pidfile: '/run/web.pid' },
    { commands: ['kill', 'zap', 'foreground'], environmentFile: '/etc/web.env', stdoutLog: '/var/log/web/out.log', directories: { state: ['web'] } },
    { family: 'fam', reloadSignal: 'HUP' },
    { args: ['a\tb', '*'], commands: ['foreground'] },
  ];
  test.each(variants.map((v) => [JSON.stringify(v), v]))('%s', (_, variant) => {
    const text = openrc(variant as Record<string, unknown>).files.find((f) => f.path.startsWith('openrc/init.d/') && f.content)!.content!;
    const defined = new Set([...text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\(\) \{/gm)].map((m) => m[1]));
    const called = new Set([...text.matchAll(/(?:^\s*|\$\(|&& |\|\| |if )(_[a-z_]+|checkconfig|start_pre)\b(?![(=])/gm)].map((m) => m[1]!));
    for (const name of called) expect(defined, `${name} is called`).toContain(name);
    calledAnywhere.push(...called);
  });
});

describe('line budgets of the ::gentoo shape (issue 15), measured on the examples', () => {
  const example = (name: string) => JSON.parse(readFileSync(new URL(`../examples/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  const lines = (spec: Record<string, unknown>, path: string) => generate(spec, { targets: ['openrc'] }).files.find((f) => f.path === path)!.content!.split('\n').length - 1;

  test('redis, a supervised foreground service: at most 40 script lines and 25 conf.d lines', () => {
    expect(lines(example('redis'), 'openrc/init.d/redis')).toBeLessThanOrEqual(40);
    expect(lines(example('redis'), 'openrc/conf.d/redis')).toBeLessThanOrEqual(25);
  });

  test('nginx: at most 100 script lines', () => {
    expect(lines(example('nginx'), 'openrc/init.d/nginx')).toBeLessThanOrEqual(100);
  });

  test('lisp-site: alpha and beta, alike but for the name, share the script and family conf.d; their own conf.d is a comment', () => {
    const alpha = JSON.parse(readFileSync(new URL('../examples/lisp-site/alpha.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const beta = JSON.parse(readFileSync(new URL('../examples/lisp-site/beta.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const files = generate([alpha, beta], { targets: ['openrc', 'gentoo'] }).files;
    expect(files.filter((f) => f.path.startsWith('openrc/init.d/') && f.content !== undefined).map((f) => f.path)).toEqual(['openrc/init.d/lisp-site']);
    for (const member of ['alpha', 'beta']) expect(files.find((f) => f.path === `openrc/conf.d/lisp-site.${member}`)!.content).not.toMatch(/^[^#\n]/m);
  });
});
