import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { detectKind, formatFinding, lintScript, LINT_RULES } from '../src/lint/index.js';
import { generate } from '../src/index.js';
import { fixtureFiles, fixtureNames } from './support/fixtures.js';

const lintDir = new URL('./fixtures/lint/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, lintDir), 'utf8');
const rules = (file: string, text: string) => [...new Set(lintScript(file, text, detectKind(file, text)!).map((f) => f.rule))].sort();

/** Replaces `from` (which must occur) by `to`. */
function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`mutation did not apply: ${String(from)}`);
  return out;
}

describe('generated scripts lint clean', () => {
  const scripts = fixtureNames().flatMap((name) =>
    fixtureFiles(name)
      .filter((f) => f.content !== undefined && (/^rcd\/files\/.*\.in$/.test(f.path) || f.path.startsWith('openrc/init.d/')))
      .map((f) => [`${name}: ${f.path}`, f.path, f.content!] as const),
  );

  test('every fixture has an rc.d and an OpenRC script', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(fixtureNames().length * 2);
  });

  test.each(scripts)('%s', (_, path, content) => {
    const kind = detectKind(path, content);
    expect(kind).toBe(path.startsWith('rcd/') ? 'rcd' : 'openrc');
    expect(lintScript(path, content, kind!).map(formatFinding)).toEqual([]);
  });
});

test('the generator writes %%PREFIX%% wherever rc-usr-local looks for /usr/local (one pattern for both)', () => {
  const args = ['--root={/usr/local}', '(/usr/local)', 'dir=/usr/local@x', '/usr/local|/usr/localx', '/opt/usr/local'];
  const script = generate({ name: 'ul', command: '/usr/local/bin/ul', args }, { targets: ['rcd'] }).files.find((f) => f.path === 'rcd/files/ul.in')!;
  expect(lintScript(script.path, script.content!, 'rcd').filter((f) => f.rule === 'rc-usr-local').map(formatFinding)).toEqual([]);
  expect(script.content).toContain('--root={%%PREFIX%%}');
  expect(script.content).toContain('%%PREFIX%%|/usr/localx');
  expect(script.content).toContain('/opt/usr/local');
});

