import { quoteForMessage, type Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';

/** A path every shell reads the same quoted or not: safe where OpenRC or rc.subr split or `eval` it. */
const PLAIN_PATH = /^\/[A-Za-z0-9_@%+=:,./-]*$/;

export type PathField = 'command' | 'workingDirectory' | 'environmentFile' | 'pidfile' | 'stdoutLog' | 'stderrLog' | 'interpreter';
/** The path fields every target reads (interpreter only rc.d uses). */
export const PATH_FIELDS: readonly PathField[] = ['command', 'workingDirectory', 'environmentFile', 'pidfile', 'stdoutLog', 'stderrLog'];

/** Refuses paths with characters a shell would split, glob or expand, where `why` says which shell does. */
export function plainPathProblems(svc: Service, fields: readonly PathField[], why: string): Problem[] {
  return fields.flatMap((field) => {
    const value = svc[field];
    if (value === undefined || PLAIN_PATH.test(value)) return [];
    return [
      {
        path: field,
        message: `${quoteForMessage(value)} cannot be carried: ${why}; expected a path of letters, digits and _ @ % + = : , . / -`,
      },
    ];
  });
}

/** The option letter of each limit: ulimit (OpenRC's rc_ulimit) and FreeBSD's limits(1) use the same ones. */
export const LIMIT_FLAG = { nofile: 'n', nproc: 'u', core: 'c' } as const;

/** The seed launcher's command set, with how each target offers it. */
export interface CommandHelp {
  name: string;
  how: string;
}

/**
 * Wraps prose to `width` columns for comment blocks, at white space (what
 * `\s` matches); a word longer than the width gets a line of its own.
 * Callers keep the lines of texts that recur for every service (openrc.ts);
 * the rest name a service. A line whose words are one space apart in the
 * text is a slice of it: a flat string, where joining would build a new one
 * that each later read must flatten.
 */
export function wrap(text: string, width = 72): string[] {
  const lines: string[] = [];
  // The line being filled: from lineStart to lineEnd in text, `length` columns once joined by single spaces.
  let lineStart = -1;
  let lineEnd = -1;
  let length = 0;
  let contiguous = true;
  const flush = () => {
    if (lineStart < 0) return;
    const slice = text.slice(lineStart, lineEnd);
    lines.push(contiguous ? slice : words(slice).join(' '));
  };
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    const wordLength = i - start;
    if (lineStart >= 0 && length + 1 + wordLength > width) {
      flush();
      lineStart = -1;
    }
    if (lineStart < 0) {
      lineStart = start;
      length = wordLength;
      contiguous = true;
    } else {
      contiguous &&= start === lineEnd + 1 && text.charCodeAt(lineEnd) === 0x20;
      length += 1 + wordLength;
    }
    lineEnd = i;
  }
  flush();
  return lines;
}

function words(text: string): string[] {
  return text.match(/\S+/g) ?? [];
}

/** What `\s` matches: ECMAScript WhiteSpace and LineTerminator. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}
