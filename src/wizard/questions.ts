import { basename } from 'node:path';
import { checkSchema } from '../spec/check-schema.js';
import { normalize } from '../spec/normalize.js';
import { shWord, shWords } from '../escape.js';
import { SIGNALS } from '../spec/schema.js';
import type { TargetId } from '../targets/index.js';
import { DIRECTORY_KINDS } from '../spec/types.js';
import { getField, schemaAt, type Draft } from './draft.js';
import { createGroupCommand, createUserCommand, resolveCommand, type Machine } from './machine.js';
import { splitWords } from './words.js';
import { privatePathWarning } from '../commands/private-paths.js';

/** What a question sees: the machine, the targets chosen, the answers so far. */
export interface Context {
  machine: Machine;
  targets: readonly TargetId[];
  draft: Draft;
}

export type Parsed = { value: unknown } | { error: string };

interface Common {
  /** The field of the service description this question fills (`limits.nofile`). */
  field: string;
  message: string;
  /** Behind the one "advanced settings?" question. */
  advanced?: true;
  /** Asked only when this holds; otherwise the field keeps its value, or is dropped with `dropWhenSkipped`. */
  when?: (ctx: Context) => boolean;
  dropWhenSkipped?: true;
  /** The default offered when the description has no value yet. */
  suggest?: (ctx: Context) => unknown;
  /** Saved even when it repeats the default (the account a service runs as is worth reading in the file). */
  alwaysSaved?: true;
  /** Lines to print once the answer is taken: what the machine says about it. */
  notes?: (value: unknown, ctx: Context) => string[];
}

export interface TextQuestion extends Common {
  kind: 'text';
  /** The typed line to a value; an empty line leaves the field unset. */
  parse(text: string, ctx: Context): Parsed;
  /** A value back to the line that parses to it (defaults, the summary). */
  format(value: unknown): string;
}

export interface ConfirmQuestion extends Common {
  kind: 'confirm';
}

export interface Choice {
  value: string | boolean | undefined;
  name: string;
  description?: string;
}

export interface SelectQuestion extends Common {
  kind: 'select';
  choices: readonly Choice[];
}

export type Question = TextQuestion | ConfirmQuestion | SelectQuestion;

// Parsers and formatters by shape. They only turn text into the JSON value;
// whether the value is acceptable is decided by the schema and the targets.

const unset = (text: string) => text.trim() === '';

const plain = { parse: (text: string): Parsed => ({ value: unset(text) ? undefined : text.trim() }), format: display };

const words = {
  parse(text: string): Parsed {
    if (unset(text)) return { value: undefined };
    const split = splitWords(text);
    return 'error' in split ? split : { value: split.words };
  },
  format: (value: unknown) => (isStrings(value) ? shWords(value) : display(value)),
};

const names = {
  parse: (text: string): Parsed => ({ value: unset(text) ? undefined : text.split(/[\s,]+/).filter(Boolean) }),
  format: (value: unknown) => (isStrings(value) ? value.join(' ') : display(value)),
};

const assignments = {
  parse(text: string): Parsed {
    if (unset(text)) return { value: undefined };
    const split = splitWords(text);
    if ('error' in split) return split;
    const environment: Record<string, string> = {};
    for (const word of split.words) {
      const eq = word.indexOf('=');
      if (eq < 0) return { error: `${JSON.stringify(word)} has no "="; write each variable as NAME=value` };
      environment[word.slice(0, eq)] = word.slice(eq + 1);
    }
    return { value: environment };
  },
  format(value: unknown): string {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return display(value);
    return Object.entries(value).map(([k, v]) => `${k}=${shWord(String(v))}`).join(' ');
  },
};

/** `state=redis logs=redis cache=site/{instance}`: the directories a program writes, by kind; a kind may repeat. */
const directories = {
  parse(text: string): Parsed {
    if (unset(text)) return { value: undefined };
    const split = splitWords(text);
    if ('error' in split) return split;
    const kinds: Record<string, string[]> = {};
    for (const word of split.words) {
      const eq = word.indexOf('=');
      if (eq < 0) return { error: `${JSON.stringify(word)} has no "="; write each directory as KIND=name, KIND one of ${DIRECTORY_KINDS.join(', ')}` };
      (kinds[word.slice(0, eq)] ??= []).push(word.slice(eq + 1));
    }
    return { value: kinds };
  },
  format(value: unknown): string {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return display(value);
    return Object.entries(value).flatMap(([kind, names]) => (isStrings(names) ? names.map((n) => `${kind}=${shWord(n)}`) : [])).join(' ');
  },
};

