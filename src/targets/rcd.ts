import { shWords, type RcSubrPart, type ShPart } from '../escape.js';
import { DATA_MODE, SCRIPT_MODE } from '../files.js';
import type { Renderer } from '../render.js';
import { quoteForMessage, type Problem } from '../spec/check-schema.js';
import { DIRECTORY_KINDS, type Service } from '../spec/types.js';
import { LIMIT_FLAG, PATH_FIELDS, plainPathProblems, wrap } from './shared.js';
import type { Target } from './target.js';
import { LAYOUT } from '../layout.js';
import { INSTANCE_MARK, instancePieces, resolveFamily, resolveSpec, type PlatformLayout } from '../spec/platform.js';
import { FREEBSD_INSTALLED_LAYOUT, FREEBSD_LAYOUT, freebsdArgWarning, freebsdPathWarning } from './freebsd-layout.js';

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
const CHROOT = '/usr/sbin/chroot';
const SH = '/bin/sh';
/** Run by /bin/sh after chroot(8), which changes to the new root: back to rc.subr's directory, then the program. */
const CD_THEN_EXEC = 'cd "$1" && shift && exec "$@"';
/** FreeBSD's PATH_MAX (1024, with the NUL). */
const FREEBSD_PATH_MAX = 1023;
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

/** The tokens the path mapping writes (freebsd-layout.ts), set by bsd.port.mk's SUB_LIST for every port. */
const MAPPING_TOKENS = { PREFIX: '/usr/local', LOCALBASE: '/usr/local' };
/** Every %%WORD%% a sed s!%%KEY%%!! could match, overlapping ones too. */
const ANY_TOKEN = /(?=(%%[A-Za-z0-9_]+%%))/g;

/**
 * Why a value cannot pass through the ports framework's apply-slist step
 * (bsd.port.mk), which turns files/NAME.in into the installed script with
 * `sed -e 's!%%KEY%%!value!g' ... -e '/^@comment /d'`. `value` is as the
 * script holds it (the mapping's %%PREFIX%%/%%LOCALBASE%% tokens in it, a
 * literal /usr/local still to be written %%PREFIX%%); `installed` is what
 * it must become with PREFIX and LOCALBASE /usr/local. Any other %%WORD%%
 * (the value's own, or one formed across a token's edge) could be replaced
 * by a SUB_LIST entry; a line break followed by "@comment " would delete
 * the rest of the value's line, quotes included.
 */
