import { quoteForMessage, type Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';

/** A path every shell reads the same quoted or not: safe where OpenRC or rc.subr split or `eval` it. */
const PLAIN_PATH = /^\/[A-Za-z0-9_@%+=:,./-]*$/;

export type PathField = 'command' | 'workingDirectory' | 'environmentFile' | 'pidfile' | 'stdoutLog' | 'stderrLog';
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

/** The seed launcher's command set, with how each target offers it. */
export interface CommandHelp {
  name: string;
  how: string;
}

/**
 * Wraps prose to `width` columns for comment blocks, at white space; a word
 * longer than the width gets a line of its own. Callers keep the lines of
 * texts that recur for every service (openrc.ts); the rest name a service.
 */
export function wrap(text: string, width = 72): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.match(/\S+/g) ?? []) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
