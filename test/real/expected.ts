import type { RealTarget } from './beds.js';
import type { RealExample } from './examples.js';

/** "redis × openrc", "lisp-site/alpha × systemd". */
export function cellName(example: RealExample, member: string, target: RealTarget): string {
  return `${example.members.length > 1 ? `${example.name}/${member}` : example.name} × ${target}`;
}

/**
 * Cells known to fail today, each with the issue that must fix it and the
 * reason observed. A listed cell must fail (test.fails): once its issue
 * lands, the cell passes, the suite fails, and its line goes.
 */
export const EXPECTED_FAILURES: Record<string, string> = {
};
