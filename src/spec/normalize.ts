import { checkSchema, quoteForMessage, type Problem } from './check-schema.js';
import { SERVICE_SCHEMA } from './schema.js';
import { PLACEHOLDERS, placeholdersIn, type Placeholder } from './placeholders.js';
import { LINUX_LAYOUT, resolveSpec } from './platform.js';
import { DIRECTORY_KINDS, LIMIT_NAMES, type LauncherCommand, type Service, type ServiceSpec } from './types.js';

/** A description that cannot be used: every problem found, each with its field path. */
export class SpecError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[], source?: string) {
    const sourced = problems.map((p) => {
      const from = p.source ?? source;
      return { path: printable(p.path), message: printable(p.message), ...(from === undefined ? {} : { source: printable(from) }) };
    });
    super(sourced.map((p) => `${p.source ? `${p.source}: ` : ''}${p.path}: ${p.message}`).join('\n'));
    this.name = 'SpecError';
    this.problems = sourced;
  }
}

/**
 * Text safe to print on a terminal: a control character (a file name, a YAML
 * parser's message quoting the file) is shown as an escape, never sent.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Validates a parsed description and fills in every default.
 * Pure: the same input always gives the same Service or the same SpecError.
 */
export function normalize(input: unknown, source?: string): Service {
  const problems = checkSchema(input, SERVICE_SCHEMA).map((p) => (p.path === 'reloadSignal' ? stopAsReload(input, p) : p));
  if (problems.length > 0) throw new SpecError(problems, source);
  const spec = input as ServiceSpec;
  problems.push(...crossFieldProblems(spec));
  if (problems.length > 0) throw new SpecError(problems, source);

  const switchesUser = spec.switchesUser && { user: spec.switchesUser.user, group: spec.switchesUser.group };
  // A program that switches users itself is started as root.
  const user = spec.user ?? (switchesUser ? 'root' : spec.name);
  const resolved = resolveSpec(spec, LINUX_LAYOUT);
  return {
    name: spec.name,
    family: spec.family,
    description: resolved.description,
    command: resolved.command,
    interpreter: resolved.interpreter,
    args: resolved.args,
    user: user === 'root' ? undefined : user,
    group: spec.group,
    workingDirectory: resolved.workingDirectory,
    environment: resolved.environment,
    environmentFile: resolved.environmentFile,
    daemonizes: spec.daemonizes ?? false,
    pidfile: resolved.pidfile,
    restart: spec.restart ?? 'on-failure',
    reloadSignal: spec.reloadSignal && signalName(spec.reloadSignal),
    stopSignal: signalName(spec.stopSignal ?? 'TERM'),
    stopTimeout: spec.stopTimeout ?? 30,
    umask: spec.umask?.padStart(4, '0'),
    nice: spec.nice,
    limits: LIMIT_NAMES.flatMap((n): Service['limits'] => {
      const value = spec.limits?.[n];
      return value === undefined ? [] : [[n, value]];
    }),
    requires: unique(spec.requires ?? []),
    after: unique(spec.after ?? []),
    stdoutLog: resolved.stdoutLog,
    stderrLog: resolved.stderrLog,
    configCheck: resolved.configCheck,
    directories: resolved.directories,
    directoriesMode: (spec.directoriesMode ?? '0750').padStart(4, '0'),
    configFile: resolved.configFile,
    ready: spec.ready ?? 'started',
    switchesUser,
    commands: unique((spec.commands ?? []).map((c): LauncherCommand => (c === 'nodaemon' ? 'foreground' : c))),
    spec,
    freebsd: { plist: spec.freebsd?.plist ?? 'modern' },
    systemd: {
      hardening: spec.systemd?.hardening ?? 'default',
      bindPrivilegedPorts: spec.systemd?.bindPrivilegedPorts ?? false,
      memoryDenyWriteExecute: spec.systemd?.memoryDenyWriteExecute,
    },
  };
}

function crossFieldProblems(spec: ServiceSpec): Problem[] {
  const problems: Problem[] = [...placeholderProblems(spec)];
  if (spec.switchesUser && spec.user !== undefined && spec.user !== 'root') {
    problems.push({
      path: 'user',
      message: `must be "root" or left out with switchesUser: the program starts as root and switches to ${quoteForMessage(spec.switchesUser.user)} itself`,
    });
  }
  if (spec.ready === 'notify' && spec.daemonizes) {
    problems.push({ path: 'ready', message: '"notify" is for a program in the foreground; one that daemonizes is ready when its pidfile is written (leave ready out)' });
  }
  const daemonizes = spec.daemonizes ?? false;
  if (daemonizes && spec.pidfile === undefined) {
    problems.push({
      path: 'pidfile',
      message: 'is required when daemonizes is true: the init system finds a forking program only through the pidfile it writes',
    });
  }
  if (!daemonizes && spec.pidfile !== undefined) {
    problems.push({
      path: 'pidfile',
      message:
        'is only for programs that fork and write it themselves (daemonizes: true); for a foreground program each init system keeps its own root-owned pidfile, so remove pidfile or set daemonizes to true',
    });
  }
  const reload = spec.reloadSignal && signalName(spec.reloadSignal);
  const stop = signalName(spec.stopSignal ?? 'TERM');
  if (reload === 'KILL') {
    problems.push({ path: 'reloadSignal', message: 'KILL cannot be caught: a reload would end the program, not reload it; name the signal it reloads its configuration on (most often HUP), or leave reloadSignal out' });
  } else if (reload === stop) {
    problems.push({
      path: 'reloadSignal',
      message: `${reload} is the stop signal (stopSignal${spec.stopSignal === undefined ? ', TERM unless set' : ''}): a reload would stop the program; name the signal it reloads its configuration on (most often HUP), or leave reloadSignal out`,
    });
  }
  const check = spec.configCheck?.[0];
  if (check !== undefined && !check.startsWith('/')) {
    problems.push({ path: 'configCheck[0]', message: `${quoteForMessage(check)} must be an absolute path to the checking program` });
  }
  const files: Array<[string, string | undefined]> = [
    ['command', spec.command],
    ['interpreter', spec.interpreter],
    ['configCheck[0]', check],
    ['environmentFile', spec.environmentFile],
    ['pidfile', spec.pidfile],
    ['stdoutLog', spec.stdoutLog],
    ['stderrLog', spec.stderrLog],
  ];
  for (const [path, file] of files) {
    if (file !== undefined && file.startsWith('/') && file.endsWith('/')) {
      problems.push({ path, message: `${quoteForMessage(file)} names a directory; expected the absolute path of a file, not ending in "/"` });
    }
  }
  const paths: Array<[string, string | undefined]> = [...files, ['workingDirectory', spec.workingDirectory]];
  for (const [path, value] of paths) {
    const why = value?.startsWith('/') ? pathLengthProblem(value) : undefined;
    if (why) problems.push({ path, message: `${quoteForMessage(value!)} ${why}` });
  }
  return problems;
}

