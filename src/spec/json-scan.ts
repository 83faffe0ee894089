/**
 * A strict JSON (RFC 8259) scanner that finds what JSON.parse does not say:
 * where a syntax error is (V8's messages only sometimes give a position) and
 * a key repeated in one object (JSON.parse silently keeps the last one).
 * Iterative, so a deeply nested file cannot overflow the stack.
 */

export type JsonFlaw =
  | { kind: 'syntax'; offset: number; reason: string }
  | { kind: 'duplicate'; offset: number; key: string; firstOffset: number };

type Frame = { keys: Map<string, number> } | { keys?: undefined };
type State = 'value' | 'firstValue' | 'key' | 'firstKey' | 'colon' | 'after';

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ['true', 'false', 'null'];

/** The first syntax error of `text` as JSON, else its first repeated key, else undefined. */
export function jsonFlaw(text: string): JsonFlaw | undefined {
  const stack: Frame[] = [];
  let state: State = 'value';
  let i = 0;
  let duplicate: JsonFlaw | undefined;
  const syntax = (reason: string, at = i): JsonFlaw => ({ kind: 'syntax', offset: at, reason });

  /** Offset just after the string literal starting at `i`, or a flaw. */
  const stringEnd = (): number | JsonFlaw => {
    for (let j = i + 1; ; j++) {
      const c = text.charCodeAt(j);
      if (Number.isNaN(c)) return syntax('a string is not closed', i);
      if (c === 0x22) return j + 1;
      if (c < 0x20) return syntax(`a string contains a raw control character (U+${c.toString(16).padStart(4, '0')}); write it as an escape such as \\n or \\u0009`, j);
      if (c !== 0x5c) continue;
      const e = text[j + 1];
      if (e === 'u') {
        if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(j + 2, j + 6))) return syntax('\\u must be followed by four hexadecimal digits', j);
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
      else {
        const escape = e === undefined ? 'a lone \\' : /^[!-~]$/.test(e) ? `\\${e}` : `\\ then ${show(j + 1)}`;
        return syntax(`${escape} is not a JSON escape; expected one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`, j);
      }
    }
  };

  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    const c = text[i];
    const top = stack[stack.length - 1];
    if (state === 'value' || state === 'firstValue') {
      if (state === 'firstValue' && c === ']') {
        stack.pop();
        i++;
        state = 'after';
      } else if (c === '{') {
        stack.push({ keys: new Map() });
        i++;
        state = 'firstKey';
      } else if (c === '[') {
        stack.push({});
        i++;
        state = 'firstValue';
      } else if (c === '"') {
        const end = stringEnd();
        if (typeof end !== 'number') return end;
        i = end;
        state = 'after';
      } else {
        NUMBER.lastIndex = i;
        const literal = LITERALS.find((word) => text.startsWith(word, i));
        if (literal) i += literal.length;
        else if (NUMBER.test(text)) i = NUMBER.lastIndex;
        else return syntax(c === undefined ? 'the text ends where a value should be' : `unexpected ${show(i)} where a value should be`);
        state = 'after';
      }
    } else if (state === 'key' || state === 'firstKey') {
      if (state === 'firstKey' && c === '}') {
        stack.pop();
        i++;
        state = 'after';
        continue;
      }
      if (c !== '"') return syntax(c === undefined ? 'the text ends where a key should be' : `unexpected ${show(i)} where a key in double quotes should be`);
      const end = stringEnd();
      if (typeof end !== 'number') return end;
      const key = JSON.parse(text.slice(i, end)) as string;
      const keys = top!.keys!;
      const first = keys.get(key);
      // Remembered, not returned: a syntax error later in the text comes first.
      if (first !== undefined) duplicate ??= { kind: 'duplicate', offset: i, key, firstOffset: first };
      else keys.set(key, i);
      i = end;
      state = 'colon';
    } else if (state === 'colon') {
      if (c !== ':') return syntax(c === undefined ? 'the text ends where ":" should be' : `unexpected ${show(i)} where ":" should follow the key`);
      i++;
      state = 'value';
    } else {
      if (top === undefined) return c === undefined ? duplicate : syntax(`unexpected ${show(i)} after the end of the JSON value`);
      const close = top.keys ? '}' : ']';
      if (c === ',') {
        i++;
        state = top.keys ? 'key' : 'value';
      } else if (c === close) {
        stack.pop();
        i++;
      } else {
        return syntax(c === undefined ? `the text ends where "," or "${close}" should be` : `unexpected ${show(i)} where "," or "${close}" should be`);
      }
    }
  }

  /** The character at `at` for a message: JSON-quoted, so that control characters show as escapes. */
  function show(at: number): string {
    return JSON.stringify(String.fromCodePoint(text.codePointAt(at)!));
  }
}
