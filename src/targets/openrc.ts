import { DATA_MODE, LINK_MODE, SCRIPT_MODE, type GeneratedFile } from '../files.js';
import type { Renderer } from '../render.js';
import type { Problem } from '../spec/check-schema.js';
import { commentText, shAssign, shWord, shWordWithVariables, type ShPart } from '../escape.js';
import { parts } from '../spec/placeholders.js';
import { LINUX_LAYOUT } from '../spec/platform.js';
import { DIRECTORY_KINDS, type LauncherCommand, type Service } from '../spec/types.js';
import { OPENRC_VARIABLE_NAMES } from './openrc-vars.js';
import { LIMIT_FLAG, plainPathProblems, wrap, type CommandHelp } from './shared.js';
import type { Target } from './target.js';
import { LAYOUT } from '../layout.js';

/**
 * Names a conf.d `export` must not take: conf.d is sourced into the very
 * shell that runs openrc-run (openrc-run.sh sources conf.d, then the script),
 * so these would change how OpenRC itself starts the service.
 */
const SHELL_RESERVED = ['IFS', 'PATH', 'ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'OPTIND', 'OPTARG', 'SVCNAME'];
const RESERVED_PREFIXES = ['RC_', 'EINFO_', 'SSD_'];
/**
 * openrc-run(8)'s variables this script does not set, and names openrc-run.sh
 * assigns itself; lowercase names starting with "_" are refused too (the
 * scratch variables of openrc-run.sh and of the generic script).
 */
const OTHER_OPENRC_VARIABLES = new Set(
  (
    'name command_args_background command_args_foreground command_progress procname chroot input_file ' +
    'output_logger error_logger stopsig stopgroup extra_commands extra_started_commands extra_stopped_commands ' +
    'required_dirs supervise_daemon_args capabilities secbits no_new_privs notify ' +
    'healthcheck_timer healthcheck_delay start_inactive in_background_fake opts lsbh shebang'
  ).split(' '),
);

/** Respawn settings under supervise-daemon: 1 s apart, at most 5 within a minute. */
const RESPAWN = { delay: '1', max: '5', period: '60' };

/**
 * OpenRC names for the abstract dependencies, as the service-script guide
 * advises: the network is a soft `use net` (a blanket `need net` is wrong
 * for servers happy with 0.0.0.0), syslog daemons provide `logger`, NTP
 * clients `ntp-client`; local filesystems are a hard `need localmount`.
 */
const DEPENDENCY = {
  requires: { network: ['use', 'net'], syslog: ['use', 'logger'], time: ['use', 'ntp-client'], localfs: ['need', 'localmount'] },
  after: { network: ['after', 'net'], syslog: ['after', 'logger'], time: ['after', 'ntp-client'], localfs: ['after', 'localmount'] },
} as const;

export function openrcNames(svc: Service): { base: string; entry: string } {
  const base = svc.family ?? svc.name;
  return { base, entry: svc.family ? `${svc.family}.${svc.name}` : svc.name };
}

/** Foreground programs with restart on run under supervise-daemon; it cannot leave one dead, so "no" uses start-stop-daemon. */
export function supervised(svc: Service): boolean {
  return !svc.daemonizes && svc.restart !== 'no';
}

/** `user[:group]` for command_user, or undefined for root:root. */
export function commandUser(svc: Service): string | undefined {
  const user = svc.user ?? (svc.group ? 'root' : undefined);
  return user && (svc.group ? `${user}:${svc.group}` : user);
}

/**
 * The conf.d knob holding the main configuration file, named in the
 * service's own terms as ::gentoo names it (nginx: NGINX_CONFIGFILE).
 */
export function configKnob(svc: Service): string | undefined {
  return svc.configFile === undefined ? undefined : `${knobPrefix(svc)}_CONFIGFILE`;
}

/** The prefix of the service's own conf.d knobs, in its own terms: REDIS_, LISP_SITE_ (::gentoo: NGINX_CONFIGFILE). */
export function knobPrefix(svc: Service): string {
  return (svc.family ?? svc.name).toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The names of every knob conf.d may set for this service: environment names must not take them. */
function knobNames(svc: Service): string[] {
  const p = knobPrefix(svc);
  return [`${p}_CONFIGFILE`, `${p}_OPTS`, `${p}_USER`, `${p}_NICE`];
}

/**
 * A value of the description as shell text, for a place the script's shell
 * expands it: {instance} as the script's "${instance}" (a family's script
 * derives it from RC_SVCNAME), {config} as the config file knob, the
 * directory placeholders as their paths; literal runs stay literal.
 */
function shellParts(svc: Service, raw: string, knob: string | undefined): ShPart[] {
  return parts(raw).flatMap((p): ShPart[] => {
    if ('text' in p) return [p];
    if (p.placeholder === 'instance') return svc.family === undefined ? [{ text: svc.name }] : [{ variable: 'instance' }];
    if (p.placeholder === 'config') return knob ? [{ variable: knob }] : shellParts(svc, svc.spec.configFile ?? '', knob);
    const first = svc.spec.directories?.[p.placeholder]?.[0];
    return first === undefined ? [] : [{ text: `${LINUX_LAYOUT.base[p.placeholder]}/` }, ...shellParts(svc, first, knob)];
  });
}

/** One word of the script, its placeholders expanded where the script runs. */
function word(svc: Service, raw: string, knob?: string): string {
  return shWordWithVariables(shellParts(svc, raw, knob));
}

/** Absolute paths of the description's directories, in the order state, cache, logs, runtime, as raw values. */
function rawDirectories(svc: Service): string[] {
  return DIRECTORY_KINDS.flatMap((kind) => (svc.spec.directories?.[kind] ?? []).map((d) => `${LINUX_LAYOUT.base[kind]}/${d.replace(/\/+$/, '')}`));
}

/** Absolute paths of the description's directories (for a family member: its own). */
export function directoryPaths(svc: Service): string[] {
  return DIRECTORY_KINDS.flatMap((kind) => svc.directories[kind].map((d) => `${LINUX_LAYOUT.base[kind]}/${d}`));
}

/**
 * Whether OpenRC's handling of command_args would change these words: it
 * expands $command_args unquoted, then evals the line (supervise-daemon.sh,
 * start-stop-daemon.sh), so a tab, a newline or a run of spaces inside a
 * quoted argument collapses to one space, and * ? [ may glob.
 */
function wordsNeedProtection(words: string): boolean {
  return /[\t\n*?[]| {2}/.test(words);
}

/** Who owns the directories when that is not command_user: the account a program that switches users itself becomes. */
function directoriesOwner(svc: Service): string | undefined {
  const to = svc.switchesUser;
  return to && (to.group ? `${to.user}:${to.group}` : to.user);
}

export function dependencies(svc: Service): Record<'need' | 'use' | 'after', string[]> {
  const out = { need: [] as string[], use: [] as string[], after: [] as string[] };
  for (const kind of ['requires', 'after'] as const) {
    for (const dep of svc[kind]) {
      const mapped = DEPENDENCY[kind] as Record<string, readonly [keyof typeof out, string]>;
      // Own keys only: a service named "constructor" is not Object.prototype's.
      const [how, name] = (Object.hasOwn(mapped, dep) ? mapped[dep] : undefined) ?? [
        kind === 'requires' ? 'need' : 'after',
        dep,
      ];
      if (!out[how].includes(name)) out[how].push(name);
    }
  }
  return out;
}

/** A knob of conf.d: its comment, and its default, commented out. */
export interface Knob {
  name: string;
  doc: string[];
  /** The default as sh text for `#NAME=...`. */
  example: string;
}

const OPENRC_DOC = 'openrc-run(8)';

/**
 * A knob's default as conf.d shows it: conf.d is sourced before the script
 * sets ${instance}, so the instance is written as OpenRC's own
 * "${RC_SVCNAME#*.}"; literal runs through shWord, as shWordWithVariables does.
 */
function confdWord(parts: readonly ShPart[]): string {
  return (
    parts
      .map((part) => ('text' in part ? (part.text === '' ? '' : shWord(part.text)) : part.variable === 'instance' ? '"${RC_SVCNAME#*.}"' : shWordWithVariables([part])))
      .join('') || "''"
  );
}

function knobs(svc: Service, userParts: readonly ShPart[] | undefined): Knob[] {
  const p = knobPrefix(svc);
  const out: Knob[] = [];
  const add = (name: string, doc: string, example: string) => out.push({ name, doc: wrap(doc, 76), example });
  if (svc.spec.configFile !== undefined) {
    add(`${p}_CONFIGFILE`, 'The main configuration file; start refuses to run without it.', confdWord(shellParts(svc, svc.spec.configFile, undefined)));
  }
  add(`${p}_OPTS`, `Options added after the fixed ones, as shell words.`, "''");
  if (userParts) add(`${p}_USER`, 'user[:group] the program runs as.', confdWord(userParts));
  if (svc.limits.length > 0) add('rc_ulimit', `Resource limits, as "ulimit" options (${OPENRC_DOC}).`, shAssign(limitsText(svc)));
  if (svc.nice !== undefined) add(`${p}_NICE`, 'Scheduling priority, from -20 (first) to 19 (last).', String(svc.nice));
  return out;
}

function limitsText(svc: Service): string {
  return svc.limits.map(([limit, value]) => `-${LIMIT_FLAG[limit]} ${value}`).join(' ');
}

/** The origin's commands the script offers: what the description lists (a family's members must agree: the script is shared). */
export function offers(svc: Service, command: LauncherCommand): boolean {
  return svc.commands.includes(command);
}

function commands(entry: string, svc: Service): CommandHelp[] {
  const rc = `rc-service ${entry}`;
  return [
    ...(svc.reloadSignal ? [{ name: 'reload', how: `${rc} reload: config check, then SIG${svc.reloadSignal}` }] : []),
    ...(svc.configCheck ? [{ name: 'checkconfig', how: `${rc} checkconfig` }] : []),
    ...(offers(svc, 'kill') ? [{ name: 'kill', how: `${rc} kill: SIGKILL the whole service` }] : []),
    ...(offers(svc, 'foreground') ? [{ name: 'foreground', how: `${rc} foreground: run it in this terminal` }] : []),
  ];
}

/** Which layout the files are for: the plain openrc/ tree, or a Gentoo overlay (which needs ::gentoo's header). */
export type OpenrcLayout = 'openrc' | 'gentoo';

/** The year of the ::gentoo copyright line: SOURCE_DATE_EPOCH's when set (reproducible builds), else this one (UTC). */
export function copyrightYear(env: NodeJS.ProcessEnv = process.env): number {
  const epoch = env.SOURCE_DATE_EPOCH;
  const seconds = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : undefined;
  return (seconds === undefined ? new Date() : new Date(seconds * 1000)).getUTCFullYear();
}

/** Everything the templates need, every value already escaped for where it stands. */
function model(svc: Service, layout: OpenrcLayout) {
  const { base, entry } = openrcNames(svc);
  const knob = configKnob(svc);
  const p = knobPrefix(svc);
  const user = commandUser(svc);
  const from = svc.family ? `the "${svc.family}" family of service descriptions` : `the service description "${svc.name}"`;
  const header =
    layout === 'gentoo'
      ? [`# Copyright ${copyrightYear()} Gentoo Authors`, '# Distributed under the terms of the GNU General Public License v2']
      : [`# Generated by init-service from ${commentText(from)}.`];

  const fixed = (svc.spec.args ?? []).map((a) => word(svc, a, knob)).join(' ');
  const opts = `"\${${p}_OPTS}"`;
  const settings: [string, string][] = [];
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) settings.push([name, value]);
  };
  if (knob) set(knob, `\${${knob}:-${word(svc, svc.spec.configFile!)}}`);
  set('command', word(svc, svc.spec.command));
  const quotedFixed = shAssign(`${fixed} `);
  // One quoted string when shAssign chose double quotes, so the line reads as one.
  set('command_args', fixed === '' ? opts : quotedFixed.startsWith('"') ? `${quotedFixed.slice(0, -1)}\${${p}_OPTS}"` : `${quotedFixed}${opts}`);
  // A member without a user of its own runs as the account named for it (normalize), in a family's script the instance's.
  const userParts: ShPart[] | undefined =
    user === undefined
      ? undefined
      : svc.family !== undefined && svc.spec.user === undefined && svc.spec.switchesUser === undefined
        ? [{ variable: 'instance' }, ...(svc.group ? [{ text: `:${svc.group}` }] : [])]
        : [{ text: user }];
  const userWord = userParts && shWordWithVariables(userParts);
  if (userWord) set('command_user', `\${${p}_USER:-${userWord}}`);
  if (knob) set('required_files', shAssign(`"\${${knob}}"`));
  if (svc.spec.workingDirectory !== undefined) set('directory', word(svc, svc.spec.workingDirectory, knob));
  set('umask', svc.umask);
  if (svc.daemonizes) {
    set('pidfile', word(svc, svc.spec.pidfile!, knob));
  } else {
    if (supervised(svc)) {
      set('supervisor', 'supervise-daemon');
      set('respawn_delay', RESPAWN.delay);
      set('respawn_max', RESPAWN.max);
      set('respawn_period', RESPAWN.period);
    } else {
      set('command_background', 'true');
    }
    set('pidfile', '"/run/${RC_SVCNAME}.pid"');
  }
  set('retry', `${svc.stopSignal}/${svc.stopTimeout}/KILL/5`);
  if (svc.spec.stdoutLog !== undefined) set('output_log', word(svc, svc.spec.stdoutLog, knob));
  if (svc.spec.stderrLog !== undefined) set('error_log', word(svc, svc.spec.stderrLog, knob));
  if (svc.limits.length > 0) set('rc_ulimit', `\${rc_ulimit:-${shWord(limitsText(svc))}}`);
  if (svc.nice !== undefined) {
    set(supervised(svc) ? 'supervise_daemon_args' : 'start_stop_daemon_args', `"--nicelevel \${${p}_NICE:-${svc.nice}}"`);
  }
  const exports = Object.entries(svc.spec.environment ?? {}).map(([name, value]) => [name, word(svc, value, knob)] as const);

  // start_pre: directories (parents root-owned, as systemd makes them), logs only when missing.
  const owner = user ? '"${command_user}"' : shWord(directoriesOwner(svc) ?? 'root');
  const dirs = rawDirectories(svc);
  const parents = [
    ...new Set(
      dirs.flatMap((d) => {
        const kind = DIRECTORY_KINDS.find((k) => d.startsWith(`${LINUX_LAYOUT.base[k]}/`))!;
        const rel = d.slice(LINUX_LAYOUT.base[kind].length + 1);
        return rel.includes('/') ? [d.slice(0, d.lastIndexOf('/'))] : [];
      }),
    ),
  ];
  const logs = [...new Set([svc.spec.stdoutLog, svc.spec.stderrLog].filter((l): l is string => l !== undefined))];
  for (const log of logs) {
    const dir = log.slice(0, log.lastIndexOf('/'));
    if (dir !== '' && !dirs.includes(dir) && !parents.includes(dir)) parents.push(dir);
  }
  const startPre: string[] = [];
  if (parents.length > 0) startPre.push(`mkdir -p ${parents.map((d) => word(svc, d)).join(' ')} || return 1`);
  // The directory of a forking program's own pidfile stays root-owned: the account could
  // otherwise point the pidfile at any process (service-script guide: PID files).
  const pidDir = svc.daemonizes && svc.pidfile ? svc.pidfile.slice(0, svc.pidfile.lastIndexOf('/')) : undefined;
  const resolved = directoryPaths(svc);
  const owned = dirs.filter((_, i) => resolved[i] !== pidDir);
  const rootOwned = dirs.filter((_, i) => resolved[i] === pidDir);
  if (owned.length > 0) startPre.push(`checkpath -d -m ${svc.directoriesMode} -o ${owner} ${owned.map((d) => word(svc, d)).join(' ')} || return 1`);
  if (rootOwned.length > 0) startPre.push(`checkpath -d -m ${svc.directoriesMode} -o root ${rootOwned.map((d) => word(svc, d)).join(' ')} || return 1`);
  for (const log of logs) {
    const w = word(svc, log, knob);
    startPre.push(`[ -e ${w} ] || checkpath -f -m 0640 -o ${user ? '"${command_user}"' : 'root'} ${w} || return 1`);
  }
  if (svc.configCheck) startPre.push('[ "${RC_CMD}" = restart ] || checkconfig || return 1');
  if (svc.spec.environmentFile !== undefined) {
    // Sourced here, exported to the program (supervise-daemon and start-stop-daemon pass the environment on).
    const w = word(svc, svc.spec.environmentFile, knob);
    startPre.push(`[ -r ${w} ] || { eerror "\${RC_SVCNAME}: cannot read its environment file"; return 1; }`);
    startPre.push('set -a', '# shellcheck source=/dev/null', `. ${w}`, 'set +a');
  }
  const protect = wordsNeedProtection(fixed);
  if (protect) startPre.push('_protect_command_args "${command_args}"');

  const check = svc.spec.configCheck && [word(svc, svc.spec.configCheck[0]!), ...svc.spec.configCheck.slice(1).map((a) => word(svc, a, knob))].join(' ');
  const reload =
    svc.reloadSignal === undefined
      ? undefined
      : supervised(svc)
        ? `supervise-daemon "\${RC_SVCNAME}" --signal ${svc.reloadSignal}`
        : `start-stop-daemon --signal ${svc.reloadSignal} --pidfile "\${pidfile}"`;
  const extra = [...(svc.configCheck ? ['checkconfig'] : []), ...(offers(svc, 'kill') ? ['kill'] : [])];
  return {
    base,
    entry,
    family: svc.family,
    header,
    from,
    // Without a description, the name (normalize): in a family's script, the instance's.
    description: svc.spec.description === undefined && svc.family !== undefined ? shWordWithVariables([{ variable: 'instance' }]) : word(svc, svc.spec.description ?? svc.spec.name),
    settings,
    exports,
    knobs: knobs(svc, userParts),
    commands: commands(entry, svc),
    extraCommands: extra.join(' '),
    depend: Object.entries(dependencies(svc)).filter(([, names]) => names.length > 0),
    startPre,
    hasStartPre: svc.family !== undefined || startPre.length > 0,
    protect,
    check,
    reload,
    kill: offers(svc, 'kill'),
    foreground: offers(svc, 'foreground'),
    daemonizes: svc.daemonizes,
    /** foreground runs start-stop-daemon without --background: its options, as shell words. */
    foregroundArgs: [
      ...(svc.spec.workingDirectory !== undefined ? ['--chdir "${directory}"'] : []),
      ...(user ? ['--chuid "${command_user}"'] : []),
      ...(svc.umask ? ['--umask "${umask}"'] : []),
      ...(svc.nice !== undefined ? [`--nicelevel "\${${p}_NICE:-${svc.nice}}"`] : []),
    ].join(' '),
  };
}

export type OpenrcModel = ReturnType<typeof model>;

function warnings(svc: Service): string[] {
  if (svc.daemonizes && svc.restart !== 'no') {
    return [
      `openrc: restart "${svc.restart}" is not carried for a program that daemonizes itself: supervise-daemon needs it in the foreground and start-stop-daemon never respawns`,
    ];
  }
  if (svc.restart === 'on-failure' && supervised(svc)) {
    return ['openrc: restart "on-failure" respawns after any exit, a clean one too: supervise-daemon does not tell them apart'];
  }
  return [];
}

export const openrc: Target = {
  id: 'openrc',
  title: 'Gentoo OpenRC',

  problems(svc: Service): Problem[] {
    const problems = plainPathProblems(
      svc,
      ['command', 'workingDirectory', 'pidfile', 'stdoutLog', 'stderrLog'],
      'OpenRC passes it through eval when starting and splits it on white space when stopping (start-stop-daemon.sh, supervise-daemon.sh)',
    );
    const knobs = knobNames(svc);
    for (const [name] of svc.environment) {
      if (knobs.includes(name) || (svc.family !== undefined && name === 'instance')) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for OpenRC: the script ${name === 'instance' ? "holds the family member's name" : 'reads the conf.d knob'} ${name}; rename the variable`,
        });
        continue;
      }
      if (name.startsWith('LD_')) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for OpenRC: exported from conf.d (or environmentFile, also sourced by openrc-run), ld.so(8) would apply ${name} to every helper openrc-run starts as root (start-stop-daemon, supervise-daemon), not to the program alone; let the program's own start script set it`,
        });
        continue;
      }
      const clash =
        SHELL_RESERVED.includes(name) ||
        RESERVED_PREFIXES.some((p) => name.startsWith(p)) ||
        OPENRC_VARIABLE_NAMES.has(name) ||
        OTHER_OPENRC_VARIABLES.has(name) ||
        name.startsWith('rc_') ||
        /^_[a-z0-9_]*$/.test(name);
      if (clash) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for OpenRC: conf.d is sourced into the shell that runs openrc-run, so ${name} would change how OpenRC itself starts the service; set it in environmentFile, or rename it`,
        });
      }
    }
    for (const [limit, value] of svc.limits) {
      if (limit === 'core' && value !== 0 && value !== 'unlimited') {
        problems.push({
          path: 'limits.core',
          message: `${value} cannot be carried: rc_ulimit applies "ulimit -c", whose unit is 512 bytes in dash and 1024 in bash, so the size would depend on /bin/sh; expected 0 or "unlimited"`,
        });
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const { m, initd, confd, familyConfd } = renderOpenrcTexts(svc, renderer, 'openrc');
    const files: GeneratedFile[] = [{ path: LAYOUT.openrcScript(m.base), mode: SCRIPT_MODE, content: initd }];
    if (familyConfd !== undefined) {
      files.push({ path: LAYOUT.openrcScript(m.entry), mode: LINK_MODE, linkTarget: m.base });
      files.push({ path: LAYOUT.openrcConf(m.base), mode: DATA_MODE, content: familyConfd });
    }
    files.push({ path: LAYOUT.openrcConf(m.entry), mode: DATA_MODE, content: confd });
    return { files, warnings: warnings(svc) };
  },
};

/**
 * The script and the conf.d files as text. A family's script and family
 * conf.d come from values with {instance} left as the script's ${instance},
 * so every member renders them byte for byte alike; members that differ in
 * what the script fixes would write them differently, and generate refuses.
 */
export function renderOpenrcTexts(svc: Service, renderer: Renderer, layout: OpenrcLayout) {
  const m = model(svc, layout);
  return {
    m,
    initd: renderer.render('openrc/init.d.ejs', { svc, m }),
    confd: renderer.render('openrc/conf.d.ejs', { svc, m }),
    familyConfd: svc.family ? renderer.render('openrc/conf.d-family.ejs', { svc, m }) : undefined,
    warnings: warnings(svc),
  };
}
