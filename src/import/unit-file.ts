/**
 * A systemd unit file read as systemd.syntax(7) defines it: `[Section]`
 * headers, `Key=value` lines, comments (`#`, `;`) on lines of their own,
 * a backslash at the end of a line joining it to the next with a space
 * (comment lines inside such a continuation are skipped), and drop-ins
 * applied after the unit in file-name order (systemd.unit(5)).
 */

export interface Entry {
  section: string;
  key: string;
  value: string;
  /** Where it was read: `redis-server.service:12`. */
  at: string;
}

/** A unit file that cannot be read as systemd reads it: the place and the reason. */
export class UnitSyntaxError extends Error {
  constructor(readonly at: string, message: string) {
    super(`${at}: ${message}`);
    this.name = 'UnitSyntaxError';
  }
}

/** systemd's LONG_LINE_MAX (src/basic/fileio.h): longer lines are refused. */
const LONG_LINE_MAX = 1024 * 1024;
const KNOWN_SECTIONS = new Set(['Unit', 'Service', 'Install']);

/** The entries of one file, in order. */
export function parseUnitFile(text: string, file: string): Entry[] {
  if (text.includes('\0')) throw new UnitSyntaxError(`${file}:${text.slice(0, text.indexOf('\0')).split('\n').length}`, 'a NUL byte: a unit file is text');
  const entries: Entry[] = [];
  const lines = text.split(/\r?\n/);
  let section: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    // Continuations: "\" at the end joins the next line, with a space.
    while (/\\$/.test(line) && !isComment(line) && i + 1 < lines.length) {
      i++;
      if (isComment(lines[i]!)) {
        line = `${line.slice(0, -1)}\\`;
        continue;
      }
      line = `${line.slice(0, -1)} ${lines[i]!}`;
    }
    if (line.length > LONG_LINE_MAX) throw new UnitSyntaxError(`${file}:${start}`, `a line of ${line.length} characters; systemd reads at most ${LONG_LINE_MAX}`);
    const trimmed = line.trim();
    if (trimmed === '' || isComment(trimmed)) continue;
    const header = /^\[([^\]]*)\]$/.exec(trimmed);
    if (header) {
      section = header[1]!;
      if (!KNOWN_SECTIONS.has(section) && !section.startsWith('X-')) {
        throw new UnitSyntaxError(`${file}:${start}`, `unknown section [${section}]; a service unit has [Unit], [Service] and [Install] (and X- sections, which are ignored)`);
      }
      continue;
    }
    if (section === undefined) throw new UnitSyntaxError(`${file}:${start}`, `"${trimmed.slice(0, 40)}" comes before any [Section] header`);
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new UnitSyntaxError(`${file}:${start}`, `"${trimmed.slice(0, 40)}" is not a Key=value line`);
    if (section.startsWith('X-')) continue;
    entries.push({ section, key: trimmed.slice(0, eq).trim(), value: trimmed.slice(eq + 1).trim(), at: `${file}:${start}` });
  }
  return entries;
}

function isComment(line: string): boolean {
  return /^\s*[#;]/.test(line);
}
