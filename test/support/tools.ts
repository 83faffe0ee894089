import { execFileSync } from 'node:child_process';
import { describe, test } from 'vitest';

/** CI set (CI=true, as CI services set it; CI=1 too) turns a missing platform tool into a failure instead of a skip. */
export const IN_CI = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase());

export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$1"`, 'sh', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` when every tool is installed. Otherwise, on a developer's
 * machine the block is skipped with a visible note; under CI=true a failing
 * test takes its place, so a missing tool can never pass silently.
 */
export function describeWithTools(tools: string[], extra: { ok: boolean; why: string } = { ok: true, why: '' }) {
  const missing = tools.filter((t) => !hasTool(t));
  if (!extra.ok) missing.push(extra.why);
  if (missing.length === 0) return describe;
  const reason = `missing: ${missing.join(', ')}`;
  if (IN_CI) {
    test(`platform tools are present (${reason})`, () => {
      throw new Error(`CI is set and ${reason}; .ci/run installs them (apt-get install openrc shellcheck dash systemd gcc patch tmux util-linux, as root)`);
    });
  } else {
    process.stderr.write(`\n[skip] ${reason}: install them to run these checks\n`);
  }
  return describe.skip;
}
