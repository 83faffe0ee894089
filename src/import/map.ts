import { LINUX_LAYOUT } from '../spec/platform.js';
import type { ServiceSpec } from '../spec/types.js';
import { ExecSyntaxError, parseExecLine, type ExecWord } from './exec-line.js';
import type { Entry } from './unit-file.js';

export type Outcome = 'mapped' | 'approximated' | 'not carried';

/** One directive line of the unit and what became of it. */
export interface ReportLine {
  at: string;
  directive: string;
  outcome: Outcome;
  detail: string;
}

/** The unit cannot be expressed: the directive and why. */
export class ImportError extends Error {
  constructor(readonly at: string, readonly directive: string, reason: string) {
    super(`${at}: ${directive}: ${reason}`);
    this.name = 'ImportError';
  }
}

export interface UnitName {
  /** `redis-server` for redis-server.service, `openvpn-server` for openvpn-server@.service. */
  prefix: string;
  /** The instance given with --instance, for a template. */
  instance: string | undefined;
}

/** Directives whose values accumulate; an empty assignment resets them (systemd.unit(5)). */
const LISTS = new Set(['After', 'Before', 'Wants', 'Requires', 'BindsTo', 'Requisite', 'PartOf', 'Environment', 'EnvironmentFile', 'ExecStartPre', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost', 'StateDirectory', 'CacheDirectory', 'LogsDirectory', 'RuntimeDirectory', 'ConfigurationDirectory', 'WantedBy', 'RequiredBy', 'Alias', 'Also', 'Documentation', 'AmbientCapabilities', 'CapabilityBoundingSet', 'SystemCallFilter', 'ReadWritePaths', 'ReadOnlyPaths', 'InaccessiblePaths', 'SupplementaryGroups', 'RestrictAddressFamilies']);

/** Sandboxing: the systemd target applies its own profile; the others have no such thing. */
const SANDBOX = /^(Protect|Private|Restrict|NoNewPrivileges|CapabilityBoundingSet|SystemCallFilter|SystemCallArchitectures|SystemCallErrorNumber|LockPersonality|MemoryDenyWriteExecute|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|RemoveIPC|DevicePolicy|DeviceAllow|KeyringMode|IPAddress|ProcSubset|RestrictNamespaces)/;

const DEPENDENCIES: Record<string, string> = {
  'network.target': 'network',
  'network-online.target': 'network',
  'syslog.target': 'syslog',
  'syslog.socket': 'syslog',
  'time-sync.target': 'time',
  'time-set.target': 'time',
  'local-fs.target': 'localfs',
};

const CONFIG_CHECK = /^(-t|-T|--test|--test-config|--check|--check-config|--configtest|configtest|checkconfig|-n|--dry-run|check|test|-C)$/;
const KILL_PROGRAMS = /^(\/usr)?\/bin\/kill$/;

interface Accumulated {
  entry: Entry;
  values: string[];
  /** Every line that set it, in order (report lines for each). */
  lines: Entry[];
}

/**
 * A description (v2) from a unit's entries, and a report with one line for
 * every directive line read: mapped, approximated (and how) or not carried
 * (and why). Throws ImportError when the unit cannot be expressed.
 */
export function mapUnit(entries: readonly Entry[], unit: UnitName, given: ReadonlyMap<string, string> = new Map()): { spec: ServiceSpec; report: ReportLine[] } {
  const report: ReportLine[] = [];
  const reported = new Set<Entry>();
  const say = (e: Entry, outcome: Outcome, detail: string) => {
    if (reported.has(e)) return;
    reported.add(e);
    report.push({ at: e.at, directive: `${e.section}.${e.key}`, outcome, detail });
  };

  // Later values override earlier ones; list directives accumulate and an empty value resets them.
  const seen = new Map<string, Accumulated>();
  for (const e of entries) {
    const id = `${e.section}.${e.key}`;
    const previous = seen.get(id);
    if (LISTS.has(e.key)) {
      const values = e.value === '' ? [] : [...(previous?.values ?? []), e.value];
      seen.set(id, { entry: e, values, lines: [...(previous?.lines ?? []), e] });
    } else {
      seen.set(id, { entry: e, values: [e.value], lines: [...(previous?.lines ?? []), e] });
    }
  }
  const get = (id: string) => seen.get(id);
  const handled = new Set<string>();
  /** Reports the lines of `id` that were overridden or reset, and marks it handled. */
  const take = (id: string): Accumulated | undefined => {
    const a = get(id);
    if (!a) return undefined;
    handled.add(id);
    const counted = LISTS.has(a.entry.key) ? new Set(a.lines.filter((l) => l.value !== '').slice(-a.values.length)) : new Set([a.lines[a.lines.length - 1]]);
    for (const l of a.lines) {
      if (counted.has(l)) continue;
      say(l, 'not carried', l.value === '' ? 'an empty assignment: resets the list before it' : 'overridden by a later assignment');
    }
    return a;
  };
  const lastLine = (a: Accumulated) => a.lines[a.lines.length - 1]!;

  const spec: Record<string, unknown> = { name: unit.instance ?? unit.prefix };
  if (unit.instance !== undefined) spec.family = unit.prefix;
  const environment = new Map<string, string>();
  // What command lines may refer to: the unit's Environment=, then what --set gives for a
  // variable the unit reads from outside (an EnvironmentFile= is read after Environment=).
  const known = new Map<string, string>();
  const toValue = (word: ExecWord, e: Entry): string => wordValue(word, e, unit, known);
  const fromSet = (words: readonly ExecWord[]) => [...new Set(words.flatMap((w) => w.flatMap((p) => ('variable' in p && given.has(p.variable) ? [`$${p.variable}`] : []))))];

  // Environment= first: ExecStart= may refer to it.
  const env = take('Service.Environment');
  if (env) {
    for (const line of env.lines.filter((l) => env.values.includes(l.value))) {
      for (const [name, value] of environmentAssignments(line, unit)) environment.set(name, value);
      say(line, 'mapped', 'environment');
    }
    if (environment.size > 0) spec.environment = Object.fromEntries(environment);
  }
  for (const [name, value] of environment) known.set(name, value);
  for (const [name, value] of given) known.set(name, escapeBraces(value));

  // Description=
  const description = take('Unit.Description');
  if (description) {
    spec.description = literalWithSpecifiers(description.values[0]!, lastLine(description), unit);
    say(lastLine(description), 'mapped', 'description');
  }

  // Type=
  const typeEntry = take('Service.Type');
  const type = typeEntry?.values[0] ?? (get('Service.BusName') ? 'dbus' : 'simple');
  const pidfile = take('Service.PIDFile');
  if (type === 'oneshot') throw new ImportError(lastLine(typeEntry!).at, 'Service.Type', 'oneshot: a task that runs and ends is not a service the targets supervise');
  if (type === 'forking') {
    if (!pidfile) throw new ImportError(lastLine(typeEntry!).at, 'Service.Type', 'forking without PIDFile=: OpenRC and rc.subr find a forking program only through its pidfile; add PIDFile=');
    spec.daemonizes = true;
    spec.pidfile = pidfile.values[0];
    say(lastLine(typeEntry!), 'mapped', 'daemonizes: true');
    say(lastLine(pidfile), 'mapped', 'pidfile');
  } else {
    if (typeEntry) {
      if (type === 'notify' || type === 'notify-reload') {
        spec.ready = 'notify';
        say(lastLine(typeEntry), type === 'notify' ? 'mapped' : 'approximated', type === 'notify' ? 'ready: "notify"' : 'ready: "notify"; its reload through sd_notify is not carried');
      } else if (type === 'simple' || type === 'exec') say(lastLine(typeEntry), 'mapped', 'a program in the foreground (the default)');
      else say(lastLine(typeEntry), 'approximated', `${type}: run as a program in the foreground`);
    }
    if (pidfile) say(lastLine(pidfile), 'not carried', `PIDFile= of a Type=${type} service: each init system keeps its own pidfile for a program in the foreground`);
  }

  // ExecStart=
  const start = take('Service.ExecStart');
  if (!start || start.values.length === 0) throw new ImportError(start ? lastLine(start).at : `${entries[0]?.at.split(':')[0] ?? 'unit'}`, 'Service.ExecStart', 'no ExecStart=: nothing to run');
  if (start.values.length > 1) throw new ImportError(lastLine(start).at, 'Service.ExecStart', `${start.values.length} command lines: only Type=oneshot runs several; the targets run one program`);
  const startLine = lastLine(start);
  const exec = parseExecLineSafe(start.values[0]!, startLine);
  const argv = exec.words.flatMap((w) => splitWholeVariable(w, startLine, unit, known));
  if (argv.length === 0) throw new ImportError(startLine.at, 'Service.ExecStart', 'an empty command line');
  if (/[+!]/.test(exec.prefixes)) throw new ImportError(startLine.at, 'Service.ExecStart', `the "${exec.prefixes}" prefix runs it with full privileges regardless of User=; describe the account it needs instead`);
  if (exec.prefixes.includes('@')) throw new ImportError(startLine.at, 'Service.ExecStart', 'the "@" prefix passes a different argv[0]; the targets pass the program path itself');
  const command = argv[0]!;
  if (!command.startsWith('/')) throw new ImportError(startLine.at, 'Service.ExecStart', `"${command}" has no absolute path; systemd would search its own fixed PATH, the targets need the program's absolute path`);
  spec.command = command;
  if (argv.length > 1) spec.args = argv.slice(1);
  const notes = [
    ...(exec.prefixes.includes('-') ? ['the "-" prefix (a failure counts as success) is not carried'] : []),
    ...(fromSet(exec.words).length > 0 ? [`${fromSet(exec.words).join(' ')} as given with --set, where the unit reads ${fromSet(exec.words).length > 1 ? 'them' : 'it'} from outside`] : []),
  ];
  say(startLine, notes.length > 0 ? 'approximated' : 'mapped', ['command and args', ...notes].join('; '));

  // ExecStartPre= that checks the configuration; ExecReload=.
  const pre = take('Service.ExecStartPre');
  for (const line of pre ? pre.lines.filter((l) => pre.values.includes(l.value)) : []) {
    const words = parseExecLineSafe(line.value, line).words.map((w) => toValue(w, line));
    if (spec.configCheck === undefined && words.slice(1).some((w) => CONFIG_CHECK.test(w)) && words[0]?.startsWith('/')) {
      spec.configCheck = words;
      say(line, 'mapped', 'configCheck: run before start, restart and reload');
    } else say(line, 'not carried', 'a command before start that is not a configuration check; the targets run only the program');
  }
  const reload = take('Service.ExecReload');
  for (const line of reload ? reload.lines.filter((l) => reload.values.includes(l.value)) : []) {
    const words = parseExecLineSafe(line.value, line).words;
    const signal = reloadSignal(words);
    if (signal) {
      spec.reloadSignal = signal;
      say(line, 'mapped', `reloadSignal: ${signal}`);
      continue;
    }
    const argvWords = words.map((w) => toValue(w, line));
    if (spec.configCheck === undefined && argvWords.slice(1).some((w) => CONFIG_CHECK.test(w))) {
      spec.configCheck = argvWords;
      say(line, 'mapped', 'configCheck (before reload)');
    } else if (JSON.stringify(argvWords) === JSON.stringify(spec.configCheck)) say(line, 'mapped', 'the configCheck, which the targets run before reload');
    else say(line, 'not carried', 'a reload command other than a signal to the main process; the targets reload by a signal (reloadSignal)');
  }

  // Accounts, directories, environment file, process settings.
  const user = take('Service.User');
  if (user) ((spec.user = user.values[0]), say(lastLine(user), 'mapped', 'user'));
  const group = take('Service.Group');
  if (group) ((spec.group = group.values[0]), say(lastLine(group), 'mapped', 'group'));
  const dynamic = take('Service.DynamicUser');
  if (dynamic) {
    if (/^(yes|true|on|1)$/i.test(dynamic.values[0]!) && !user) {
      spec.user = unit.prefix.replace(/[^a-z0-9_-]/g, '-').slice(0, 31);
      say(lastLine(dynamic), 'approximated', `a system account named ${String(spec.user)} instead of a dynamic one: create it when installing`);
    } else say(lastLine(dynamic), 'not carried', 'DynamicUser= beside User=');
  }
  // systemd runs a unit without User= as root; a description without user means an account named after it.
  if (spec.user === undefined) spec.user = 'root';
  const wd = take('Service.WorkingDirectory');
  if (wd) {
    const value = wd.values[0]!.replace(/^-/, '');
    if (value === '~' || !value.startsWith('/')) say(lastLine(wd), 'not carried', `${value}: only an absolute path can be carried`);
    else ((spec.workingDirectory = escapeBraces(value)), say(lastLine(wd), wd.values[0]!.startsWith('-') ? 'approximated' : 'mapped', wd.values[0]!.startsWith('-') ? 'workingDirectory; the "-" (missing is fine) is not carried' : 'workingDirectory'));
  }
  const envFile = take('Service.EnvironmentFile');
  if (envFile) {
    const kept = envFile.lines.filter((l) => envFile.values.includes(l.value));
    kept.forEach((line, n) => {
      const optional = line.value.startsWith('-');
      if (n > 0) return say(line, 'not carried', 'a second EnvironmentFile=: the description takes one');
      spec.environmentFile = line.value.replace(/^-/, '');
      say(line, optional ? 'approximated' : 'mapped', optional ? 'environmentFile; the "-" (a missing file is fine) is not carried: the file must exist' : 'environmentFile');
    });
  }
  const directoryKinds: Array<[string, string]> = [['StateDirectory', 'state'], ['CacheDirectory', 'cache'], ['LogsDirectory', 'logs'], ['RuntimeDirectory', 'runtime']];
  const directories: Record<string, string[]> = {};
  for (const [key, kind] of directoryKinds) {
    const a = take(`Service.${key}`);
    if (!a) continue;
    directories[kind] = a.values.flatMap((v) => v.split(/\s+/).filter(Boolean).map((d) => d.split(':')[0]!));
    for (const l of a.lines.filter((l) => a.values.includes(l.value))) say(l, 'mapped', `directories.${kind}`);
  }
  // ReadWritePaths=/var/lib/X (Debian's redis unit): where the program writes,
  // which the description declares as a directory that each init system creates.
  const writable = take('Service.ReadWritePaths');
  for (const line of writable ? writable.lines.filter((l) => writable.values.includes(l.value)) : []) {
    const paths = line.value.split(/\s+/).filter(Boolean).map((p) => p.replace(/^[-+]+/, ''));
    const kinds = paths.map((p) => directoryOf(p));
    kinds.forEach((k) => {
      if (k && !(directories[k.kind] ??= []).includes(k.name)) directories[k.kind]!.push(k.name);
    });
    if (kinds.every((k) => k === undefined)) say(line, 'not carried', 'sandboxing: the systemd target makes exactly the declared directories writable; OpenRC and rc.d have no sandbox');
    else say(line, 'approximated', `${kinds.filter((k) => k).map((k) => `directories.${k!.kind} ${k!.name}`).join(', ')}: created and owned by the account, where systemd only made ${kinds.length > 1 ? 'them' : 'it'} writable${kinds.some((k) => !k) ? '; the other paths are not carried' : ''}`);
  }
  if (Object.keys(directories).length > 0) spec.directories = directories;
  for (const [key] of directoryKinds) {
    const mode = take(`Service.${key}Mode`);
    if (mode) {
      if (spec.directoriesMode === undefined) {
        const octal = mode.values[0]!.padStart(4, '0');
        spec.directoriesMode = `0${octal.slice(-3)}`;
        const special = octal.length > 4 || octal[0] !== '0' ? `; the special bits of ${mode.values[0]} (setuid, setgid, sticky) are not carried` : '';
        say(lastLine(mode), 'approximated', `directoriesMode ${String(spec.directoriesMode)}, for every kind of directory${special}`);
      }
      else say(lastLine(mode), 'not carried', 'one mode serves every kind of directory');
    }
  }
  simple(take('Service.UMask'), (v) => (spec.umask = v.padStart(4, '0')), 'umask');
  simple(take('Service.Nice'), (v) => (spec.nice = Number(v)), 'nice');
  const limits: Record<string, number | 'unlimited'> = {};
  for (const [key, name] of [['LimitNOFILE', 'nofile'], ['LimitNPROC', 'nproc'], ['LimitCORE', 'core']] as const) {
    const a = take(`Service.${key}`);
    if (!a) continue;
    const parts = a.values[0]!.split(':');
    const hard = parts[parts.length - 1]!;
    limits[name] = /^infinity$/i.test(hard) ? 'unlimited' : Number(hard);
    if (!Number.isInteger(limits[name]) && limits[name] !== 'unlimited') throw new ImportError(lastLine(a).at, `Service.${key}`, `"${a.values[0]}" is not a number of ${name}`);
    say(lastLine(a), parts.length > 1 ? 'approximated' : 'mapped', parts.length > 1 ? `limits.${name}: the hard limit for both` : `limits.${name}`);
  }
  if (Object.keys(limits).length > 0) spec.limits = limits;
  const restart = take('Service.Restart');
  if (restart) {
    const v = restart.values[0]!;
    if (v === 'no' || v === 'always' || v === 'on-failure') ((spec.restart = v), say(lastLine(restart), 'mapped', `restart: ${v}`));
    else ((spec.restart = v === 'on-success' ? 'always' : 'on-failure'), say(lastLine(restart), 'approximated', `restart: ${String(spec.restart)} for ${v}`));
  } else spec.restart = 'no';
  for (const id of ['Service.RestartSec', 'Service.StartLimitBurst', 'Unit.StartLimitBurst', 'Unit.StartLimitIntervalSec', 'Service.TimeoutStartSec']) {
    const a = take(id);
    if (a) say(lastLine(a), 'not carried', 'each target keeps its own restart and start timing');
  }
  simple(take('Service.KillSignal'), (v) => (spec.stopSignal = v.replace(/^SIG/, '')), 'stopSignal');
  const stopTimeout = take('Service.TimeoutStopSec') ?? take('Service.TimeoutSec');
  if (stopTimeout) {
    const seconds = timeSpan(stopTimeout.values[0]!);
    if (/^(0|infinity)$/i.test(stopTimeout.values[0]!.trim())) {
      spec.stopTimeout = 86400;
      say(lastLine(stopTimeout), 'approximated', 'systemd waits for ever; stopTimeout: 86400 s, the longest the description takes');
    } else if (seconds === undefined) say(lastLine(stopTimeout), 'not carried', `"${stopTimeout.values[0]}": not a time the targets can wait`);
    else ((spec.stopTimeout = Math.min(Math.max(seconds, 1), 86400)), say(lastLine(stopTimeout), 'mapped', `stopTimeout: ${String(spec.stopTimeout)} s`));
  }
  for (const [stream, field] of [['StandardOutput', 'stdoutLog'], ['StandardError', 'stderrLog']] as const) {
    const a = take(`Service.${stream}`);
    if (!a) continue;
    const file = /^(append|file):(\/.*)$/.exec(a.values[0]!);
    if (file) ((spec[field] = escapeBraces(file[2]!)), say(lastLine(a), file[1] === 'append' ? 'mapped' : 'approximated', file[1] === 'append' ? field : `${field}, appended to rather than truncated`));
    else say(lastLine(a), 'not carried', `${a.values[0]}: each init system logs a program's output its own way`);
  }
  const ambient = take('Service.AmbientCapabilities');
  if (ambient) {
    const caps = ambient.values.join(' ').split(/\s+/).filter(Boolean);
    if (caps.includes('CAP_NET_BIND_SERVICE')) spec.systemd = { bindPrivilegedPorts: true };
    say(lastLine(ambient), caps.every((c) => c === 'CAP_NET_BIND_SERVICE') ? 'mapped' : 'approximated', 'systemd.bindPrivilegedPorts; other capabilities are not carried');
  }

  // Dependencies.
  const requires = new Set<string>();
  const after = new Set<string>();
  for (const [id, into] of [['Unit.Requires', requires], ['Unit.BindsTo', requires], ['Unit.Wants', after], ['Unit.After', after]] as const) {
    const a = take(id);
    if (!a) continue;
    for (const line of a.lines.filter((l) => a.values.includes(l.value))) {
      const names = line.value.split(/\s+/).filter(Boolean);
      // Another service by its name; a template instance (modprobe@drm) has no counterpart elsewhere.
      const mapped = names.map((n) => DEPENDENCIES[n] ?? (/^[A-Za-z0-9][A-Za-z0-9_.-]*\.service$/.test(n) ? n.slice(0, -'.service'.length) : undefined));
      mapped.forEach((m) => m !== undefined && into.add(m));
      const dropped = names.filter((_, k) => mapped[k] === undefined);
      say(line, dropped.length === 0 ? 'mapped' : dropped.length === names.length ? 'not carried' : 'approximated', dropped.length === 0 ? id === 'Unit.After' || id === 'Unit.Wants' ? 'after' : 'requires' : `${dropped.join(' ')}: no counterpart on the other init systems`);
    }
  }
  for (const r of requires) after.delete(r);
  if (requires.size > 0) spec.requires = [...requires];
  if (after.size > 0) spec.after = [...after];

  // Sandboxing is kept as the systemd target's choice of profile: a unit
  // without any runs as Debian's nginx unit does, unsandboxed.
  const sandboxed = entries.some((e) => e.section === 'Service' && SANDBOX.test(e.key));
  if (!sandboxed) spec.systemd = { ...(spec.systemd as object | undefined), hardening: 'off' };

  // Everything else, each line once, with the reason.
  for (const id of seen.keys()) if (!handled.has(id)) take(id);
  for (const l of entries) {
    const key = l.key;
    if (l.section === 'Install') say(l, 'not carried', 'enabling is each init system\'s own step (rc-update, sysrc, systemctl enable)');
    else if (SANDBOX.test(key)) say(l, 'not carried', 'sandboxing: the systemd target applies its own "default" profile (systemd.hardening); OpenRC and rc.d have none');
    else if (/^Exec(Stop|StopPost|StartPost)$/.test(key)) say(l, 'not carried', 'the targets stop the program by a signal (stopSignal) and run nothing around it');
    else if (key.startsWith('Condition') || key.startsWith('Assert')) say(l, 'not carried', 'conditions on starting are systemd\'s own');
    else say(l, 'not carried', 'no counterpart in the description');
  }
  report.sort((a, b) => lineOf(a.at) - lineOf(b.at) || a.at.localeCompare(b.at));
  return { spec: spec as unknown as ServiceSpec, report };

  function simple(a: Accumulated | undefined, set: (v: string) => void, what: string): void {
    if (!a) return;
    set(a.values[0]!);
    say(lastLine(a), 'mapped', what);
  }
}

function lineOf(at: string): number {
  return Number(at.slice(at.lastIndexOf(':') + 1));
}

function parseExecLineSafe(value: string, e: Entry) {
  try {
    return parseExecLine(value);
  } catch (error) {
    if (error instanceof ExecSyntaxError) throw new ImportError(e.at, `${e.section}.${e.key}`, error.message);
    throw error;
  }
}

/** A literal `{` in a value, written so that the description does not read it as a placeholder. */
function escapeBraces(text: string): string {
  return text.replace(/\{/g, '{{');
}

/** The layout's bases (systemd.exec(5)), and /var/run, Debian's link to /run, which units still name. */
const BASES: Array<[kind: string, base: string]> = [...Object.entries(LINUX_LAYOUT.base).map(([kind, base]): [string, string] => [kind, `${base}/`]), ['runtime', '/var/run/']];

/** `/var/lib/redis` → state "redis"; undefined for a path outside the bases or not a plain name. */
function directoryOf(path: string): { kind: string; name: string } | undefined {
  for (const [kind, base] of BASES) {
    const name = path.startsWith(base) ? path.slice(base.length).replace(/\/+$/, '') : '';
    if (/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*(\/[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*)*$/.test(name)) return { kind, name };
  }
  return undefined;
}

/** systemd.unit(5) specifiers the description can carry, as text or placeholders. */
function specifier(s: string, unit: UnitName): string | undefined {
  const full = unit.instance === undefined ? unit.prefix : `${unit.prefix}@${unit.instance}`;
  switch (s) {
    case 'i':
    case 'I':
      return unit.instance === undefined ? '' : '{instance}';
    case 'n':
      return escapeBraces(`${full}.service`);
    case 'N':
      return escapeBraces(full);
    case 'p':
    case 'P':
      return escapeBraces(unit.prefix);
    case 't':
      return '/run';
    case 'S':
      return '/var/lib';
    case 'C':
      return '/var/cache';
    case 'L':
      return '/var/log';
    case 'E':
      return '/etc';
    case 'T':
      return '/tmp';
    case 'V':
      return '/var/tmp';
    default:
      return undefined;
  }
}

/**
 * One word as description text: braces escaped, specifiers and the unit's
 * own Environment= variables put in (`environment` holds description text).
 */
function wordValue(word: ExecWord, e: Entry, unit: UnitName, environment: ReadonlyMap<string, string>): string {
  return word
    .map((p) => {
      if ('text' in p) return escapeBraces(p.text);
      if ('specifier' in p) {
        const v = specifier(p.specifier, unit);
        if (v === undefined) throw new ImportError(e.at, `${e.section}.${e.key}`, `the specifier %${p.specifier} depends on the machine or the user it runs as; write its value`);
        return v;
      }
      const v = environment.get(p.variable);
      if (v === undefined) throw new ImportError(e.at, `${e.section}.${e.key}`, `$${p.variable} is set outside the unit (an EnvironmentFile= or the manager), so its value is unknown here; give it with --set ${p.variable}=VALUE`);
      return v;
    })
    .join('');
}

/** A word that is `$NAME` alone is split at white space (systemd.service(5)); any other word, `${NAME}` alone too, is one argument. */
function splitWholeVariable(word: ExecWord, e: Entry, unit: UnitName, environment: ReadonlyMap<string, string>): string[] {
  const only = word.length === 1 ? word[0]! : undefined;
  if (only && 'variable' in only && !only.braced) {
    const v = environment.get(only.variable);
    if (v === undefined) throw new ImportError(e.at, `${e.section}.${e.key}`, `$${only.variable} is set outside the unit (an EnvironmentFile= or the manager), so its value is unknown here; give it with --set ${only.variable}=VALUE`);
    return v.split(/[ \t\n]+/).filter(Boolean);
  }
  return [wordValue(word, e, unit, environment)];
}

/** `kill -HUP $MAINPID`, `/bin/kill -s USR1 $MAINPID`: the signal, or undefined. */
function reloadSignal(words: ExecWord[]): string | undefined {
  const flat = words.map((w) => w.map((p) => ('text' in p ? p.text : 'variable' in p ? `$${p.variable}` : `%${p.specifier}`)).join(''));
  if (!KILL_PROGRAMS.test(flat[0] ?? '') || flat[flat.length - 1] !== '$MAINPID') return undefined;
  const middle = flat.slice(1, -1);
  const name = middle.length === 1 ? /^-(?:SIG)?([A-Z0-9]+)$/.exec(middle[0]!)?.[1] : middle.length === 2 && middle[0] === '-s' ? middle[1]!.replace(/^SIG/, '') : undefined;
  return name && /^(HUP|INT|QUIT|USR1|USR2|TERM|WINCH|ALRM|ABRT)$/.test(name) ? name : undefined;
}

/**
 * Environment= assignments, quoted as systemd.exec(5) says, as description
 * text: specifiers put in, "$" literal (systemd expands no variables there).
 */
function environmentAssignments(e: Entry, unit: UnitName): Array<[string, string]> {
  const line = parseExecLineSafe(e.value, e);
  return line.words.map((w) => {
    const literal = w.map((p) => ('variable' in p ? { text: `$${p.variable}` } : p));
    const text = wordValue(literal, e, unit, new Map());
    const eq = text.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, eq))) throw new ImportError(e.at, `${e.section}.${e.key}`, `"${text}" is not NAME=value`);
    return [text.slice(0, eq), text.slice(eq + 1)];
  });
}

/** A value systemd takes as it is but for specifiers (Description=). */
function literalWithSpecifiers(value: string, e: Entry, unit: UnitName): string {
  return value.replace(/%(.)|%$|\{/g, (match, s: string | undefined) => {
    if (match === '{') return '{{';
    if (s === '%') return '%';
    const v = s === undefined ? undefined : specifier(s, unit);
    if (v === undefined) throw new ImportError(e.at, `${e.section}.${e.key}`, `the specifier ${match} depends on the machine or the user it runs as; write its value`);
    return v;
  });
}

/** systemd.time(5) spans as whole seconds: "90", "1min 30s", "2m"; undefined for infinity or unknown units. */
function timeSpan(text: string): number | undefined {
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const units: Record<string, number> = { s: 1, sec: 1, second: 1, seconds: 1, m: 60, min: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600, ms: 0.001, msec: 0.001 };
  let total = 0;
  for (const part of text.trim().split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(part);
    if (!m || !(m[2]! in units)) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
  }
  return Math.round(total);
}
