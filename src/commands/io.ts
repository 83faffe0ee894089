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

/** Where generate (and the wizard) write without --out: ./<name>-init. */
export function defaultOutDir(name: string): string {
  return `${name}-init`;
}
