import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const DEBUG = { debug: { type: 'boolean' } } as const;

type Config<O extends Options, P extends boolean> = { args: string[]; options: O; strict: true; allowPositionals: P };

/**
 * node:util parseArgs, strict, with a usage error (exit 2) that says where
 * the help is: `--frobnicate` gets "Unknown option ...; run init-service
 * generate --help". Every command takes --debug, which src/cli.ts reads.
 */
export function parseCommandArgs<const O extends Options, const P extends boolean>(
  helpCommand: string,
  args: readonly string[],
  options: O,
  allowPositionals: P,
): ReturnType<typeof parseArgs<Config<O, P>>> {
  try {
    return parseArgs({ args: [...args], options: { ...options, ...DEBUG }, strict: true, allowPositionals }) as ReturnType<typeof parseArgs<Config<O, P>>>;
  } catch (error) {
    throw new UserError(`${(error as Error).message}; run ${helpCommand} --help`, 2);
  }
}
