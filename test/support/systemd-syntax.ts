/**
 * An independent reading of unit file values, written from the man pages
 * (systemd.syntax(7) "QUOTING", systemd.service(5) "COMMAND LINES",
 * systemd.unit(5) "SPECIFIERS", systemd.exec(5) Environment=), to check the
 * escapers against the documented rules rather than against themselves.
 * It is stricter than systemd: whatever systemd would expand, warn about or
 * read differently throws, so a value that passes is the value the program
 * gets.
 */

const WHITESPACE = ' \t\n\r';
const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };

/** The C escape at `text[i]` (a backslash): [bytes, length]; unknown escapes throw (systemd warns). */
function cEscape(text: string, i: number): [number[], number] {
  const e = text[i + 1];
  if (e === undefined) throw new Error('a trailing backslash would join the next line');
  const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];
  if (e in SIMPLE_ESCAPES) return [utf8(SIMPLE_ESCAPES[e]!), 2];
  const hex = (length: number) => {
    const digits = text.slice(i + 2, i + 2 + length);
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) throw new Error(`bad \\${e} escape`);
    return parseInt(digits, 16);
  };
  if (e === 'x') return [[hex(2)], 4];
  if (e === 'u') return [utf8(String.fromCodePoint(hex(4))), 6];
  if (e === 'U') return [utf8(String.fromCodePoint(hex(8))), 10];
  if (/[0-7]/.test(e)) {
    const digits = text.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new Error('bad octal escape');
    return [[parseInt(digits, 8)], 4];
  }
  throw new Error(`unknown escape \\${e}`);
}

/** systemd's unichar_is_valid(): no noncharacters (U+FDD0..U+FDEF, U+xxFFFE/F) raw in a unit file. */
function UTF8_CLEAN(char: string): boolean {
  const code = char.codePointAt(0)!;
  return !((code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe);
}

export interface Word {
  text: string;
  quoted: boolean;
}

/** Splits and unquotes a value the way QUOTING describes: whole-word quotes, C escapes everywhere. */
export function unquote(value: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < value.length) {
    if (WHITESPACE.includes(value[i]!)) {
      i++;
      continue;
    }
    const quote = value[i] === '"' || value[i] === "'" ? value[i] : undefined;
    const bytes: number[] = [];
    if (quote) i++;
    for (;;) {
      const c = value[i];
      if (c === undefined) {
        if (quote) throw new Error('unterminated quote');
        break;
      }
      if (quote && c === quote) {
        i++;
        if (i < value.length && !WHITESPACE.includes(value[i]!)) throw new Error('a closing quote must be followed by white space');
        break;
      }
      if (!quote && WHITESPACE.includes(c)) break;
      if (!quote && (c === '"' || c === "'")) throw new Error('a quote inside an unquoted word');
      if (c === '\\') {
        const [escaped, length] = cEscape(value, i);
        bytes.push(...escaped);
        i += length;
        continue;
      }
      if (c < ' ' || c === '\x7f') throw new Error(`raw control character U+${c.charCodeAt(0).toString(16)}`);
      const char = String.fromCodePoint(value.codePointAt(i)!);
      if (!UTF8_CLEAN(char)) throw new Error(`raw noncharacter ${JSON.stringify(char)}: the line is not UTF-8 clean`);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
    }
    words.push({ text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes)), quoted: quote !== undefined });
  }
  return words;
}

/** systemd.unit(5) SPECIFIERS: "%%" is "%"; any other % would be expanded, so it throws. */
export function unspecify(text: string): string {
  return text.replace(/%(.?)/gs, (_, next: string) => {
    if (next === '%') return '%';
    throw new Error(`%${next} would be expanded as a specifier`);
  });
}

/** systemd.service(5): "$$" is "$"; $NAME and ${NAME} would be expanded, so any other $ throws. */
export function undollar(text: string): string {
  return text.replace(/\$(.?)/gs, (_, next: string) => {
    if (next === '$') return '$';
    throw new Error(`$${next} would be expanded as a variable`);
  });
}

/**
 * The argv of an Exec*= value: one command line, program first. Of the
 * prefixes before the program only ":" (no variable expansion) is expected;
 * the program path itself is never variable-expanded, so a "$" in it needs ":".
 */
export function execArgv(value: string): string[] {
  const words = unquote(value);
  if (words.length === 0) throw new Error('no command');
  const prefix = /^[-@:+!]*/.exec(words[0]!.text)![0];
  if (prefix !== '' && prefix !== ':') throw new Error(`unexpected Exec prefix ${prefix}`);
  const expanding = prefix === '';
  words[0] = { ...words[0]!, text: words[0]!.text.slice(prefix.length) };
  if (expanding && words[0].text.includes('$')) throw new Error('the program path is executed as written: "$$" would stay "$$"');
  return words.map((word, i) => {
    if (!word.quoted && word.text === ';' && i > 0) throw new Error('an unquoted ";" separates commands');
    const text = unspecify(word.text);
    return expanding ? undollar(text) : text;
  });
}

/** The NAME=value pairs of an Environment= value. */
export function environmentAssignments(value: string): Array<[string, string]> {
  return unquote(value).map(({ text }) => {
    const assignment = unspecify(text);
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new Error(`not an assignment: ${assignment}`);
    return [assignment.slice(0, eq), assignment.slice(eq + 1)];
  });
}

/** A rest-of-line setting (Description=, WorkingDirectory=): systemd trims it and expands specifiers. */
export function lineValue(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error('a control character in a line');
  if (![...value].every(UTF8_CLEAN)) throw new Error('a noncharacter: the line is not UTF-8 clean');
  if (value.endsWith('\\')) throw new Error('a trailing backslash would join the next line');
  return unspecify(value.trim());
}
