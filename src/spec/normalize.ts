import { checkSchema, quoteForMessage, type Problem } from './check-schema.js';
import { SERVICE_SCHEMA } from './schema.js';
import { LIMIT_NAMES, type Service, type ServiceSpec } from './types.js';

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
  const problems = checkSchema(input, SERVICE_SCHEMA);
  if (problems.length > 0) throw new SpecError(problems, source);
  const spec = input as ServiceSpec;
  problems.push(...crossFieldProblems(spec));
  if (problems.length > 0) throw new SpecError(problems, source);

  const user = spec.user ?? spec.name;
  return {
    name: spec.name,
    family: spec.family,
    description: spec.description ?? spec.name,
    command: spec.command,
    interpreter: spec.interpreter,
    args: spec.args ?? [],
    user: user === 'root' ? undefined : user,
    group: spec.group,
    workingDirectory: spec.workingDirectory,
    environment: Object.entries(spec.environment ?? {}),
    environmentFile: spec.environmentFile,
    daemonizes: spec.daemonizes ?? false,
    pidfile: spec.pidfile,
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
    stdoutLog: spec.stdoutLog,
    stderrLog: spec.stderrLog,
    configCheck: spec.configCheck,
    freebsd: { plist: spec.freebsd?.plist ?? 'modern' },
    systemd: {
      hardening: spec.systemd?.hardening ?? 'default',
      bindPrivilegedPorts: spec.systemd?.bindPrivilegedPorts ?? false,
    },
  };
}

function crossFieldProblems(spec: ServiceSpec): Problem[] {
  const problems: Problem[] = [];
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

/** Linux's PATH_MAX and NAME_MAX (limits.h): longer paths or names fail every system call (ENAMETOOLONG), and systemd refuses them. */
const PATH_MAX_BYTES = 4095;
const NAME_MAX_BYTES = 255;

function pathLengthProblem(value: string): string | undefined {
  const bytes = Buffer.byteLength(value);
  const longest = Math.max(...value.split('/').map((part) => Buffer.byteLength(part)));
  if (bytes <= PATH_MAX_BYTES && longest <= NAME_MAX_BYTES) return undefined;
  return `is too long (${bytes} bytes, the longest name in it ${longest}): no system call takes it; expected a path of at most ${PATH_MAX_BYTES} bytes (PATH_MAX) with names of at most ${NAME_MAX_BYTES} bytes (NAME_MAX)`;
}

function signalName(signal: string): string {
  return signal.replace(/^SIG/, '');
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
