/**
 * The service description's JSON Schema: the one source of truth for field
 * names, types and value rules. `validate.ts` interprets it (the subset used
 * here), `npm run build` publishes it as schema/service.schema.json for
 * editors, and the README's field table is checked against it.
 */

export interface JsonSchema {
  type?: 'string' | 'boolean' | 'integer' | 'array' | 'object';
  description?: string;
  pattern?: string;
  enum?: readonly (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxLength?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  oneOf?: readonly JsonSchema[];
  default?: unknown;
  /** What is accepted, in words: appended to every refusal of this value. */
  'x-accepts'?: string;
  /** An object the wizard asks for in one answer rather than field by field. */
  'x-one-question'?: true;
}

const NAME = '^[a-z][a-z0-9_-]{0,63}$';
const ACCOUNT = '^[a-z_][a-z0-9_-]{0,30}$';
/** Absolute, one line, no control characters (C0, DEL). */
const ABSOLUTE_PATH = '^/[^\\u0000-\\u001f\\u007f]*$';
export const SIGNALS = ['HUP', 'INT', 'QUIT', 'ABRT', 'KILL', 'USR1', 'USR2', 'ALRM', 'TERM', 'WINCH'] as const;

const name = (description: string): JsonSchema => ({
  type: 'string',
  pattern: NAME,
  description,
  'x-accepts': 'a lowercase letter, then lowercase letters, digits, "_" or "-"; 64 characters at most',
});
const account = (description: string): JsonSchema => ({
  type: 'string',
  pattern: ACCOUNT,
  description,
  'x-accepts': 'a system account name: lowercase letters, digits, "_" or "-", not starting with a digit or "-"; 31 characters at most',
});
const path = (description: string): JsonSchema => ({
  type: 'string',
  pattern: ABSOLUTE_PATH,
  description,
  'x-accepts': 'an absolute path (starting with "/") on one line, without control characters',
});
/** An absolute path, or one under a declared directory: {state}, {cache}, {logs} or {runtime} first. */
const pathOrDirectory = (description: string): JsonSchema => ({
  type: 'string',
  pattern: '^(?:/|\\{(?:state|cache|logs|runtime)\\}(?:/|$))[^\\u0000-\\u001f\\u007f]*$',
  description,
  'x-accepts': 'an absolute path (starting with "/"), or one starting with {state}, {cache}, {logs} or {runtime}, on one line, without control characters',
});
const signal = (description: string): JsonSchema => ({
  type: 'string',
  pattern: `^(SIG)?(${SIGNALS.join('|')})$`,
  description,
  'x-accepts': `a signal name: ${SIGNALS.join(', ')} (with or without "SIG")`,
});
const limit: JsonSchema = {
  oneOf: [{ type: 'integer', minimum: 0, maximum: 2 ** 53 - 1 }, { type: 'string', enum: ['unlimited'] }],
  'x-accepts': 'a whole number from 0 or "unlimited"',
};
/**
 * A directory name relative to its base (/var/lib, /var/cache, /var/log,
 * /run), as systemd's StateDirectory= takes it: "/"-separated names that
 * neither start with "." nor are "." or "..", {instance} allowed.
 */
const DIRECTORY_SEGMENT = '(?:[A-Za-z0-9_@+-]|\\{instance\\})(?:[A-Za-z0-9._@+-]|\\{instance\\})*';
const directoryList = (base: string): JsonSchema => ({
  type: 'array',
  minItems: 1,
  description: `Directories under ${base}, relative: created before start, owned by the account the program writes as.`,
  items: {
    type: 'string',
    pattern: `^${DIRECTORY_SEGMENT}(?:/${DIRECTORY_SEGMENT})*$`,
    'x-accepts': `a relative path under ${base} such as "redis" or "restas/{instance}": letters, digits, ".", "_", "@", "+", "-", {instance}; no "/" at either end, no name starting with "."`,
  },
});
export const LAUNCHER_COMMANDS = ['kill', 'zap', 'foreground', 'nodaemon'] as const;

const dependencies = (description: string): JsonSchema => ({
  type: 'array',
  description,
  items: {
    type: 'string',
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
    'x-accepts': 'network, syslog, time, localfs, or a service name (letters, digits, "_", "." and "-")',
  },
});

export const SERVICE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/init-service/init-service/schema/service.schema.json',
  title: 'init-service service description',
  type: 'object',
  required: ['name', 'command'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'Path or URL of this schema, for editors.' },
    name: name('Service name. FreeBSD uses it with "-" turned into "_" as file name, PROVIDE and name=.'),
    family: name('Family of services sharing one generic OpenRC script (OpenRC instances are <family>.<name>).'),
    description: {
      type: 'string',
      pattern: '^[^\\u0000-\\u001f\\u007f]*$',
      description: 'One line describing the service.',
      'x-accepts': 'one line of text without control characters',
    },
    command: path('Absolute path of the program.'),
    interpreter: path(
      'Absolute path of the interpreter that runs command when command is a script (the program in its #! line, after /usr/bin/env). FreeBSD rc.subr needs it to find the process (command_interpreter).',
    ),
    args: {
      type: 'array',
      description: 'Arguments; each element reaches the program as exactly one argv entry.',
      items: {
        type: 'string',
        pattern: '^[^\\u0000]*$',
        'x-accepts': 'any text without NUL bytes (a C string cannot carry NUL)',
      },
    },
    user: account('Account the program runs as; default: the service name. "root" runs it as root.'),
    group: account("Group the program runs as; default: the user's primary group."),
    workingDirectory: pathOrDirectory('Directory the program starts in.'),
    environment: {
      type: 'object',
      description: 'Environment variables for the program.',
      propertyNames: {
        type: 'string',
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        'x-accepts': 'a letter or "_", then letters, digits or "_"',
      },
      additionalProperties: {
        type: 'string',
        pattern: '^[^\\u0000]*$',
        'x-accepts': 'any text without NUL bytes',
      },
    },
    environmentFile: path('File of NAME=value lines read into the environment at start.'),
    daemonizes: {
      type: 'boolean',
      default: false,
      description: 'true: the program forks and writes pidfile itself. false: it stays in the foreground.',
    },
    pidfile: pathOrDirectory('Pidfile the program writes itself; required when daemonizes is true, refused otherwise.'),
    restart: {
      type: 'string',
      enum: ['no', 'on-failure', 'always'],
      default: 'on-failure',
      description: 'When the init system restarts the program.',
    },
    reloadSignal: signal('Signal that makes the program reload; adds a reload command everywhere.'),
    stopSignal: signal('Signal that stops the program; default TERM.'),
    stopTimeout: {
      type: 'integer',
      minimum: 1,
      maximum: 86400,
      default: 30,
      description: 'Seconds to wait after stopSignal before SIGKILL.',
      'x-accepts': 'a whole number of seconds from 1 to 86400',
    },
    umask: {
      type: 'string',
      pattern: '^0?[0-7]{3}$',
      description: 'File mode creation mask, as "0027".',
      'x-accepts': 'three or four octal digits as a string, such as "0027"',
    },
    nice: {
      type: 'integer',
      minimum: -20,
      maximum: 19,
      description: 'Scheduling priority, -20 (first) to 19 (last).',
      'x-accepts': 'a whole number from -20 to 19',
    },
    limits: {
      type: 'object',
      description: 'Resource limits: open files, processes, core file size (blocks on FreeBSD, bytes elsewhere: use 0 or "unlimited" for portability).',
      additionalProperties: false,
      properties: { nofile: limit, nproc: limit, core: limit },
    },
    requires: dependencies('Must be up before this service: network, syslog, time, localfs, or other service names.'),
    after: dependencies('Start after these if they are enabled (ordering only).'),
    stdoutLog: pathOrDirectory("File the program's standard output is appended to."),
    stderrLog: pathOrDirectory("File the program's standard error is appended to."),
    directories: {
      type: 'object',
      'x-one-question': true,
      description: 'Directories the program writes, by kind; each kind\'s first is {state}, {cache}, {logs} or {runtime} in args.',
      additionalProperties: false,
      properties: {
        state: directoryList('/var/lib (FreeBSD: /var/db)'),
        cache: directoryList('/var/cache'),
        logs: directoryList('/var/log'),
        runtime: directoryList('/run (FreeBSD: /var/run)'),
      },
    },
    directoriesMode: {
      type: 'string',
      pattern: '^0?[0-7]{3}$',
      default: '0750',
      description: 'Mode of the directories, as "0750".',
      'x-accepts': 'three or four octal digits as a string, such as "0750"',
    },
    configFile: path('Main configuration file: {config} in args and configCheck, required before start, an admin knob where the platform has one.'),
    ready: {
      type: 'string',
      enum: ['started', 'notify'],
      default: 'started',
      description: '"notify": the program tells systemd it is ready (sd_notify); "started": ready once started.',
    },
    switchesUser: {
      type: 'object',
      description: 'The program starts as root and switches to this account itself (nginx, restas-daemon.lisp).',
      required: ['user'],
      additionalProperties: false,
      properties: {
        user: account('Account the program switches to.'),
        group: account("Group it switches to; default: the account's primary group."),
      },
    },
    commands: {
      type: 'array',
      description: 'The origin launcher\'s extra commands, where the init system can carry them: kill, zap, foreground ("nodaemon" is the same).',
      items: {
        type: 'string',
        enum: LAUNCHER_COMMANDS,
      },
    },
    configCheck: {
      type: 'array',
      minItems: 1,
      description: 'Command (argv, first element absolute) that checks the configuration before start, restart and reload.',
      items: {
        type: 'string',
        pattern: '^[^\\u0000]*$',
        'x-accepts': 'any text without NUL bytes',
      },
    },
    freebsd: {
      type: 'object',
      description: 'FreeBSD port options.',
      additionalProperties: false,
      properties: {
        plist: {
          type: 'string',
          enum: ['modern', 'legacy', 'none'],
          default: 'modern',
          description: 'pkg-plist fragment: "modern" stops the service on deinstall (@preunexec ... forcestop), "legacy" writes @stopdaemon for pkg_install and pkg before 1.17, "none" writes no fragment.',
        },
        command: path('The program as the port installs it, when the path mapping guesses wrong.'),
        args: {
          type: 'array',
          description: 'Arguments on FreeBSD, instead of args.',
          items: { type: 'string', pattern: '^[^\\u0000]*$', 'x-accepts': 'any text without NUL bytes' },
        },
        configFile: path('configFile on FreeBSD, instead of the mapped one.'),
        pidfile: pathOrDirectory('pidfile on FreeBSD, instead of the mapped one.'),
      },
    },
    systemd: {
      type: 'object',
      description: 'systemd options.',
      additionalProperties: false,
      properties: {
        hardening: {
          type: 'string',
          enum: ['strict', 'default', 'off'],
          default: 'default',
          description: 'Sandboxing profile of the unit.',
        },
        bindPrivilegedPorts: {
          type: 'boolean',
          default: false,
          description: 'Let the program bind ports below 1024 (CAP_NET_BIND_SERVICE).',
        },
        memoryDenyWriteExecute: {
          type: 'boolean',
          description: 'MemoryDenyWriteExecute=; default: yes, except for JIT runtimes (node, java, sbcl, luajit, pypy, dotnet), which it aborts.',
        },
      },
    },
  },
} as const satisfies JsonSchema & Record<string, unknown>;

export const FIELD_NAMES = Object.keys(SERVICE_SCHEMA.properties).filter((k) => k !== '$schema');
