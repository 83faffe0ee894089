import { UserError } from '../errors.js';
import { octal } from '../files.js';
import { WriteAborted, writePlanned, type PlannedFile } from '../write.js';

/** How a file is shown: a path relative to the output directory, or an absolute one. */
export type Show = (p: PlannedFile) => string;

const ACTION = { new: 'create', same: 'unchanged', changed: 'update' } as const;
const DONE = { new: 'created', same: 'unchanged', changed: 'updated' } as const;

function link(p: PlannedFile): string {
  return p.file.linkTarget !== undefined ? ` -> ${p.file.linkTarget}` : '';
}

/** `create     0755 openrc/init.d/restas`, one line per file, for --dry-run. */
export function planLines(planned: readonly PlannedFile[], show: Show, force: boolean): string {
  return planned
    .map((p) => {
      const action = p.blocker ? 'blocked' : ACTION[p.state];
      const note = p.blocker ? ` (${p.blocker})` : p.state === 'changed' && !force ? ' (differs from what is on disk: needs --force)' : '';
      return `${action.padEnd(10)} ${octal(p.file.mode)} ${show(p)}${link(p)}${note}\n`;
    })
    .join('');
}

/** `created   openrc/init.d/restas`, one line per file, after writing. */
export function doneLines(planned: readonly PlannedFile[], show: Show): string {
  return planned.map((p) => `${DONE[p.state].padEnd(9)} ${show(p)}${link(p)}\n`).join('');
}

/** Files that differ from what is on disk (and may only be replaced with --force), and files that cannot be written at all. */
export function obstacles(planned: readonly PlannedFile[]) {
  return {
    conflicts: planned.filter((p) => p.state === 'changed' && !p.blocker),
    blocked: planned.filter((p) => p.blocker),
  };
}

/** `hint` says how to overwrite them: --force by default (the wizard asks instead). */
export function conflictMessage(where: string, conflicts: readonly PlannedFile[], show: Show, dryRun = false, hint = 'Use --force to overwrite them.'): string {
  const list = conflicts.map((c) => `  ${show(c)}`).join('\n');
  return `${where} has files that differ from the generated ones; ${dryRun ? 'a real run would write nothing' : 'nothing was written'}:\n${list}\n${hint}`;
}

export function blockedMessage(blocked: readonly PlannedFile[]): string {
  return `cannot write, even with --force; nothing was written:\n${blocked.map((b) => `  ${b.blocker}`).join('\n')}`;
}

/**
 * Git-style diff of what is on disk against what would be written, under
 * `path` (relative to the output directory, so `git apply` or `patch -p1`
 * there applies it), with the mode in the headers.
 */
export async function planDiff(p: PlannedFile, path: string): Promise<string> {
  const { unifiedDiff } = await import('../diff.js');
  const gitMode = (mode: number, isLink: boolean) => (isLink ? '120000' : `100${octal(mode).slice(1)}`);
  const newIsLink = p.file.linkTarget !== undefined;
  const newText = newIsLink ? p.file.linkTarget : p.file.content ?? '';
  if (p.state === 'same') return '';
  if (p.state === 'new') {
    return `diff --git a/${path} b/${path}\nnew file mode ${gitMode(p.file.mode, newIsLink)}\n${unifiedDiff(undefined, newText, path)}`;
  }
  if (p.currentKind !== 'file' && p.currentKind !== 'symlink') {
    return `# ${path}: on disk ${p.current ?? 'something else'}; cannot be shown as a diff\n`;
  }
  const oldIsLink = p.currentKind === 'symlink';
  const oldText = oldIsLink ? (p.current ?? '').slice('-> '.length) : p.current ?? '';
  let out = `diff --git a/${path} b/${path}\n`;
  const oldMode = gitMode(p.currentMode ?? 0o644, oldIsLink);
  const newMode = gitMode(p.file.mode, newIsLink);
  if (oldMode !== newMode) out += `old mode ${oldMode}\nnew mode ${newMode}\n`;
  return out + unifiedDiff(oldText, newText, path);
}

/**
 * Writes the plan; SIGINT or SIGTERM before the first rename leaves the tree
 * as it was. Returns false when interrupted that way. Being refused by the
 * file system (no permission, read-only) is a UserError (exit 1) that says
 * `denied`: nothing was written, and what to do.
 */
export async function writeInterruptibly(planned: readonly PlannedFile[], denied = 'nothing was written'): Promise<boolean> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(new Error(`interrupted by ${signal}`));
  };
  // `on`, not `once`: a second Ctrl-C must not kill the run half-way through its cleanup.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await writePlanned(planned, { signal: controller.signal });
    return true;
  } catch (error) {
    if (error instanceof WriteAborted) return false;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UserError(`${(error as Error).message}\n${denied}`, 1);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
