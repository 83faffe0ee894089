import type { RealTarget } from './beds.js';
import type { RealExample } from './examples.js';

/** "redis × openrc", "lisp-site/alpha × systemd". */
export function cellName(example: RealExample, member: string, target: RealTarget): string {
  return `${example.members.length > 1 ? `${example.name}/${member}` : example.name} × ${target}`;
}

/**
 * Cells known to fail today, each with the issue that must fix it, the
 * reason observed, and how the failure reads (`fails`). A listed cell must
 * fail in exactly that way: once its issue lands it passes, the suite fails,
 * and its line goes; a failure of another kind is a failure too. Example:
 *
 *   'redis × systemd': { reason: 'issue 16: /var/lib/redis is read-only', fails: /SAVE: .*-ERR/ },
 */
export const EXPECTED_FAILURES: Record<string, { reason: string; fails: RegExp }> = {};