/** Whole numbers become numbers; anything else stays text for the schema to refuse with its reason. */
const integer = {
  parse(text: string): Parsed {
    const t = text.trim();
    if (t === '') return { value: undefined };
    return { value: /^[+-]?\d+$/.test(t) ? Number(t) : t };
  },
  format: display,
};

function display(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

const ABSTRACT = 'network, syslog, time, localfs';

function text(field: string, message: string, shape: Pick<TextQuestion, 'parse' | 'format'>, extra: Partial<TextQuestion> = {}): TextQuestion {
  return { kind: 'text', field, message, ...shape, ...extra };
}

function enumChoices(field: string, describe: Record<string, string>): Choice[] {
  return (schemaAt(field).enum ?? []).map((v) => ({ value: String(v), name: String(v), description: describe[String(v)] }));
}

const signalChoices = (none?: string): Choice[] => [
  ...(none ? [{ value: undefined, name: none }] : []),
  ...SIGNALS.map((s) => ({ value: s, name: `SIG${s}` })),
];

/** The loud warning for a path in a home directory or a version manager's tree. */
const privateNotes = (field: string, value: unknown): string[] => {
  const warning = typeof value === 'string' ? privatePathWarning(field, value) : undefined;
  return warning ? [`WARNING: ${warning}`] : [];
};

const has = (target: TargetId) => (ctx: Context) => ctx.targets.includes(target);

/** A name the schema accepts, made from the program's file name (`/usr/bin/Redis-Server` → `redis-server`). */
function nameFrom(command: unknown): string | undefined {
  if (typeof command !== 'string') return undefined;
  const candidate = basename(command).toLowerCase().replace(/\.[a-z]+$/, '').replace(/[^a-z0-9_-]+/g, '-');
  return checkSchema(candidate, schemaAt('name')).length === 0 ? candidate : undefined;
}

/**
 * One question per field of the service description, in the order asked:
 * what is required first, then what most services set, then the rest behind
 * "advanced settings?". A test checks that every schema field has one.
 */
export const QUESTIONS: readonly Question[] = [
  text('command', 'Program to run (absolute path, or a command on PATH)', {
    parse(line, ctx) {
      const typed = line.trim();
      if (typed === '') return { value: undefined };
      const found = resolveCommand(ctx.machine, typed);
      if (found === undefined) return { error: `"${typed}" is not on PATH; give the program's absolute path` };
      return { value: found };
    },
    format: display,
  }, {
    notes: (value, ctx) => [
      ...(typeof value === 'string' && !ctx.machine.exists(value) ? [`note: ${value} does not exist on this machine (fine if it is installed later)`] : []),
      ...privateNotes('command', value),
    ],
  }),
  text('name', 'Service name', plain, { suggest: (ctx) => nameFrom(ctx.draft.command) }),
  text('configFile', 'Main configuration file (optional; {config} in the arguments stands for it)', plain, {
    notes: (value, ctx) => [
      ...(typeof value === 'string' && !value.includes('{') && !ctx.machine.exists(value) ? [`note: ${value} does not exist on this machine (fine if it is installed later)`] : []),
      ...privateNotes('configFile', value),
    ],
  }),
  text('args', 'Arguments (quoted as in a shell; nothing is expanded but {config}, {state}, … placeholders)', words),
  text('description', 'One-line description (optional)', plain),
  text('user', 'Run as user ("root" for root)', plain, {
    alwaysSaved: true,
    // A program that switches users itself is started as root.
    suggest: (ctx) => (ctx.draft.switchesUser !== undefined ? 'root' : ctx.draft.name),
    notes(value, ctx) {
      if (typeof value !== 'string' || value === 'root' || ctx.machine.userExists(value) !== false) return [];
      const group = typeof ctx.draft.group === 'string' ? ctx.draft.group : undefined;
      return [`warning: user "${value}" does not exist on this machine; create it with:`, `  ${createUserCommand(ctx.machine.platform, value, group)}`];
    },
  }),
  text('workingDirectory', 'Working directory (optional)', plain, {
    notes(value, ctx) {
      const unreachable = privateNotes('workingDirectory', value);
      if (unreachable.length > 0) return unreachable;
      if (typeof value !== 'string' || ctx.machine.exists(value)) return [];
      const user = typeof ctx.draft.user === 'string' ? ctx.draft.user : ctx.draft.name;
      const owner = user === 'root' || typeof user !== 'string' ? '' : ` -o ${user}`;
      return [`note: ${value} does not exist on this machine; create it with: install -d${owner} ${shWord(value)}`];
    },
  }),
  text('directories', `Directories it writes, as KIND=name words under each kind's base: state=NAME (/var/lib), cache= (/var/cache), logs= (/var/log), runtime= (/run) (optional; {state} … in the arguments stand for the first of each)`, directories),
  { kind: 'confirm', field: 'daemonizes', message: 'Does the program fork into the background and write its own pidfile?' },
  {
    kind: 'select',
    field: 'ready',
    message: 'When is it ready?',
    when: (ctx) => ctx.draft.daemonizes !== true,
    dropWhenSkipped: true,
    choices: enumChoices('ready', {
      started: 'as soon as it has started',
      notify: 'when it says so to systemd (sd_notify, as redis-server --supervised systemd does)',
    }),
  },
  text('pidfile', 'Pidfile the program writes', plain, { when: (ctx) => ctx.draft.daemonizes === true, dropWhenSkipped: true }),
  {
    kind: 'select',
    field: 'restart',
    message: 'Restart the program when it exits?',
    choices: enumChoices('restart', {
      'on-failure': 'when it exits with an error or is killed by a signal',
      always: 'whenever it exits, even cleanly',
      no: 'never; it stays down until started again',
    }),
  },
  { kind: 'select', field: 'reloadSignal', message: 'Signal that makes it reload its configuration', choices: signalChoices('none (no reload command)') },
  text('environment', 'Environment variables, as NAME=value words (optional)', assignments),
  text('requires', `Needs these up first: ${ABSTRACT} or service names (optional)`, names),
  text('after', 'Starts after these, if they are enabled (optional)', names),

  text('group', "Group (optional; default: the user's primary group)", plain, {
    advanced: true,
    notes: (value, ctx) =>
      typeof value === 'string' && ctx.machine.groupExists(value) === false
        ? [`warning: group "${value}" does not exist on this machine; create it with:`, `  ${createGroupCommand(ctx.machine.platform, value)}`]
        : [],
  }),
  text('family', 'Family: services sharing one script or template unit (optional; then {instance} in values stands for this member\'s name)', plain, { advanced: true }),
  text('switchesUser.user', 'Account the program switches to by itself, started as root (optional; nginx, restas-daemon.lisp)', plain, { advanced: true }),
  text('switchesUser.group', "Group it switches to (optional; default: that account's primary group)", plain, { advanced: true, when: (ctx) => getField(ctx.draft, 'switchesUser.user') !== undefined, dropWhenSkipped: true }),
  text('directoriesMode', 'Mode of those directories', plain, { advanced: true, when: (ctx) => ctx.draft.directories !== undefined }),
  text('commands', "The origin launcher's extra commands: kill zap foreground (optional)", names, { advanced: true }),
  text('interpreter', 'Interpreter of a script command, such as /usr/local/bin/python3 (optional; FreeBSD)', plain, { advanced: true, when: has('rcd'), notes: (value) => privateNotes('interpreter', value) }),
  text('environmentFile', 'File of NAME=value lines read at start (optional)', plain, { advanced: true, notes: (value) => privateNotes('environmentFile', value) }),
  text('configCheck', 'Command that checks the configuration before start and reload (optional)', words, { advanced: true }),
  text('stdoutLog', 'File standard output is appended to (optional)', plain, { advanced: true, notes: (value) => privateNotes('stdoutLog', value) }),
  text('stderrLog', 'File standard error is appended to (optional)', plain, { advanced: true, notes: (value) => privateNotes('stderrLog', value) }),
  {
    kind: 'select',
    field: 'stopSignal',
    message: 'Signal that stops it',
    choices: signalChoices(),
    // What normalize() fills in when the field is absent.
    suggest: () => normalize({ name: 'service', command: '/usr/bin/service' }).stopSignal,
    advanced: true,
  },
  text('stopTimeout', 'Seconds to wait after that signal before SIGKILL', integer, { advanced: true }),
  text('umask', 'File mode creation mask, such as 0027 (optional)', plain, { advanced: true }),
  text('nice', 'Nice level, -20 (first) to 19 (last) (optional)', integer, { advanced: true }),
  text('limits.nofile', 'Limit on open files: a number or "unlimited" (optional)', integer, { advanced: true }),
  text('limits.nproc', 'Limit on processes: a number or "unlimited" (optional)', integer, { advanced: true }),
  text('limits.core', 'Limit on core file size: 0 or "unlimited" (optional)', integer, { advanced: true }),
  {
    kind: 'select',
    field: 'systemd.hardening',
    message: 'systemd sandboxing',
    advanced: true,
    when: has('systemd'),
    choices: enumChoices('systemd.hardening', {
      default: 'sandboxed, but JIT runtimes (SBCL, Node, Java) still work',
      strict: 'also MemoryDenyWriteExecute=, PrivateUsers= and UMask=0077 (breaks JIT runtimes)',
      off: 'no sandboxing',
    }),
  },
  {
    kind: 'select',
    field: 'systemd.memoryDenyWriteExecute',
    message: 'systemd MemoryDenyWriteExecute= (no memory both writable and executable)',
    advanced: true,
    when: has('systemd'),
    choices: [
      { value: undefined, name: 'automatic', description: 'yes, except for JIT runtimes (node, java, sbcl, luajit, pypy, dotnet), which it aborts' },
      { value: true, name: 'yes', description: 'even for a JIT runtime (it will abort)' },
      { value: false, name: 'no' },
    ],
  },
  { kind: 'confirm', field: 'systemd.bindPrivilegedPorts', message: 'May it bind ports below 1024 (systemd)?', advanced: true, when: has('systemd') },
  text('freebsd.command', 'FreeBSD: the program as the port installs it, if not the mapped path (optional)', plain, { advanced: true, when: has('rcd') }),
  text('freebsd.args', 'FreeBSD: arguments instead of the ones above (optional)', words, { advanced: true, when: has('rcd') }),
  text('freebsd.configFile', 'FreeBSD: configuration file, if not the mapped path (optional)', plain, { advanced: true, when: has('rcd') }),
  text('freebsd.pidfile', 'FreeBSD: pidfile, if not the mapped path (optional)', plain, { advanced: true, when: has('rcd') }),
  {
    kind: 'select',
    field: 'freebsd.plist',
    message: 'FreeBSD pkg-plist style',
    advanced: true,
    when: has('rcd'),
    choices: enumChoices('freebsd.plist', {
      modern: 'stops the service on deinstall (@preunexec ... forcestop), for current pkg',
      legacy: 'adds @stopdaemon, for pkg_install and pkg before 1.17',
      none: 'no pkg-plist lines: the service keeps running on deinstall',
    }),
  },
];

/** The question that fills `field`. */
export function questionFor(field: string): Question | undefined {
  return QUESTIONS.find((q) => q.field === field);
}

/** The value a question offers as its default: the draft's, else its suggestion. */
export function offered(question: Question, ctx: Context): unknown {
  const current = getField(ctx.draft, question.field);
  return current ?? question.suggest?.(ctx) ?? schemaAt(question.field).default;
}

/** How a value reads in the summary: as it would be typed. */
export function formatValue(question: Question | undefined, value: unknown): string {
  if (question?.kind === 'text') return question.format(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The fields `draft` sets, by question. */
export function fieldsSet(draft: Draft): Set<string> {
  return new Set(QUESTIONS.filter((q) => getField(draft, q.field) !== undefined).map((q) => q.field));
}