describe('rc.d rules: each broken script triggers exactly its rule', () => {
  const base = read('gatekeeper.in');
  const file = 'files/gatekeeper.in';

  test('the hand-written base script is clean', () => {
    expect(lintScript(file, base, 'rcd')).toEqual([]);
  });

  const renamed = (to: string) => base.replace(/gatekeeper_/g, `${to}_`).replace('name=gatekeeper', `name=${to}`);
  const cases: Array<[rule: string, file: string, text: string]> = [
    ['rc-shebang', file, edit(base, '#!/bin/sh', '#!/bin/bash')],
    ['rc-freebsd-tag', file, edit(base, '#!/bin/sh\n#\n', '#!/bin/sh\n#\n# $FreeBSD$\n#\n')],
    ['rc-file-extension', 'files/gatekeeper.sh', base],
    ['rc-provide-missing', file, edit(base, '# PROVIDE: gatekeeper\n', '')],
    ['rc-provide-mismatch', file, edit(base, '# PROVIDE: gatekeeper', '# PROVIDE: gatekeeperd')],
    ['rc-name-missing', file, edit(base, 'name=gatekeeper\n', '')],
    ['rc-name-mismatch', file, renamed('gk')],
    ['rc-name-charset', 'files/gate-keeper.in', edit(edit(base, '# PROVIDE: gatekeeper', '# PROVIDE: gate-keeper'), 'name=gatekeeper', 'name=gate-keeper')],
    ['rc-require-login', file, edit(base, '# REQUIRE: LOGIN NETWORKING', '# REQUIRE: NETWORKING')],
    ['rc-keyword-shutdown', file, edit(base, '# KEYWORD: shutdown\n', '')],
    ['rc-keyword-freebsd', file, edit(base, '# KEYWORD: shutdown', '# KEYWORD: FreeBSD shutdown')],
    ['rc-interpreter', file, edit(base, 'command=%%PREFIX%%/sbin/gatekeeperd', 'command=%%PREFIX%%/libexec/gatekeeperd.py')],
    ['rc-usr-local', file, edit(base, 'command=%%PREFIX%%/sbin/gatekeeperd', 'command=/usr/local/sbin/gatekeeperd')],
    ['rc-subr-missing', file, edit(base, '. /etc/rc.subr\n', '')],
    ['rc-load-rc-config', file, edit(base, 'load_rc_config $name\n', '')],
    ['rc-default-before-load', file, edit(edit(base, ': ${gatekeeper_user="gatekeeper"}\n', ''), 'load_rc_config $name', ': ${gatekeeper_user="gatekeeper"}\nload_rc_config $name')],
    ['rc-overrides-rcconf', file, edit(base, ': ${gatekeeper_user="gatekeeper"}', 'gatekeeper_user="gatekeeper"')],
    ['rc-empty-default', file, edit(base, ': ${gatekeeper_config="%%PREFIX%%/etc/gatekeeper.conf"}', ': ${gatekeeper_config=""}')],
    ['rc-undocumented-var', file, edit(base, '# gatekeeper_user (str):\t"gatekeeper" by default.\n', '')],
    ['rc-unused-var', file, edit(base, 'start_precmd=', 'logdir=/var/log/gatekeeper\nstart_precmd=')],
    ['rc-flags-default', file, edit(edit(base, ': ${gatekeeper_user', ': ${gatekeeper_flags="-d"}\n: ${gatekeeper_user'), '# gatekeeper_user (str)', '# gatekeeper_flags (str):\t"-d" by default.\n# gatekeeper_user (str)')],
    ['rc-flags-in-command-args', file, edit(base, 'command_args="-c ${gatekeeper_config}', 'command_args="${gatekeeper_flags} -c ${gatekeeper_config}')],
    ['rc-unconditional-code', file, edit(base, 'start_precmd=', 'mkdir -p /var/db/gatekeeper\nstart_precmd=')],
    ['rc-checkyesno', file, edit(base, '\tinstall -d', '\tif [ "${gatekeeper_debug}" = "YES" ]; then\n\t\tcommand_args="${command_args} -v"\n\tfi\n\tinstall -d')],
    ['rc-unbounded-loop', file, edit(base, '\tinstall -d', '\twhile ! ping -c 1 -t 1 ldap.example.org >/dev/null; do\n\t\tsleep 1\n\tdone\n\tinstall -d')],
    ['rc-touch-chown', file, edit(base, '\tinstall -d -o ${gatekeeper_user} -m 0755 /var/run/gatekeeper', '\tmkdir -p /var/run/gatekeeper\n\tchown ${gatekeeper_user} /var/run/gatekeeper')],
    ['rc-rcvar', file, edit(base, 'rcvar=gatekeeper_enable', 'rcvar=gatekeeper_on')],
    ['rc-enable-default', file, edit(base, ': ${gatekeeper_enable:="NO"}', ': ${gatekeeper_enable="NO"}')],
    ['rc-default-colon', file, edit(base, ': ${gatekeeper_user="gatekeeper"}', ': ${gatekeeper_user:="gatekeeper"}')],
    ['rc-run-rc-command', file, edit(base, 'run_rc_command "$1"\n', '')],
  ];

  test('every rc.d rule has a case here', () => {
    expect(cases.map(([rule]) => rule).sort()).toEqual(LINT_RULES.filter((r) => r.kind === 'rcd').map((r) => r.id).sort());
  });

  test.each(cases)('%s', (rule, path, text) => {
    expect(rules(path, text)).toEqual([rule]);
  });

  test('command_interpreter with daemon(8) as command is reported by rc-interpreter too', () => {
    const text = read('metrics_exporter.in').replace('procname="%%PREFIX%%/bin/metrics_exporter"\n', 'command_interpreter=%%LOCALBASE%%/bin/node\n');
    const findings = lintScript('files/metrics_exporter.in', text, 'rcd').filter((f) => f.rule === 'rc-interpreter');
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('never find it')]);
  });

  test('REQUIRE without LOGIN is an error for a non-root service, a warning for a root one', () => {
    const noLogin = edit(base, '# REQUIRE: LOGIN NETWORKING', '# REQUIRE: NETWORKING');
    expect(lintScript(file, noLogin, 'rcd').map((f) => f.severity)).toEqual(['error']);
    const root = edit(edit(edit(noLogin, ': ${gatekeeper_user="gatekeeper"}\n', ''), '# gatekeeper_user (str):\t"gatekeeper" by default.\n', ''), '-o ${gatekeeper_user} ', '');
    expect(lintScript(file, root, 'rcd').map((f) => `${f.rule} ${f.severity}`)).toEqual(['rc-require-login warning']);
  });

  test('older default idioms are read as defaults, with := semantics where they replace an empty value', () => {
    const text = edit(
      edit(base, ': ${gatekeeper_config="%%PREFIX%%/etc/gatekeeper.conf"}', '[ -z "$gatekeeper_config" ] && gatekeeper_config="%%PREFIX%%/etc/gatekeeper.conf"'),
      ': ${gatekeeper_user="gatekeeper"}',
      'gatekeeper_user=${gatekeeper_user-"gatekeeper"}',
    );
    expect(lintScript(file, text, 'rcd').map((f) => `${f.line} ${f.rule}`)).toEqual(['22 rc-default-colon']);
  });

  test('an installed script (no .in, no %%TOKENS%%) may name /usr/local', () => {
    const installed = base.replaceAll('%%PREFIX%%', '/usr/local');
    expect(lintScript('/usr/local/etc/rc.d/gatekeeper', installed, 'rcd')).toEqual([]);
  });
});

