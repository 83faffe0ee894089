import { writeSync } from 'node:fs';
import { UserError } from './errors.js';
import { GENERATE_HELP, generateCommand } from './commands/generate.js';
import type { Command, Io } from './commands/io.js';

export type { Io } from './commands/io.js';

/** Set by scripts/build.js from package.json. */
declare const __VERSION__: string | undefined;

interface Loaded {
  command: Command;
  help: string;
}

/**
 * Every command, by name. A new command is a module in commands/ and one line
 * here. Modules load only when their command runs (or for --help), except
 * generate's: generate never loads the wizard's prompt library, and the
 * wizard never loads the template engine.
 */
const COMMANDS: readonly { name: string; load(): Promise<Loaded> }[] = [
  // The hot path (npx, CI loops) is loaded with the CLI: one module graph to load, not two in turn.
  { name: 'generate', load: async () => ({ command: generateCommand, help: GENERATE_HELP }) },
  { name: 'init', load: async () => import('./commands/init.js').then((m) => ({ command: m.initCommand, help: m.INIT_HELP })) },
  { name: 'wizard', load: async () => import('./commands/wizard.js').then((m) => ({ command: m.wizardCommand, help: m.WIZARD_HELP })) },
  { name: 'lint', load: async () => import('./commands/lint.js').then((m) => ({ command: m.lintCommand, help: m.LINT_HELP })) },
  { name: 'verify', load: async () => import('./commands/verify.js').then((m) => ({ command: m.verifyCommand, help: m.VERIFY_HELP })) },
  { name: 'install', load: async () => import('./commands/install.js').then((m) => ({ command: m.installCommand, help: m.INSTALL_HELP })) },
  { name: 'uninstall', load: async () => import('./commands/uninstall.js').then((m) => ({ command: m.uninstallCommand, help: m.UNINSTALL_HELP })) },
  { name: 'import', load: async () => import('./commands/import.js').then((m) => ({ command: m.importCommand, help: m.IMPORT_HELP })) },
];

/** The overview `--help` prints: what the tool is, its commands, where each one's options are. */
export async function usage(): Promise<string> {
  const loaded = await Promise.all(COMMANDS.map((c) => c.load()));
  return `init-service: one service description in; OpenRC, FreeBSD rc.d and systemd files out.

Usage: init-service <command> [options]
       init-service                 on a terminal: the wizard asks, then writes

Commands:
${loaded.map(({ command }) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

Targets (--target): openrc, rcd, systemd (the default three), and gentoo:
the OpenRC files laid out for an overlay, for packagers.

Try:
  init-service generate --example homesite --out ./out

init-service help COMMAND    a command's options (or: init-service COMMAND --help)
--version, --debug           the version; stack traces of unexpected errors
Exit status: 0 success; 1 refused or failed; 2 invalid description or usage;
130 cancelled. Nothing is written unless the command succeeds.`;
}

/**
 * Writes straight to the file descriptor: touching process.stdout or
 * process.stdin builds stream objects (and loads net, tty and the streams
 * stack), a few milliseconds of every run that only prints a few lines.
 * `init-service generate --check | head`: a closed pipe drops the rest of
 * the output, and the exit status stays that of the command.
 */
function writeAll(fd: number, text: string): void {
  let data = Buffer.from(text, 'utf8');
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(fd, data));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw error;
    }
  }
}

const defaultIo = (): Io => ({
  stdout: (t) => writeAll(1, t),
  stderr: (t) => writeAll(2, t),
  cwd: process.cwd(),
  // Read only when asked (the wizard's dispatch): isTTY builds the streams.
  get interactive() {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY);
  },
});

/** Runs the CLI in-process; returns the exit status instead of exiting. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    // By name, not instanceof: the commands other than generate are loaded
    // from the ES module build, which has its own copy of these classes.
    const { name, message } = error as Error;
    if (name === 'SpecError') {
      io.stderr(`${message}\n`);
      return 2;
    }
    if (name === 'UserError') {
      io.stderr(`init-service: ${message}\n`);
      return (error as UserError).exitCode;
    }
    io.stderr(`init-service: ${(error as Error).message}\n`);
    if (argv.includes('--debug') || process.env.DEBUG) io.stderr(`${(error as Error).stack}\n`);
    else io.stderr('(run with --debug for details)\n');
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
    if (topic !== undefined) return run(topic, ['--help'], io);
    io.stdout(`${await usage()}\n`);
    return 0;
  }
  if (name === '--version') {
    io.stdout(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'development'}\n`);
    return 0;
  }
  // No command word: the wizard, which needs a terminal unless --yes says to ask nothing.
  if (name === undefined || name.startsWith('-')) {
    if (name === undefined && !io.interactive) {
      io.stderr(`${await usage()}\n\ninit-service: no terminal to ask questions on (standard input or output is not one), so this help instead of the wizard\n`);
      return 2;
    }
    return run('wizard', argv, io);
  }
  return run(name, rest, io);
}

async function run(name: string, args: readonly string[], io: Io): Promise<number> {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new UserError(`unknown command "${name}"; run init-service --help`, 2);
  const { command, help } = await entry.load();
  // Every command's -h/--help, here once (before `--`, after which words are the command's).
  const end = args.indexOf('--');
  if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '-h' || a === '--help')) {
    io.stdout(`${help}\n`);
    return 0;
  }
  return command.run(args, io);
}
