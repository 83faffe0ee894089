import { rcSubrLine, shWords, type RcSubrPart } from '../escape.js';
import { DATA_MODE, SCRIPT_MODE } from '../files.js';
import type { Renderer } from '../render.js';
import { quoteForMessage, type Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';
import { LIMIT_FLAG, PATH_FIELDS, plainPathProblems, wrap, type CommandHelp } from './shared.js';
import type { Target } from './target.js';
import { LAYOUT } from '../layout.js';

/** rc.conf variable with its default; `words` defaults are argv lists rc.subr evaluates. */
export interface RcConfVar {
  name: string;
  type: 'bool' | 'str' | 'path' | 'int';
  doc: string;
  value?: string;
  words?: string[];
  /** Documented in the header only: the script sets no default. */
  docOnly?: boolean;
}

const DAEMON = '/usr/sbin/daemon';
/** FreeBSD's PATH_MAX (1024, with the NUL). */
const FREEBSD_PATH_MAX = 1023;
const CHROOT = '/usr/sbin/chroot';
const SH = '/bin/sh';
/** Run by /bin/sh after chroot(8), which changes to the new root: back to rc.subr's directory, then the program. */
const CD_THEN_EXEC = 'cd "$1" && shift && exec "$@"';
/**
 * SUB_LIST tokens naming a script's account, which Makefile.snippet sets:
 * one pair per script, so that one port (one output tree) can ship several
 * rc.d scripts running as different users.
 */
export function accountTokens(rc: string): { userKey: string; groupKey: string; user: string; group: string } {
  const userKey = `${rc.toUpperCase()}_USER`;
  const groupKey = `${rc.toUpperCase()}_GROUP`;
  return { userKey, groupKey, user: `%%${userKey}%%`, group: `%%${groupKey}%%` };
}
/** A token the ports framework's apply-slist replaces in files/*.in when SUB_LIST sets its key. */
export const SUB_LIST_TOKEN = /%%[A-Za-z0-9_]+%%/;
/** A line that apply-slist deletes: it runs sed -e '/^@comment /d' over files/*.in too. */
const COMMENT_LINE = /(^|\n)@comment /;

/**
 * Why a value cannot pass through the ports framework's apply-slist step
 * (bsd.port.mk), which turns files/NAME.in into the installed script with
 * `sed -e 's!%%KEY%%!value!g' ... -e '/^@comment /d'`: a %%KEY%% in a value
 * would be replaced, and a line break followed by "@comment " would delete
 * the rest of the value's line, quotes included.
 */
export function applySlistProblem(value: string): string | undefined {
  if (SUB_LIST_TOKEN.test(value)) return 'the ports framework replaces %%WORD%% in files/*.in (SUB_LIST); expected no %%WORD%% sequence';
  // /usr/local is written %%PREFIX%%: a "%" beside it could pair with the token's own.
  const installed = portPath(value).replace(/%%([A-Za-z0-9_]+)%%/g, (token, key: string) => (key === 'PREFIX' || key === 'LOCALBASE' ? '/usr/local' : token));
  if (installed !== value) {
    return 'with /usr/local written as %%PREFIX%% (Porter\'s Handbook), the ports framework would read the "%" beside it as part of a %%WORD%% token; expected no "%" next to /usr/local';
  }
  if (COMMENT_LINE.test(value)) {
    return 'the ports framework deletes every line of files/*.in that starts with "@comment " (apply-slist), which would cut the value and its quotes; expected no line of the value to start with "@comment "';
  }
  return undefined;
}
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]*$/;
/** Characters read differently by one eval and by the `sh -c "..."` layer ${name}_nice adds when an admin sets it. */
const NESTING_SENSITIVE = /[\\"$`]/;

/** rcorder(8) names for the abstract dependencies (rc.d scripts of the base system). */
const DEPENDENCY: Record<string, string> = { network: 'NETWORKING', syslog: 'syslogd', time: 'ntpd', localfs: 'FILESYSTEMS' };

/**
 * What apply-slist (bsd.port.mk) does to files/NAME.in: sed with
 * -e 's!%%KEY%%!value!g' for each SUB_LIST entry, then -e '/^@comment /d'
 * (sed runs them in that order on each line). Tokens SUB_LIST does not set
 * stay as they are.
 */
export function applySlist(text: string, subList: Readonly<Record<string, string>>): string {
  return text
    .replace(new RegExp(SUB_LIST_TOKEN.source, 'g'), (token) => {
      const key = token.slice(2, -2);
      return Object.hasOwn(subList, key) ? subList[key]! : token;
    })
    .split('\n')
    .filter((line) => !line.startsWith('@comment '))
    .join('\n');
}

/**
 * The SUB_LIST values a Makefile.snippet sets (`SUB_LIST+= KEY=value ...`,
 * written by subListWords in escape.ts), for putting a script in place
 * outside the ports tree (install, tests).
 */
export function subListValues(makefile: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [, list] of makefile.matchAll(/^SUB_LIST\+=\s*(.*)$/gm)) {
    for (const pair of list!.split(/\s+/).filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) values[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return values;
}

/** FreeBSD's rc name: `name` with "-" turned into "_" (rc.subr uses it as a variable prefix). */
export function rcName(svc: Service): string {
  return svc.name.replaceAll('-', '_');
}

/**
 * Porter's Handbook (checklist item 7): every /usr/local in a files/*.in
 * script is written %%PREFIX%% (what this port installs) or %%LOCALBASE%%
 * (what other ports installed, such as an interpreter).
 */
export function portPath(value: string, token: '%%PREFIX%%' | '%%LOCALBASE%%' = '%%PREFIX%%'): string {
  return value.replace(new RegExp(USR_LOCAL.source, 'g'), token);
}

/** /usr/local as a path of its own (not inside /usr/localx or /opt/usr/local): what portPath replaces and lint's rc-usr-local finds. */
export const USR_LOCAL = /(?<![\w./-])\/usr\/local(?![\w.-])/;

/** The default as the script writes it after load_rc_config: the words quoted for rc.subr's eval, or the value. */
function shellValue(v: RcConfVar): string | undefined {
  return v.words ? shWords(v.words) : v.value;
}

/** The "Default:" line of a variable's comment; a comment is one line, so a value with line breaks is only pointed to. */
function defaultDoc(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [/[\r\n]/.test(text) ? 'Default: as set below (the value has line breaks)' : `Default: ${text}`];
}

function logMask(svc: Service): string {
  return svc.stdoutLog && svc.stderrLog ? '3' : svc.stdoutLog ? '1' : '2';
}

function commands(rc: string, svc: Service, supervised: boolean): CommandHelp[] {
  const service = `service ${rc}`;
  const check = svc.configCheck ? 'configtest, then ' : '';
  return [
    { name: 'start, stop, restart, status', how: `${service} start (rc.subr built-ins; one... to run without ${rc}_enable)` },
    ...(svc.reloadSignal ? [{ name: 'reload', how: `${service} reload: ${check}SIG${svc.reloadSignal} to the program` }] : []),
    ...(svc.configCheck ? [{ name: 'configtest', how: `${service} configtest` }] : []),
    {
      name: 'kill',
      how: supervised
        ? `${service} kill: SIGKILL daemon(8) and the program, remove the pidfiles`
        : `${service} kill: SIGKILL the program, remove the pidfile`,
    },
    { name: 'zap', how: `${service} zap: remove a stale pidfile when nothing runs` },
    {
      name: 'foreground',
      how: supervised
        ? `${service} foreground: run the program in this terminal as daemon(8) would`
        : `${service} foreground: run the command in this terminal as start would (it still forks)`,
    },
  ];
}

function model(svc: Service) {
  const rc = rcName(svc);
  const supervised = !svc.daemonizes;
  const tokens = accountTokens(rc);
  const user = svc.user === undefined ? undefined : tokens.user;
  const pidfile = supervised ? `/var/run/${rc}.pid` : portPath(svc.pidfile!);
  const childPidfile = `/var/run/${rc}.child.pid`;
  const program = portPath(svc.command);
  const args = svc.args.map((a) => portPath(a));
  const log = svc.stdoutLog ?? svc.stderrLog;

  const vars: RcConfVar[] = [{ name: `${rc}_enable`, type: 'bool', doc: `Set it to "YES" to enable ${rc}. Default: "NO".` }];
  const add = (name: string, type: RcConfVar['type'], value: string | string[] | undefined, doc: string) => {
    if (value === undefined || value.length === 0) return;
    vars.push(Array.isArray(value) ? { name: `${rc}_${name}`, type, words: value, doc } : { name: `${rc}_${name}`, type, value, doc });
  };
  if (!supervised) add('user', 'str', user, 'Account the program runs as (rc.subr switches with su -m).');
  add('chdir', 'path', svc.workingDirectory && portPath(svc.workingDirectory), 'Directory the program starts in.');
  const env = svc.environment.map(([n, v]) => `${n}=${portPath(v)}`);
  add('env', 'str', env, 'Environment of the program: NAME=value words, as env(1) takes them.');
  add('env_file', 'path', svc.environmentFile && portPath(svc.environmentFile), 'File of NAME=value lines sourced (with set -a) before start.');
  add('umask', 'str', svc.umask, 'File mode creation mask of the program.');
  const limits = svc.limits.flatMap(([limit, value]) => [`-${LIMIT_FLAG[limit]}`, value === 'unlimited' ? 'infinity' : String(value)]);
  add('limits', 'str', limits, 'Resource limits in limits(1) syntax (-n open files, -u processes, -c core size).');
  add(
    'prepend',
    'str',
    svc.nice === undefined ? undefined : `nice -n ${svc.nice}`,
    `Put before the start command: here the scheduling priority, -20 (first) to 19 (last). Not ${rc}_nice, whose sh -c layer would read the arguments a second time.`,
  );
  if (supervised) {
    vars.push({
      name: `${rc}_flags`,
      type: 'str',
      docOnly: true,
      doc: 'Not set by default. rc.subr puts it before command_args, so here it holds options for daemon(8); the arguments of the program are fixed in command_args.',
    });
  }
  const documented = vars.map((v) => {
    const shell = shellValue(v);
    // Every property spelt out (not {...v}): one object shape for all variables.
    return {
      name: v.name,
      type: v.type,
      doc: v.doc,
      value: v.value,
      words: v.words,
      /** The default after load_rc_config, quoted for rc.subr (words) or as is; undefined for bool and docOnly. */
      shellValue: shell,
      docOnly: v.docOnly ?? false,
      label: `${v.name} (${v.type}):`,
      /** The documentation, wrapped, then its "Default:" line. */
      docLines: [...wrap(v.doc, 60), ...defaultDoc(shell)],
    };
  });

  // chroot(8) to / switches user and group without setusercontext(3): daemon(8) -u would reset
  // umask, nice and limits to the login class. chroot changes to "/", so sh returns to ${rc}_chdir.
  const switchUser: RcSubrPart[] = user
    ? [CHROOT, '-u', user, '-g', tokens.group, '-G', tokens.group, '/', SH, '-c', CD_THEN_EXEC, 'sh', { param: `${rc}_chdir`, fallback: '/' }]
    : [];
  const child: RcSubrPart[] = [...switchUser, program, ...args];
  const daemonOptions = ['-f', '-P', pidfile, '-p', childPidfile, ...(svc.restart === 'no' ? [] : ['-r']), '-t', rc];
  if (log) daemonOptions.push('-o', portPath(log), '-m', logMask(svc), '-H');
  const commandArgs = supervised ? rcSubrLine([...daemonOptions, ...child]) : rcSubrLine(args);

  const extra = [...(svc.reloadSignal ? ['reload'] : []), ...(svc.configCheck ? ['configtest'] : []), 'kill', 'zap', 'foreground'];
  // A program that writes its own pidfile as a non-root user needs it (or its directory) to be theirs: install(1), checklist item 16.
  const ownPidfile = !supervised && svc.user !== undefined;
  const pidDir = ownPidfile && !/^\/var\/run\/[^/]+$/.test(svc.pidfile!) ? pidfile.replace(/\/[^/]+$/, '') : undefined;
  const pidFileToCreate = ownPidfile && pidDir === undefined ? pidfile : undefined;
  const logDir = supervised && log && !/^\/var\/log\/[^/]+$/.test(log) ? portPath(log).replace(/\/[^/]+$/, '') : undefined;
  // Quoted for one evaluation: a guard refuses to start if an admin sets ${rc}_nice and these would change.
  const startWords = supervised ? child : args;
  const quotingGuard = [...startWords, ...env].some((w) => typeof w !== 'string' || NESTING_SENSITIVE.test(w));
  const require = ['LOGIN', ...[...svc.requires, ...svc.after].map((d) => (Object.hasOwn(DEPENDENCY, d) ? DEPENDENCY[d]! : d.replaceAll('-', '_')))];
  return {
    rc,
    supervised,
    vars: documented,
    /** The variables the script gives a default after load_rc_config. */
    defaulted: documented.filter((v) => !v.docOnly),
    require: [...new Set(require)],
    command: supervised ? DAEMON : program,
    commandArgs,
    foregroundProgram: supervised ? rcSubrLine(child) : undefined,
    interpreter: svc.interpreter && portPath(svc.interpreter, '%%LOCALBASE%%'),
    pidfile,
    childPidfile,
    pidfiles: supervised ? [pidfile, childPidfile] : [pidfile],
    log: log && portPath(log),
    extraCommands: extra.join(' '),
    configCheck: svc.configCheck?.map((a) => portPath(a)),
    pidDir,
    pidFileToCreate,
    logDir,
    quotingGuard,
    prestart: pidDir !== undefined || pidFileToCreate !== undefined || logDir !== undefined || svc.configCheck !== undefined || quotingGuard,
    user,
    group: svc.user === undefined ? undefined : tokens.group,
    commands: commands(rc, svc, supervised),
  };
}

export type RcdModel = ReturnType<typeof model>;

export const rcd: Target = {
  id: 'rcd',
  title: 'FreeBSD rc.d (ports)',

  problems(svc: Service): Problem[] {
    const problems = plainPathProblems(svc, PATH_FIELDS, 'rc.subr passes it through eval (run_rc_command) or word splitting');
    problems.push(...plainPathProblems(svc, ['interpreter'], 'rc.subr evaluates command_interpreter in its pid check'));
    const values: Array<[string, string]> = [
      ['description', svc.description],
      ...[...PATH_FIELDS, 'interpreter' as const].flatMap((field): Array<[string, string]> => (svc[field] === undefined ? [] : [[field, svc[field]]])),
      ...svc.args.map((a, i): [string, string] => [`args[${i}]`, a]),
      ...svc.environment.map(([n, v]): [string, string] => [`environment.${n}`, v]),
      ...(svc.configCheck ?? []).map((a, i): [string, string] => [`configCheck[${i}]`, a]),
    ];
    for (const field of [...PATH_FIELDS, 'interpreter'] as const) {
      const value = svc[field];
      if (value !== undefined && Buffer.byteLength(value) > FREEBSD_PATH_MAX) {
        problems.push({ path: field, message: `${quoteForMessage(value)} is too long for FreeBSD (${Buffer.byteLength(value)} bytes); expected a path of at most ${FREEBSD_PATH_MAX} bytes (PATH_MAX in sys/syslimits.h is 1024)` });
      }
    }
    for (const [path, value] of values) {
      const why = applySlistProblem(value);
      if (why) problems.push({ path, message: `${quoteForMessage(value)} cannot be carried: ${why}` });
    }
    for (const [name] of svc.environment) {
      if (name.startsWith('LD_')) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for rc.d: rc.subr puts ${rcName(svc)}_env in front of the whole start command (env ${name}=... daemon ...) and exports it for configtest, so the run-time linker (rtld(1)) would apply ${name} to programs that run as root, not only to the program; expected no LD_ variable (a wrapper script that sets it and execs the program can carry it)`,
        });
      }
    }
    if (svc.daemonizes && svc.user) {
      // rc.subr: _doit="su -m $_user -c 'sh -c \"$_doit\"'" is read by root's login shell (csh or sh), then by sh.
      // An empty argument is '' in the words, and su's single-quoted -c string would swallow those quotes.
      for (const [path, value] of values.filter(([p]) => p.startsWith('args[') || p.startsWith('environment.'))) {
        if (!PLAIN_WORD.test(value) || (value === '' && path.startsWith('args['))) {
          problems.push({
            path,
            message: `${quoteForMessage(value)} cannot be carried: for a self-daemonizing program run as "${svc.user}", rc.subr runs su -m ${svc.user} -c 'sh -c "..."', read by root's login shell and then sh; expected letters, digits and _ @ % + = : , . / - only (an argument not empty), or daemonizes: false so that daemon(8) runs it`,
          });
        }
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const m = model(svc);
    const warnings: string[] = [];
    if (svc.group && !m.supervised) {
      warnings.push(
        `rcd: group "${svc.group}" is not applied by "start": rc.subr honours ${m.rc}_group only with ${m.rc}_chroot (rc.subr(8)), so the program runs with the primary group of ${svc.user ?? 'root'}`,
      );
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
    if (!m.supervised && svc.pidfile!.startsWith('/run/')) {
      warnings.push(`rcd: pidfile ${svc.pidfile} is under /run, which FreeBSD does not have (it uses /var/run): the program must write it where this path exists`);
    }
    const files = [{ path: LAYOUT.rcScript(m.rc), mode: SCRIPT_MODE, content: renderer.render('rcd/rc.d.ejs', { svc, m }) }];
    return { files, warnings };
  },

  /** The port's fragments list every script of the tree: one port may install several (USE_RC_SUBR takes a list). */
  renderShared(services: readonly Service[], renderer: Renderer) {
    const scripts = services
      .map((svc) => {
        const rc = rcName(svc);
        return { rc, name: svc.name, user: svc.user, group: svc.group ?? svc.user, legacy: svc.freebsd.plist === 'legacy', tokens: accountTokens(rc) };
      })
      .sort((a, b) => (a.rc < b.rc ? -1 : a.rc > b.rc ? 1 : 0));
    const m = {
      scripts,
      rcNames: scripts.map((s) => s.rc),
      from: scripts.length === 1 ? `the service description "${scripts[0]!.name}"` : `the service descriptions ${scripts.map((s) => `"${s.name}"`).join(', ')}`,
      users: [...new Set(scripts.flatMap((s) => (s.user ? [s.user] : [])))],
      groups: [...new Set(scripts.flatMap((s) => (s.group ? [s.group] : [])))],
      subList: scripts.flatMap((s) =>
        s.user === undefined
          ? []
          : [
              { key: s.tokens.userKey, value: s.user },
              { key: s.tokens.groupKey, value: s.group! },
            ],
      ),
      legacy: scripts.filter((s) => s.legacy),
    };
    return [
      { path: LAYOUT.rcPortFile('pkg-plist'), mode: DATA_MODE, content: renderer.render('rcd/pkg-plist.ejs', { m }) },
      { path: LAYOUT.rcPortFile('Makefile.snippet'), mode: DATA_MODE, content: renderer.render('rcd/Makefile.snippet.ejs', { m }) },
    ];
  },
};