describe('OpenRC rules (platforms.md B.7): each broken script triggers exactly its rule', () => {
  const base = read('gatekeeper.openrc');
  const file = 'init.d/gatekeeper';

  test('the hand-written base script is clean', () => {
    expect(detectKind(file, base)).toBe('openrc');
    expect(lintScript(file, base, 'openrc')).toEqual([]);
  });

  const cases: Array<[rule: string, text: string]> = [
    ['openrc-shebang', edit(base, '#!/sbin/openrc-run', '#!/sbin/runscript')],
    ['openrc-opts', edit(base, 'extra_commands="checkconfig"', 'opts="checkconfig"\nextra_commands="checkconfig"')],
    ['openrc-custom-start', `${base}\nstart() {\n\tstart-stop-daemon --start --exec "${'${command}'}"\n}\n`],
    ['openrc-background', edit(base, 'pidfile="/run/${RC_SVCNAME}.pid"\n', '')],
    [
      'openrc-pidfile-owner',
      `${edit(base, 'pidfile="/run/${RC_SVCNAME}.pid"', 'pidfile="/run/gatekeeper/gatekeeper.pid"')}\nstart_pre() {\n\tcheckpath -d --owner gatekeeper:gatekeeper /run/gatekeeper\n}\n`,
    ],
    ['openrc-extra-command', edit(base, 'extra_commands="checkconfig"', 'extra_commands="checkconfig nodaemon"')],
    ['openrc-svcname', edit(base, 'pidfile="/run/${RC_SVCNAME}.pid"', 'pidfile="/run/${SVCNAME}.pid"')],
  ];

  test('every OpenRC rule has a case here', () => {
    expect(cases.map(([rule]) => rule).sort()).toEqual(LINT_RULES.filter((r) => r.kind === 'openrc').map((r) => r.id).sort());
  });

  test.each(cases)('%s', (rule, text) => {
    expect(rules(file, text)).toEqual([rule]);
  });

  test('checkpath --owner in /run: only the pidfile\'s directory must stay root-owned', () => {
    const pidIn = edit(base, 'pidfile="/run/${RC_SVCNAME}.pid"', 'pidfile="/run/gatekeeper/gatekeeper.pid"');
    expect(rules(file, `${pidIn}\nstart_pre() {\n\tcheckpath -d -o root /run/gatekeeper\n}\n`)).toEqual([]);
    expect(rules(file, `${pidIn}\nstart_pre() {\n\tcheckpath -d -o "\${command_user}" /run/gatekeeper\n}\n`)).toEqual(['openrc-pidfile-owner']);
    // The pidfile in /run itself (openrc-run's default): a runtime directory the service owns is no risk to it.
    expect(rules(file, `${base}\nstart_pre() {\n\tcheckpath -d -o gatekeeper /run/gatekeeper\n}\n`)).toEqual([]);
  });

  test('restart and zap are reserved names', () => {
    const text = edit(base, 'extra_commands="checkconfig"', 'extra_commands="checkconfig zap"');
    expect(lintScript(file, text, 'openrc').map((f) => f.message)).toEqual(['extra_commands lists "zap", which openrc-run reserves']);
  });
});

