import { DATA_MODE, SCRIPT_MODE } from '../files.js';
import type { Renderer } from '../render.js';
import type { Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';
import { PATH_FIELDS, plainPathProblems, wrap, type CommandHelp } from './shared.js';
import type { Target } from './target.js';

/** rc.conf variable with its default; `words` defaults are argv lists rc.subr evaluates. */
export interface RcConfVar {
  name: string;
  type: 'bool' | 'str' | 'path' | 'int';
  doc: string;
  value?: string;
  words?: string[];
}

const DAEMON = '/usr/sbin/daemon';
const SUB_LIST_TOKEN = /%%[A-Za-z0-9_]+%%/;
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]*$/;

/** rcorder(8) names for the abstract dependencies (rc.d scripts of the base system). */
const DEPENDENCY: Record<string, string> = { network: 'NETWORKING', syslog: 'syslogd', time: 'ntpd', localfs: 'FILESYSTEMS' };

/** FreeBSD's rc name: `name` with "-" turned into "_" (rc.subr uses it as a variable prefix). */
export function rcName(svc: Service): string {
  return svc.name.replaceAll('-', '_');
}

/** Porter's Handbook: every /usr/local in a files/*.in script is written %%PREFIX%%. */
export function portPath(value: string): string {
  return value.replace(/(?<![\w./-])\/usr\/local(?=\/|$|[\s:,;'"])/g, '%%PREFIX%%');
}

function daemonArgs(svc: Service, rc: string, pidfile: string, childPidfile: string): string[] {
  const args = ['-f', '-P', pidfile, '-p', childPidfile];
  if (svc.restart !== 'no') args.push('-r');
  args.push('-t', rc);
  if (svc.user) args.push('-u', svc.user);
  const out = svc.stdoutLog ?? svc.stderrLog;
  if (out) {
    const which = svc.stdoutLog && svc.stderrLog ? '3' : svc.stdoutLog ? '1' : '2';
    args.push('-o', portPath(out), '-m', which);
  }
  return [...args, portPath(svc.command), ...svc.args.map(portPath)];
}

function commands(rc: string, svc: Service): CommandHelp[] {
  const service = `service ${rc}`;
  return [
    { name: 'start, stop, restart, status', how: `${service} start (rc.subr built-ins; one... to run without ${rc}_enable)` },
    ...(svc.reloadSignal ? [{ name: 'reload', how: `${service} reload: configtest, then SIG${svc.reloadSignal}` }] : []),
    ...(svc.configCheck ? [{ name: 'configtest', how: `${service} configtest` }] : []),
    { name: 'kill', how: `${service} kill: SIGKILL the program (and daemon(8)), remove the pidfile` },
    { name: 'zap', how: `${service} zap: remove a stale pidfile when nothing runs` },
    { name: 'foreground', how: `${service} foreground: run in this terminal as the service would` },
  ];
}

function model(svc: Service) {
  const rc = rcName(svc);
  const supervised = !svc.daemonizes;
  const pidfile = supervised ? `/var/run/${rc}.pid` : portPath(svc.pidfile!);
  const childPidfile = `/var/run/${rc}.child.pid`;
  const nested = svc.nice !== undefined;
  const vars: RcConfVar[] = [
    { name: `${rc}_enable`, type: 'bool', doc: `Set it to "YES" to enable ${rc}. Default: "NO".` },
  ];
  const add = (name: string, type: RcConfVar['type'], value: string | string[] | undefined, doc: string) => {
    if (value === undefined || value.length === 0) return;
    vars.push(Array.isArray(value) ? { name: `${rc}_${name}`, type, words: value, doc } : { name: `${rc}_${name}`, type, value, doc });
  };
  if (!supervised) add('user', 'str', svc.user, 'Account the program runs as (rc.subr switches with su -m).');
  add('chdir', 'path', svc.workingDirectory && portPath(svc.workingDirectory), 'Directory the program starts in.');
  add('env', 'str', svc.environment.map(([n, v]) => `${n}=${portPath(v)}`), 'Environment of the program: NAME=value words, as env(1) takes them.');
  add('env_file', 'path', svc.environmentFile && portPath(svc.environmentFile), 'File of NAME=value lines sourced (with set -a) before start.');
  add('umask', 'str', svc.umask, 'File mode creation mask of the program.');
  add(
    'limits',
    'str',
    svc.limits.flatMap(([limit, value]) => [`-${{ nofile: 'n', nproc: 'u', core: 'c' }[limit]}`, value === 'unlimited' ? 'infinity' : String(value)]),
    'Resource limits in limits(1) syntax (-n open files, -u processes, -c core size).',
  );
  add('nice', 'int', svc.nice === undefined ? undefined : String(svc.nice), 'Scheduling priority, -20 (first) to 19 (last).');
  const documented = vars.map((v) => ({ ...v, docLines: wrap(v.doc, 60) }));

  const extra = [
    ...(svc.reloadSignal ? ['reload'] : []),
    ...(svc.configCheck ? ['configtest'] : []),
    'kill',
    'zap',
    'foreground',
  ];
  const needsPidDir = svc.daemonizes && svc.user !== undefined && !/^\/var\/run\/[^/]+$/.test(svc.pidfile!);
  const require = ['LOGIN', ...new Set([...svc.requires, ...svc.after].map((d) => DEPENDENCY[d] ?? d.replaceAll('-', '_')))];
  return {
    rc,
    supervised,
    nested,
    vars: documented,
    require: [...new Set(require)],
    command: supervised ? DAEMON : portPath(svc.command),
    commandArgs: supervised ? daemonArgs(svc, rc, pidfile, childPidfile) : svc.args.map(portPath),
    pidfile,
    childPidfile,
    pidfiles: supervised ? [pidfile, childPidfile] : [pidfile],
    extraCommands: extra.join(' '),
    configCheck: svc.configCheck?.map(portPath),
    pidDir: needsPidDir ? svc.pidfile!.replace(/\/[^/]+$/, '') : undefined,
    foreground: [
      '/usr/sbin/chroot',
      ...(svc.user ? ['-u', svc.user] : []),
      ...(svc.group ? ['-g', svc.group] : []),
      '/',
      portPath(svc.command),
      ...svc.args.map(portPath),
    ],
    commands: commands(rc, svc),
  };
}

export const rcd: Target = {
  id: 'rcd',
  title: 'FreeBSD rc.d (ports)',

  problems(svc: Service): Problem[] {
    const problems = plainPathProblems(
      svc,
      PATH_FIELDS,
      'rc.subr passes it through eval (run_rc_command) or word splitting',
    );
    const values: Array<[string, string]> = [
      ['description', svc.description],
      ['command', svc.command],
      ...svc.args.map((a, i): [string, string] => [`args[${i}]`, a]),
      ...svc.environment.map(([n, v]): [string, string] => [`environment.${n}`, v]),
      ...(svc.configCheck ?? []).map((a, i): [string, string] => [`configCheck[${i}]`, a]),
    ];
    for (const [path, value] of values) {
      if (SUB_LIST_TOKEN.test(value)) {
        problems.push({
          path,
          message: `${JSON.stringify(value)} cannot be carried: the ports framework replaces %%WORD%% in files/*.in (SUB_LIST); expected no %%WORD%% sequence`,
        });
      }
    }
    if (svc.daemonizes && svc.user) {
      // rc.subr: _doit="su -m $_user -c 'sh -c \"$_doit\"'" is read by root's login shell (csh or sh), then by sh.
      for (const [path, value] of values.filter(([p]) => p.startsWith('args[') || p.startsWith('environment.'))) {
        if (!PLAIN_WORD.test(value)) {
          problems.push({
            path,
            message: `${JSON.stringify(value)} cannot be carried: for a self-daemonizing program run as "${svc.user}", rc.subr runs su -m ${svc.user} -c 'sh -c "..."', read by root's login shell and then sh; expected letters, digits and _ @ % + = : , . / - only, or daemonizes: false so that daemon(8) switches the user`,
          });
        }
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const m = model(svc);
    const warnings: string[] = [];
    if (svc.group) {
      warnings.push(`rcd: group "${svc.group}" is not applied by "start": rc.subr honours ${m.rc}_group only with ${m.rc}_chroot (rc.subr(8)), so the program runs with the primary group of ${svc.user ?? 'root'}; "foreground" does use it`);
    }
    if (m.supervised && svc.restart === 'on-failure') {
      warnings.push('rcd: restart "on-failure" restarts after any exit, a clean one too: daemon(8) -r does not tell them apart');
    }
    if (m.supervised && svc.stopSignal !== 'TERM') {
      warnings.push(`rcd: stopSignal ${svc.stopSignal} is not used: daemon(8) forwards SIGTERM to the program, which is what "stop" sends`);
    }
    if (svc.stopTimeout !== 30) {
      warnings.push(`rcd: stopTimeout ${svc.stopTimeout} is not used: rc.subr waits for the program to exit without a time limit`);
    }
    if (svc.stdoutLog && svc.stderrLog && svc.stdoutLog !== svc.stderrLog) {
      warnings.push(`rcd: daemon(8) writes both streams to one file: standard error goes to ${svc.stdoutLog}, not ${svc.stderrLog}`);
    }
    if (!m.supervised && (svc.stdoutLog || svc.stderrLog)) {
      warnings.push('rcd: stdoutLog/stderrLog are not used: a self-daemonizing program writes its own output');
    }
    const files = [
      { path: `rcd/files/${m.rc}.in`, mode: SCRIPT_MODE, content: renderer.render('rcd/rc.d.ejs', { svc, m }) },
      { path: 'rcd/pkg-plist', mode: DATA_MODE, content: renderer.render('rcd/pkg-plist.ejs', { svc, m }) },
      { path: 'rcd/Makefile.snippet', mode: DATA_MODE, content: renderer.render('rcd/Makefile.snippet.ejs', { svc, m }) },
    ];
    return { files, warnings };
  },
};
