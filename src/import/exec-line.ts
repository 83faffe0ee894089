/**
 * ExecStart= and its siblings read as systemd.service(5) "COMMAND LINES"
 * says: prefixes, then words split and unquoted as systemd.syntax(7)
 * "QUOTING" says (quotes may start anywhere in a word, C escapes in and out
 * of them), specifiers (systemd.unit(5) "SPECIFIERS") and `$NAME`/`${NAME}`
 * environment references (the latter two kept as pieces for the caller).
 */

/** A variable: `${NAME}` is one argument whatever it holds, `$NAME` alone as a word splits at white space. */
export type Piece = { text: string } | { specifier: string } | { variable: string; braced?: true };
export type ExecWord = Piece[];

export interface ExecLine {
  /** Any of "-", "@", ":", "+", "!", "!!" in front of the program. */
  prefixes: string;
  words: ExecWord[];
}

export class ExecSyntaxError extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };
const WHITESPACE = ' \t\n\r';

export function parseExecLine(value: string): ExecLine {
  const prefix = /^[-@:+!]*/.exec(value)![0];
  const words: ExecWord[] = [];
  let i = prefix.length;
  while (i < value.length) {
    while (i < value.length && WHITESPACE.includes(value[i]!)) i++;
    if (i >= value.length) break;
    const word: Piece[] = [];
    const text = (t: string) => {
      const last = word[word.length - 1];
      if (last && 'text' in last) last.text += t;
      else word.push({ text: t });
    };
    let quote: string | undefined;
    for (;;) {
      const c = value[i];
      if (c === undefined) {
        if (quote) throw new ExecSyntaxError(`a ${quote} quote is not closed`);
        break;
      }
      if (!quote && WHITESPACE.includes(c)) break;
      if (quote ? c === quote : c === '"' || c === "'") {
        quote = quote ? undefined : c;
        i++;
        continue;
      }
      if (c === '\\') {
        const [t, length] = cEscape(value, i);
        text(t);
        i += length;
        continue;
      }
      if (c === '%') {
        const s = value[i + 1];
        if (s === undefined) throw new ExecSyntaxError('a lone "%" at the end: write "%%" for a percent sign');
        if (s === '%') text('%');
        else word.push({ specifier: s });
        i += 2;
        continue;
      }
      if (c === '$') {
        if (value[i + 1] === '$') {
          text('$');
          i += 2;
          continue;
        }
        const curly = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(value.slice(i));
        const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(value.slice(i));
        const ref = curly ?? bare;
        if (ref) {
          word.push(curly ? { variable: ref[1]!, braced: true } : { variable: ref[1]! });
          i += ref[0].length;
          continue;
        }
      }
      text(c);
      i++;
    }
    words.push(word);
  }
  return { prefixes: prefix, words };
}

function cEscape(text: string, i: number): [string, number] {
  const e = text[i + 1];
  if (e === undefined) throw new ExecSyntaxError('a backslash at the end of the line');
  if (e in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[e]!, 2];
  const hex = (length: number) => {
    const digits = text.slice(i + 2, i + 2 + length);
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) throw new ExecSyntaxError(`a bad \\${e} escape`);
    return parseInt(digits, 16);
  };
  // A byte escape above 0x7f is half a UTF-8 character: refused rather than guessed.
  const byte = (b: number, length: number): [string, number] => {
    if (b > 0x7f) throw new ExecSyntaxError(`the byte escape \\${text.slice(i + 1, i + length)} is part of a multi-byte character; write the character itself`);
    return [String.fromCharCode(b), length];
  };
  if (e === 'x') return byte(hex(2), 4);
  if (e === 'u') return [String.fromCodePoint(hex(4)), 6];
  if (e === 'U') return [String.fromCodePoint(hex(8)), 10];
  if (/[0-7]/.test(e)) {
    const digits = text.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new ExecSyntaxError('a bad octal escape');
    return byte(parseInt(digits, 8), 4);
  }
  throw new ExecSyntaxError(`an unknown escape \\${e}`);
}