describe('real-world-style scripts read as a FreeBSD reviewer would', () => {
  const findings = (name: string) => lintScript(`files/${name}`, read(name), 'rcd').map((f) => `${f.line} ${f.rule} ${f.severity}`);

  test('an nginx-style script (configtest, reload, upgrade with a bounded wait) is clean', () => {
    expect(findings('webserver.in')).toEqual([]);
  });

  test('a redis-style script: only the _enable default lacks its ":="', () => {
    expect(findings('keystore.in')).toEqual(['27 rc-enable-default error']);
  });

  test('a node_exporter-style script (daemon -p, install -o in start_precmd): ":=" defaults and an empty one', () => {
    expect(findings('metrics_exporter.in')).toEqual([
      '26 rc-default-colon error',
      '27 rc-default-colon error',
      '28 rc-default-colon error',
      '28 rc-empty-default error',
      '29 rc-default-colon error',
    ]);
  });

  test('a script copied from an old one fails most of the checklist', () => {
    expect(findings('legacy.in')).toEqual([
      '3 rc-freebsd-tag error',
      '6 rc-require-login error',
      '7 rc-keyword-freebsd error',
      '16 rc-default-before-load error',
      '16 rc-enable-default error',
      '17 rc-default-before-load error',
      '17 rc-flags-default warning',
      '17 rc-undocumented-var error',
      '18 rc-default-before-load error',
      '20 rc-usr-local error',
      '29 rc-touch-chown warning',
      '31 rc-checkyesno error',
      '33 rc-unbounded-loop error',
    ]);
  });
});

describe('output', () => {
  test('file:line: rule: message (ref); fix: ...', () => {
    const [f] = lintScript('files/gatekeeper.in', read('gatekeeper.in').replace('# KEYWORD: shutdown', '# KEYWORD: FreeBSD shutdown'), 'rcd');
    expect(formatFinding(f!)).toBe(
      'files/gatekeeper.in:5: rc-keyword-freebsd: "KEYWORD: FreeBSD" has not been needed or wanted for years (checklist item 5); fix: remove FreeBSD from the KEYWORD line',
    );
  });

  test('warnings say so', () => {
    const text = read('gatekeeper.in').replace('\tinstall -d -o ${gatekeeper_user} -m 0755 /var/run/gatekeeper', '\ttouch /var/run/gatekeeper.lock');
    expect(lintScript('files/gatekeeper.in', text, 'rcd').map(formatFinding)).toEqual([
      expect.stringMatching(/^files\/gatekeeper\.in:\d+: rc-touch-chown: warning: uses touch to set up a file \(checklist item 16\); fix: install /),
    ]);
  });

  test('the lint page of the manual documents every rule', () => {
    const readme = readFileSync(new URL('../docs/commands/lint.md', import.meta.url), 'utf8');
    for (const rule of LINT_RULES) expect(readme, rule.id).toMatch(new RegExp(`^\\| \`${rule.id}\` \\|`, 'm'));
  });
});

describe('generated scripts with awkward values lint clean', () => {
  test('values that span lines, and /usr/local inside another word, are not code or a PREFIX problem', async () => {
    const { generate } = await import('../src/index.js');
    const spec = {
      name: 'ml',
      command: '/usr/bin/ml',
      args: ['line\nbreak', 'x/usr/localy', '--root=/opt/usr/local/x'],
      environment: { A: 'two\nlines' },
      configCheck: ['/usr/bin/ml', '--check', 'a\nb'],
    };
    for (const file of generate(spec, { targets: ['rcd', 'openrc'] }).files.filter((f) => f.content && detectKind(f.path, f.content))) {
      expect(lintScript(file.path, file.content!, detectKind(file.path, file.content!)!).map(formatFinding), file.path).toEqual([]);
    }
  });

  test('a real /usr/local path is still found, after "=" or a quote too', () => {
    const script = (line: string) => readFileSync(new URL('./__snapshots__/minimal/rcd/files/minimal.in', import.meta.url), 'utf8').replace('run_rc_command "$1"', `${line}\nrun_rc_command "$1"`);
    for (const line of ['minimal_config=/usr/local/etc/x.conf', 'minimal_config="/usr/local"', "command_args='--conf=/usr/local/etc/x'"]) {
      expect(rules('files/minimal.in', script(line)), line).toContain('rc-usr-local');
    }
  });
});
