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
    const unknown = /^Unknown option '(--[^']+)'/.exec((error as Error).message)?.[1];
    const near = unknown && closest(unknown, Object.keys(options).map((o) => `--${o}`));
    const hint = near ? `; did you mean ${near}?` : '';
    throw new UserError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}${hint} (run ${helpCommand} --help)`, 2);
  }
}

/** The option a mistyped one was meant to be: at most two edits away (`--outt`, `--tagret`), or undefined. */
function closest(typed: string, options: readonly string[]): string | undefined {
  const name = typed.split('=')[0]!;
  const scored = options.map((o) => [o, distance(name, o)] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1]);
  return scored[0]?.[0];
}

/** Damerau-Levenshtein (optimal string alignment) distance: a swap of two neighbours is one edit. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