/** The placeholders each field may use; "args" stands for every argv-like list and environment values. */
const ALLOWED: Record<string, readonly Placeholder[]> = {
  description: ['instance'],
  args: PLACEHOLDERS,
  configCheck: PLACEHOLDERS,
  environment: PLACEHOLDERS,
  configFile: ['instance'],
  workingDirectory: ['instance', ...DIRECTORY_KINDS],
  environmentFile: ['instance'],
  pidfile: ['instance', ...DIRECTORY_KINDS],
  stdoutLog: ['instance', ...DIRECTORY_KINDS],
  stderrLog: ['instance', ...DIRECTORY_KINDS],
  directories: ['instance'],
};

/** Every value's placeholders: allowed in its field, and each with something to stand for. */
function placeholderProblems(spec: ServiceSpec): Problem[] {
  const values: Array<[path: string, field: string, value: string]> = [];
  const add = (path: string, field: string, value: string | undefined) => value !== undefined && values.push([path, field, value]);
  for (const field of ['description', 'configFile', 'workingDirectory', 'environmentFile', 'pidfile', 'stdoutLog', 'stderrLog'] as const) add(field, field, spec[field]);
  (spec.args ?? []).forEach((a, i) => add(`args[${i}]`, 'args', a));
  (spec.configCheck ?? []).forEach((a, i) => add(`configCheck[${i}]`, i === 0 ? 'command' : 'configCheck', a));
  for (const [name, value] of Object.entries(spec.environment ?? {})) add(`environment.${name}`, 'environment', value);
  for (const kind of DIRECTORY_KINDS) (spec.directories?.[kind] ?? []).forEach((d, i) => add(`directories.${kind}[${i}]`, 'directories', d));
  (spec.freebsd?.args ?? []).forEach((a, i) => add(`freebsd.args[${i}]`, 'args', a));
  add('freebsd.configFile', 'configFile', spec.freebsd?.configFile);
  add('freebsd.pidfile', 'pidfile', spec.freebsd?.pidfile);

  const problems: Problem[] = [];
  for (const [path, field, value] of values) {
    for (const placeholder of placeholdersIn(value)) {
      const allowed = ALLOWED[field] ?? [];
      if (!allowed.includes(placeholder)) {
        const others = allowed.length > 0 ? `; it can use ${allowed.map((p) => `{${p}}`).join(' ')}` : '';
        problems.push({ path, message: `{${placeholder}} is not filled in in this field${others}; write {{${placeholder}} for the text itself` });
      } else if (placeholder === 'instance' && spec.family === undefined) {
        problems.push({ path, message: '{instance} stands for the name of a family member, and this service has no family; set family, or write the name itself' });
      } else if (placeholder === 'config' && spec.configFile === undefined) {
        problems.push({ path, message: '{config} stands for configFile, which is not set; set configFile, or write the path itself' });
      } else if (placeholder !== 'instance' && placeholder !== 'config' && !spec.directories?.[placeholder]?.length) {
        problems.push({ path, message: `{${placeholder}} stands for the first of directories.${placeholder}, which has none; declare it there, or write the path itself` });
      }
    }
  }
  return problems;
}

/** Linux's PATH_MAX and NAME_MAX (limits.h): longer paths or names fail every system call (ENAMETOOLONG), and systemd refuses them. */
const PATH_MAX_BYTES = 4095;
const NAME_MAX_BYTES = 255;

function pathLengthProblem(value: string): string | undefined {
  const bytes = Buffer.byteLength(value);
  const longest = Math.max(...value.split('/').map((part) => Buffer.byteLength(part)));
  if (bytes <= PATH_MAX_BYTES && longest <= NAME_MAX_BYTES) return undefined;
  return `is too long (${bytes} bytes, the longest name in it ${longest}): no system call takes it; expected a path of at most ${PATH_MAX_BYTES} bytes (PATH_MAX) with names of at most ${NAME_MAX_BYTES} bytes (NAME_MAX)`;
}

/** STOP is no signal list's member, but the reason it is refused as a reload signal is worth more than the list. */
function stopAsReload(input: unknown, problem: Problem): Problem {
  const value = (input as { reloadSignal?: unknown }).reloadSignal;
  if (typeof value !== 'string' || !/^(SIG)?STOP$/.test(value)) return problem;
  return { ...problem, message: 'STOP cannot be caught: a reload would freeze the program until SIGCONT, not reload it; name the signal it reloads its configuration on (most often HUP), or leave reloadSignal out' };
}

function signalName(signal: string): string {
  return signal.replace(/^SIG/, '');
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