export function applySlistProblem(value: string, installed: string = value): string | undefined {
  const written = portPath(value);
  const foreign = [...written.matchAll(ANY_TOKEN)].some((m) => !Object.hasOwn(MAPPING_TOKENS, m[1]!.slice(2, -2)));
  if (foreign || SUB_LIST_TOKEN.test(installed)) return 'the ports framework replaces %%WORD%% in files/*.in (SUB_LIST); expected no %%WORD%% sequence';
  if (COMMENT_LINE.test(value)) {
    return 'the ports framework deletes every line of files/*.in that starts with "@comment " (apply-slist), which would cut the value and its quotes; expected no line of the value to start with "@comment "';
  }
  if (applySlist(written, MAPPING_TOKENS) !== installed) {
    return 'with /usr/local written as %%PREFIX%% (Porter\'s Handbook), the ports framework would read the "%" beside it as part of a %%WORD%% token; expected no "%" next to /usr/local';
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

/**
 * FreeBSD's rc name: the service's name, or a family's (one script, the
 * members its profiles), with "-" turned into "_" (rc.subr uses it as a
 * variable prefix).
 */
export function rcName(svc: Service): string {
  return (svc.family ?? svc.name).replaceAll('-', '_');
}

/** The profile's name, in a family's script ({instance}, INSTANCE_MARK while it is worked out). */
const MARK = INSTANCE_MARK;
const PROFILE = 'profile';

/** A value with the family's MARK in it as one shell word with "${profile}" there. */
function profileWord(value: string): ShPart[] {
  return instancePieces(value).flatMap((text, i): ShPart[] => (i === 0 ? [{ text }] : [{ variable: PROFILE }, { text }]));
}

/** A start-line word: plain text, or a family's word with "${profile}" in it. */
function part(value: string): RcSubrPart {
  return value.includes(MARK) ? { word: profileWord(value) } : value;
}

/** A value as comment text: the profile's place shown as ${profile}. */
function shown(value: string): string {
  return value.replaceAll(MARK, '${profile}');
}

/** Accounts and groups FreeBSD's base system has (/etc/master.passwd, /etc/group): no port registers them. */
const BASE_ACCOUNTS = new Set(['root', 'toor', 'wheel', 'daemon', 'operator', 'bin', 'tty', 'kmem', 'games', 'news', 'man', 'sshd', 'smmsp', 'mailnull', 'bind', 'unbound', 'proxy', 'uucp', 'pop', 'www', 'ntpd', 'hast', 'tests', 'nobody', 'nogroup', 'staff', 'guest', 'dialer', 'network', 'audit']);

/**
 * Whom an account of the service is for: the base system's, a system account
 * a port registers in ports/UIDs (named for the service or its family, as
 * redis, memcache for memcached, lisp-site; or _name), or, any other, an
 * account that looks personal (a person's login, as the homesite example's),
 * which USERS= would wrongly add to the ports tree's UIDs.
 */
export function accountKind(svc: Service, account: string): 'base' | 'system' | 'personal' {
  if (BASE_ACCOUNTS.has(account)) return 'base';
  const bare = (n: string) => n.replace(/[^A-Za-z0-9]/g, '');
  const a = bare(account);
  const own = [svc.name, svc.family].some((n) => n !== undefined && a !== '' && (bare(n) === a || bare(n).startsWith(a) || a.startsWith(bare(n))));
  return own || account.startsWith('_') ? 'system' : 'personal';
}

/** The accounts and groups the FreeBSD files name: the program's, or the one it switches to. */
function accounts(svc: Service): { users: string[]; groups: string[] } {
  const user = svc.user ?? svc.switchesUser?.user;
  const group = svc.user !== undefined ? (svc.group ?? svc.user) : svc.switchesUser && (svc.switchesUser.group ?? svc.switchesUser.user);
  return { users: user === undefined ? [] : [user], groups: group === undefined ? [] : [group] };
}

/**
 * FreeBSD's web server account: ports run web servers as www (ports/UIDs,
 * 80), where Debian's packages use www-data. Mapped, not kept: no FreeBSD
 * system has www-data, and rc.subr's su -m or install -o would fail on it.
 */
function freebsdAccount(account: string): string {
  return account === 'www-data' ? 'www' : account;
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

/**
 * The service with the description resolved for FreeBSD: every path in the
 * ports layout (freebsd-layout.ts), {state} and friends under /var/db …,
 * the `freebsd` block's command/args/configFile/pidfile where it sets them.
 */
export function onFreeBSD(svc: Service, layout: PlatformLayout = FREEBSD_LAYOUT, asFamily = false): Service {
  // A family's script: {instance} resolved to MARK, put back as "${profile}".
  const r = asFamily && svc.family !== undefined ? resolveFamily(svc.spec, layout, svc.spec.freebsd) : resolveSpec(svc.spec, layout, svc.spec.freebsd);
  return {
    ...svc,
    user: svc.user === undefined ? undefined : freebsdAccount(svc.user),
    group: svc.group === undefined ? undefined : freebsdAccount(svc.group),
    switchesUser: svc.switchesUser && { user: freebsdAccount(svc.switchesUser.user), group: svc.switchesUser.group && freebsdAccount(svc.switchesUser.group) },
    description: r.description,
    command: r.command,
    interpreter: r.interpreter,
    args: r.args,
    workingDirectory: r.workingDirectory,
    environment: r.environment,
    environmentFile: r.environmentFile,
    pidfile: r.pidfile,
    stdoutLog: r.stdoutLog,
    stderrLog: r.stderrLog,
    configCheck: r.configCheck,
    configFile: r.configFile,
    directories: r.directories,
  };
}

/** Each value the script carries, by field path: what apply-slist and rc.subr must give back. */
function carried(svc: Service): Array<[string, string]> {
  return [
    ['description', svc.description],
    ...[...PATH_FIELDS, 'interpreter' as const, 'configFile' as const].flatMap((field): Array<[string, string]> => (svc[field] === undefined ? [] : [[field, svc[field]]])),
    ...svc.args.map((a, i): [string, string] => [`args[${i}]`, a]),
    ...svc.environment.map(([n, v]): [string, string] => [`environment.${n}`, v]),
    ...(svc.configCheck ?? []).map((a, i): [string, string] => [`configCheck[${i}]`, a]),
  ];
}

/** The description's arguments as written (placeholders intact), for finding the ones that are exactly {config}. */
function writtenArgs(svc: Service): readonly string[] {
  return svc.spec.freebsd?.args ?? svc.spec.args ?? [];
}

/** The default as the script writes it after load_rc_config: the words quoted for rc.subr's eval, or the value. */
function shellValue(v: RcConfVar): string | undefined {
  return v.words ? shWords(v.words) : v.value;
}

/** The " Default: ..." end of a variable's comment; a comment is one line, so a value with line breaks is only pointed to. */
function defaultDoc(text: string | undefined): string {
  if (text === undefined) return '';
  return /[\r\n]/.test(text) ? ' Default: as set below (the value has line breaks).' : ` Default: ${text}`;
}

function logMask(svc: Service): string {
  return svc.stdoutLog && svc.stderrLog ? '3' : svc.stdoutLog ? '1' : '2';
}

/** Arguments and environment values su -m's layers carry as they are: what problems() asks of a self-daemonizing program with a user. */
function plainWords(svc: Service): boolean {
  // A family's profile name (MARK here) is letters, digits and _ . -: the script checks it.
  const plain = (v: string) => PLAIN_WORD.test(v.replaceAll(MARK, 'p'));
  return svc.args.every((a) => a !== '' && plain(a)) && svc.environment.every(([, v]) => plain(v));
}

function model(svc: Service) {
  const rc = rcName(svc);
  const family = svc.family !== undefined;
  const supervised = !svc.daemonizes;
  const tokens = accountTokens(rc);
  const user = svc.user === undefined ? undefined : tokens.user;
  // The tree's way (www/hedgedoc, sysutils/node_exporter): ${name}_user, so rc.subr starts daemon(8)
  // with su -m, which keeps umask, nice and limits. su's -c '...' and sh -c "..." (root's login shell
  // may be csh) carry plain words only; other words go through chroot(8) -u under a root daemon(8).
  const chrootUser = supervised && user !== undefined && !plainWords(svc);
  const viaSu = user !== undefined && !chrootUser;
  // Run as the user, daemon(8) writes its pidfiles into a directory of the user's (checklist item 16).
  const runDir = supervised && viaSu ? `/var/run/${rc}` : undefined;
  // A family's profiles each have their own pidfiles (www/nginx: ${_pidprefix}/${profile}.pid).
  const stem = !family ? rc : runDir ? MARK : `${rc}.${MARK}`;
  const pidfile = supervised ? `${runDir ?? '/var/run'}/${stem}.pid` : portPath(svc.pidfile!);
  const childPidfile = `${runDir ?? '/var/run'}/${stem}.child.pid`;
  const program = portPath(svc.command);
  // ${name}_config reaches the program where an argument is exactly {config}, unquoted as
  // the tree writes it (databases/redis: command_args="${redis_config}"): only for a plain path.
  const config = svc.configFile && PLAIN_WORD.test(svc.configFile.replaceAll(MARK, 'p')) && svc.configFile !== '' ? portPath(svc.configFile) : undefined;
  const configRef = (value: string, written: string | undefined): RcSubrPart =>
    config !== undefined && written === '{config}' ? { variable: `${rc}_config` } : part(portPath(value));
  const args = svc.args.map((a, i) => configRef(a, writtenArgs(svc)[i]));
  const log = svc.stdoutLog ?? svc.stderrLog;

  const vars: RcConfVar[] = [{ name: `${rc}_enable`, type: 'bool', doc: `Set to "YES" to enable ${rc}${family ? ' (all profiles)' : ''}. Default: "NO".` }];
  if (family) {
    vars.push({ name: `${rc}_profiles`, type: 'str', docOnly: true, doc: `The members (profiles) to run; "service ${rc} start NAME" starts one, ${rc}_NAME_X sets ${rc}_X for one (- and . in NAME as _).` });
  }
  const add = (name: string, type: RcConfVar['type'], value: string | string[] | undefined, doc: string) => {
    if (value === undefined || value.length === 0) return;
    vars.push(Array.isArray(value) ? { name: `${rc}_${name}`, type, words: value, doc } : { name: `${rc}_${name}`, type, value, doc });
  };
  add('config', 'path', config, 'Configuration file (required_files).');
  if (viaSu) {
    add('user', 'str', user, 'Account to run as (su -m).');
    add('group', 'str', tokens.group, 'Group of its directories.');
  }
  add('chdir', 'path', svc.workingDirectory && portPath(svc.workingDirectory), 'Directory to start in.');
  const env = svc.environment.map(([n, v]) => `${n}=${portPath(v)}`);
  add('env', 'str', env, 'Environment: NAME=value words, as env(1) takes them.');
  add('env_file', 'path', svc.environmentFile && portPath(svc.environmentFile), 'File of NAME=value lines, sourced before start.');
  add('umask', 'str', svc.umask, 'File mode creation mask.');
  const limits = svc.limits.flatMap(([limit, value]) => [`-${LIMIT_FLAG[limit]}`, value === 'unlimited' ? 'infinity' : String(value)]);
  add('limits', 'str', limits, 'Resource limits, as limits(1) takes them.');
  add(
    'prepend',
    'str',
    svc.nice === undefined ? undefined : `nice -n ${svc.nice}`,
    `Put before the start command (not ${rc}_nice, whose sh -c layer would read the arguments again).`,
  );
  if (supervised) vars.push({ name: `${rc}_flags`, type: 'str', docOnly: true, doc: 'More arguments for the program, after its own.' });
  const documented = vars.map((v) => {
    const perProfile = (v.words ?? [v.value ?? '']).some((w) => w.includes(MARK));
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
      /** A family's default that names the profile: set once the profile is known, as `name=<rhs>`. */
      perProfile,
      profileWords: perProfile && v.words ? v.words.map(part) : undefined,
      profileValue: perProfile && !v.words ? profileWord(v.value!) : undefined,
      label: `${v.name} (${v.type}):`,
      /** The documentation and its default, wrapped. */
      docLines: wrap(`${v.doc}${defaultDoc(shell === undefined ? undefined : shown(shell))}`, Math.max(36, 76 - v.name.length - v.type.length)),
    };
  });

  // chroot(8) to / switches user and group without setusercontext(3), which daemon(8) -u would apply
  // (resetting umask, nice and limits). chroot changes to "/", so sh returns to ${rc}_chdir.
  const switchUser: RcSubrPart[] = chrootUser
    ? [CHROOT, '-u', tokens.user, '-g', tokens.group, '-G', tokens.group, '/', SH, '-c', CD_THEN_EXEC, 'sh', { param: `${rc}_chdir`, fallback: '/' }]
    : [];
  const child: RcSubrPart[] = [...switchUser, program, ...args];
  const daemonOptions: RcSubrPart[] = ['-f', '-P', part(pidfile), '-p', part(childPidfile), ...(svc.restart === 'no' ? [] : ['-r'])];
  // Without -o or -S, -f would send the program's output to /dev/null (daemon(8)). -T names
  // the process too; with -o, -t does.
  if (log) daemonOptions.push('-t', rc, '-o', part(portPath(log)), '-m', logMask(svc), '-H');
  else daemonOptions.push('-S', '-T', rc);
  const commandArgs: RcSubrPart[] = supervised ? [...daemonOptions, ...child] : args;

  const extra = [...(svc.reloadSignal ? ['reload'] : []), ...(svc.configCheck ? ['configtest'] : []), ...svc.commands];
  // The declared directories, made before every start as the account the program writes as
  // (checklist item 16: install -d -o in start_precmd), mode directoriesMode.
  const owner: RcSubrPart[] = svc.switchesUser
    ? ['-o', svc.switchesUser.user, '-g', svc.switchesUser.group ?? svc.switchesUser.user]
    : chrootUser
      ? ['-o', tokens.user, '-g', tokens.group]
      : viaSu
        ? ['-o', { param: `${rc}_user`, fallback: 'root' }, '-g', { param: `${rc}_group`, fallback: '0' }]
        : [];
  const directories = DIRECTORY_KINDS.flatMap((kind) => svc.directories[kind].map((d) => `${FREEBSD_LAYOUT.base[kind]}/${d}`));
  // daemon(8) -o opens the log as the user: its directory is the user's; one directly in /var/log is made for it.
  const logDir = supervised && log && !/^\/var\/log\/[^/]+$/.test(log) ? portPath(log).replace(/\/[^/]+$/, '') : undefined;
  const logFile = supervised && log && logDir === undefined && viaSu ? ['install', ...owner, '-m', '0600', '/dev/null', part(portPath(log))] : undefined;
  // One install(1) for all of them (the pidfiles' directory is only read by root).
  const all = [...new Set([...(runDir === undefined ? [] : [runDir]), ...(logDir === undefined ? [] : [logDir]), ...directories.map((d) => portPath(d))])];
  // The directory of the own pidfile of a program that starts as root stays root's: the account could
  // otherwise point the pidfile at any process.
  const rootPidDir = svc.switchesUser && !supervised && svc.pidfile ? pidfile.replace(/\/[^/]+$/, '') : undefined;
  const made = all.filter((d) => d !== rootPidDir);
  const makeDirectories = [
    ...(made.length === 0 ? [] : [['install', '-d', ...owner, '-m', svc.directoriesMode, ...made.map(part)]]),
    ...(rootPidDir !== undefined && all.includes(rootPidDir) ? [['install', '-d', '-m', svc.directoriesMode, part(rootPidDir)]] : []),
  ];
  // A program that writes its own pidfile as a non-root user needs it (or its directory) to be theirs: install(1), checklist item 16.
  const ownPidfile = !supervised && svc.user !== undefined;
  const pidDir = ownPidfile && !/^\/var\/run\/[^/]+$/.test(svc.pidfile!) ? pidfile.replace(/\/[^/]+$/, '') : undefined;
  const pidFileToCreate = ownPidfile && pidDir === undefined ? pidfile : undefined;
  // Quoted for one evaluation: a guard refuses to start if an admin sets ${rc}_nice and these would change.
  const wordText = (w: RcSubrPart): string | undefined =>
    typeof w === 'string' ? w : 'word' in w ? w.word.map((p) => ('text' in p ? p.text : '')).join('') : 'param' in w ? '$' : undefined;
  const startWords = (supervised ? child : args).map(wordText).filter((w) => w !== undefined);
  // With a user, rc.subr adds no sh -c for nice (su -m's layers come first), and problems() allows plain words only.
  const quotingGuard = !viaSu && [...startWords, ...env].some((w) => NESTING_SENSITIVE.test(w));
  const require = ['LOGIN', ...[...svc.requires, ...svc.after].map((d) => (Object.hasOwn(DEPENDENCY, d) ? DEPENDENCY[d]! : d.replaceAll('-', '_')))];
  return {
    rc,
    family,
    supervised,
    vars: documented,
    /** The variables the script gives a default after load_rc_config. */
    defaulted: documented.filter((v) => !v.docOnly && !v.perProfile),
    /** A family's defaults that name the profile, set in the profile branch. */
    profileDefaults: documented.filter((v) => v.perProfile),
    /** The knobs ${rc}_PROFILE_X overrides, without the ${rc}_ prefix. */
    profileKnobs: [...new Set([...documented.filter((v) => v.name !== `${rc}_profiles`).map((v) => v.name.slice(rc.length + 1)), 'flags'])],
    desc: profileWord(svc.description),
    require: [...new Set(require)],
    command: supervised ? DAEMON : program,
    commandArgs,
    foregroundProgram: supervised ? child : undefined,
    interpreter: svc.interpreter && portPath(svc.interpreter, '%%LOCALBASE%%'),
    pidfile: part(pidfile),
    childPidfile: part(childPidfile),
    pidfiles: (supervised ? [pidfile, childPidfile] : [pidfile]).map(part),
    log: log && shown(portPath(log)),
    logPidfile: shown(pidfile),
    extraCommands: extra.join(' '),
    configCheck: svc.configCheck?.map((a, i) => (i === 0 ? portPath(a) : configRef(a, svc.spec.configCheck?.[i]))),
    config,
    makeDirectories,
    has: { kill: svc.commands.includes('kill'), zap: svc.commands.includes('zap'), foreground: svc.commands.includes('foreground') },
    pidDir: pidDir === undefined ? undefined : part(pidDir),
    pidFileToCreate: pidFileToCreate === undefined ? undefined : part(pidFileToCreate),
    logFile,
    logPath: log === undefined ? undefined : part(portPath(log)),
    quotingGuard,
    prestart: supervised || pidDir !== undefined || pidFileToCreate !== undefined || svc.configCheck !== undefined || quotingGuard || makeDirectories.length > 0,
    user,
    chrootUser,
    group: svc.user === undefined ? undefined : tokens.group,
  };
}

export type RcdModel = ReturnType<typeof model>;

export const rcd: Target = {
  id: 'rcd',
  title: 'FreeBSD rc.d (ports)',

  problems(linux: Service): Problem[] {
    const svc = onFreeBSD(linux);
    const installed = onFreeBSD(linux, FREEBSD_INSTALLED_LAYOUT);
    const problems = plainPathProblems(installed, PATH_FIELDS, 'rc.subr passes it through eval (run_rc_command) or word splitting');
    problems.push(...plainPathProblems(installed, ['interpreter'], 'rc.subr evaluates command_interpreter in its pid check'));
    const values = carried(svc);
    for (const field of [...PATH_FIELDS, 'interpreter'] as const) {
      const value = installed[field];
      if (value !== undefined && Buffer.byteLength(value) > FREEBSD_PATH_MAX) {
        problems.push({ path: field, message: `${quoteForMessage(value)} is too long for FreeBSD (${Buffer.byteLength(value)} bytes); expected a path of at most ${FREEBSD_PATH_MAX} bytes (PATH_MAX in sys/syslimits.h is 1024)` });
      }
    }
    // Pairwise: the same fields, resolved once with the %%PREFIX%% tokens and once as installed.
    const installedValues = carried(installed);
    values.forEach(([path, value], i) => {
      const why = applySlistProblem(value, installedValues[i]![1]);
      if (why) problems.push({ path, message: `${quoteForMessage(value)} cannot be carried: ${why}` });
    });
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

  render(linux: Service, renderer: Renderer) {
    const svc = onFreeBSD(linux);
    // A family's script is the same for every member: {instance} is the profile, "${profile}".
    const script = linux.family === undefined ? svc : onFreeBSD(linux, FREEBSD_LAYOUT, true);
    const m = model(script);
    const warnings: string[] = [];
    for (const account of new Set([linux.user, linux.group, linux.switchesUser?.user, linux.switchesUser?.group])) {
      if (account === 'www-data') warnings.push('rcd: account "www-data" is Debian\'s web server account; the FreeBSD files use www, the ports tree\'s (ports/UIDs)');
    }
    const paths: Array<string | undefined> = [svc.command, svc.interpreter, svc.workingDirectory, svc.environmentFile, svc.pidfile, svc.stdoutLog, svc.stderrLog, svc.configFile, svc.configCheck?.[0]];
    for (const path of new Set(paths)) {
      const why = path === undefined ? undefined : freebsdPathWarning(path);
      if (why) warnings.push(`rcd: ${why}`);
    }
    for (const arg of svc.args) {
      const why = freebsdArgWarning(arg);
      if (why) warnings.push(`rcd: ${why}`);
    }
    if (linux.configFile !== undefined && m.config === undefined) {
      warnings.push(`rcd: configFile ${svc.configFile} is not offered as ${m.rc}_config: rc.subr splits required_files and command_args on white space; expected a path of letters, digits and _ @ % + = : , . / -`);
    }
    if (m.chrootUser) {
      warnings.push(
        `rcd: runs as "${svc.user}" through chroot(8) -u under daemon(8), not the tree's ${m.rc}_user: an argument or environment value is not a plain word, and rc.subr's su -m reads them again (su -c '...', root's login shell, sh -c "..."); plain words (letters, digits and _ @ % + = : , . / -) give the ports idiom`,
      );
    }
    if (svc.group && svc.group !== svc.user && !m.chrootUser) {
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
    const files = [{ path: LAYOUT.rcScript(m.rc), mode: SCRIPT_MODE, content: renderer.render('rcd/rc.d.ejs', { svc: script, m }) }];
    return { files, warnings };
  },

  /** The port's fragments list every script of the tree: one port may install several (USE_RC_SUBR takes a list). */
  renderShared(linuxServices: readonly Service[], renderer: Renderer) {
    const services = linuxServices.map((s) => onFreeBSD(s));
    const system = (svc: Service, list: string[]) => list.filter((a) => accountKind(svc, a) === 'system');
    // One script per family: its members are profiles.
    const byRc = new Map(services.map((svc) => [rcName(svc), svc]));
    const scripts = [...byRc]
      .map(([rc, svc]) => {
        const { users, groups } = accounts(svc);
        return {
          rc,
          name: svc.family ?? svc.name,
          user: svc.user,
          group: svc.group ?? svc.user,
          users: system(svc, users),
          groups: system(svc, groups),
          personal: [...new Set([...users, ...groups])].filter((a) => accountKind(svc, a) === 'personal'),
          plist: svc.freebsd.plist,
          tokens: accountTokens(rc),
        };
      })
      .sort((a, b) => (a.rc < b.rc ? -1 : a.rc > b.rc ? 1 : 0));
    const m = {
      scripts,
      rcNames: scripts.map((s) => s.rc),
      from: scripts.length === 1 ? `the service description "${scripts[0]!.name}"` : `the service descriptions ${scripts.map((s) => `"${s.name}"`).join(', ')}`,
      users: [...new Set(scripts.flatMap((s) => s.users))],
      groups: [...new Set(scripts.flatMap((s) => s.groups))],
      // Said once, in the file the packager merges, rather than on every generate.
      personal: [...new Set(scripts.flatMap((s) => s.personal))],
      subList: scripts.flatMap((s) =>
        s.user === undefined
          ? []
          : [
              { key: s.tokens.userKey, value: s.user },
              { key: s.tokens.groupKey, value: s.group! },
            ],
      ),
      modern: scripts.filter((s) => s.plist === 'modern'),
      legacy: scripts.filter((s) => s.plist === 'legacy'),
    };
    return [
      // freebsd.plist "none" everywhere: no fragment at all.
      ...(m.modern.length + m.legacy.length === 0 ? [] : [{ path: LAYOUT.rcPortFile('pkg-plist'), mode: DATA_MODE, content: renderer.render('rcd/pkg-plist.ejs', { m }) }]),
      { path: LAYOUT.rcPortFile('Makefile.snippet'), mode: DATA_MODE, content: renderer.render('rcd/Makefile.snippet.ejs', { m }) },
    ];
  },
};
