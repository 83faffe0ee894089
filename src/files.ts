/** One file of the output, in memory: what `generate` returns and `write` puts on disk. */
export interface GeneratedFile {
  /** Relative POSIX path inside the output directory, such as `openrc/init.d/restas`. */
  path: string;
  /** Permission bits: 0o755 for scripts, 0o644 for the rest, 0o777 for links. */
  mode: number;
  /** File content (UTF-8, LF line ends); absent for a symbolic link. */
  content?: string;
  /** Target of a relative symbolic link, such as `restas`. */
  linkTarget?: string;
}

export const SCRIPT_MODE = 0o755;
export const DATA_MODE = 0o644;
export const LINK_MODE = 0o777;

/** A mode as people write it: `0755`. */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
