import { UserError } from './errors.js';
import { generateCommand, GENERATE_HELP } from './commands/generate.js';
import type { Command, Io } from './commands/io.js';
import { SpecError } from './spec/normalize.js';

export type { Io } from './commands/io.js';

/** Set by scripts/build.js from package.json. */
declare const __VERSION__: string | undefined;

/** Every command, by name. A new command is a module in commands/ and one line here. */
const COMMANDS: readonly Command[] = [generateCommand];

export const USAGE = `Usage: init-service <command> [options]

Turn one service description into init-system files:
  openrc/   Gentoo OpenRC: generic init.d script, instance symlink, conf.d
  gentoo/   the same for an overlay: files/*.initd, files/*.confd, ebuild lines
  rcd/      FreeBSD port: files/<name>.in, pkg-plist, Makefile.snippet
  systemd/  systemd unit, hardened by default

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

${GENERATE_HELP}

Other:
  -h, --help         this help (init-service <command> --help for one command)
  --version          print the version
  --debug            show stack traces of unexpected errors

Exit status: 0 success; 1 refused or failed (nothing written);
2 invalid description or usage (nothing written).

Example:
  init-service generate --example homesite --out ./out`;

const defaultIo = (): Io => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
});

/** Runs the CLI in-process; returns the exit status instead of exiting. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof SpecError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UserError) {
      io.stderr(`init-service: ${error.message}\n`);
      return error.exitCode;
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
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (name === undefined) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  if (name === '--version') {
    io.stdout(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'development'}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UserError(`unknown command "${name}"; run init-service --help`, 2);
  return command.run(rest, io);
}
