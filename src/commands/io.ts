import { isAbsolute, relative } from 'node:path';

/** Where a command writes, and the directory relative paths are read from. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Whether standard input and output are a terminal (the wizard needs one). */
  interactive: boolean;
}

/** A CLI command: parses its own arguments, returns its exit status. */
export interface Command {
  name: string;
  summary: string;
  run(args: readonly string[], io: Io): Promise<number>;
}

/** A path as the user should read and type it: relative to where they are when that is shorter. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** `1 file`, `2 files`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Where generate (and the wizard) write without --out: ./<name>-init. */
export function defaultOutDir(name: string): string {
  return `${name}-init`;
}
