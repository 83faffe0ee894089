import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, readFile, readlink, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GeneratedFile } from './files.js';

export type FileState = 'new' | 'same' | 'changed';

export interface PlannedFile {
  file: GeneratedFile;
  /** Absolute path on disk. */
  dest: string;
  state: FileState;
  /** What is on disk now, for diffs: text, `-> target` for a link, undefined when missing. */
  current?: string;
  /** Permission bits of what is on disk now (undefined when missing). */
  currentMode?: number;
  /** What kind of thing is on disk now (undefined when missing). */
  currentKind?: 'file' | 'symlink' | 'directory' | 'other';
  /** Why this file cannot be written even with --force (a directory in the way, ...). */
  blocker?: string;
}

/**
 * Temporary and backup files start with a dot, so that a run killed with
 * SIGKILL leaves nothing that the init systems pick up: OpenRC and rcorder(8)
 * glob `*` (no dot files), systemd only loads names ending in a unit suffix.
 */
const TEMP_SUFFIX = '.init-service.tmp';
const BACKUP_SUFFIX = '.init-service.old';
export const LEFTOVER = /^\.[0-9a-f]{12}\.init-service\.(tmp|old)$/;

/** Compares each file with what is on disk; reads only. */
export async function plan(files: readonly GeneratedFile[], outDir: string): Promise<PlannedFile[]> {
  const parents = new Map<string, Promise<string | undefined>>();
  const parentBlocker = (dir: string): Promise<string | undefined> => {
    let known = parents.get(dir);
    if (!known) {
      known = stat(dir).then(
        (s) => (s.isDirectory() ? undefined : `${dir} is not a directory`),
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') return `${dir}: ${error.code ?? error.message}`;
          const up = dirname(dir);
          return up === dir ? undefined : parentBlocker(up);
        },
      );
      parents.set(dir, known);
    }
    return known;
  };

  return Promise.all(
    files.map(async (file): Promise<PlannedFile> => {
      const dest = join(outDir, file.path);
      const blocker = await parentBlocker(dirname(dest));
      if (blocker) return { file, dest, state: 'new', blocker };
      const onDisk = await lstat(dest).catch(() => undefined);
      if (!onDisk) return { file, dest, state: 'new' };
      const currentMode = onDisk.mode & 0o777;
      if (onDisk.isSymbolicLink()) {
        const target = await readlink(dest);
        const same = file.linkTarget === target;
        return { file, dest, state: same ? 'same' : 'changed', current: `-> ${target}`, currentMode, currentKind: 'symlink' };
      }
      if (onDisk.isDirectory()) {
        return { file, dest, state: 'changed', current: '(a directory)', currentMode, currentKind: 'directory', blocker: `${dest} is a directory` };
      }
      if (!onDisk.isFile()) return { file, dest, state: 'changed', current: '(not a regular file)', currentMode, currentKind: 'other' };
      const current = await readFile(dest, 'utf8');
      const same = file.linkTarget === undefined && file.content === current && currentMode === file.mode;
      return { file, dest, state: same ? 'same' : 'changed', current, currentMode, currentKind: 'file' };
    }),
  );
}

export interface WriteOptions {
  /**
   * Aborting before the first file is renamed into place removes every
   * temporary file and leaves the tree as it was; once renaming has begun
   * the run completes (it is a few rename(2) calls).
   */
  signal?: AbortSignal;
}

/** Thrown when the write was given up before any file changed; the tree is as it was. */
export class WriteAborted extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : 'interrupted');
    this.name = 'WriteAborted';
  }
}

interface Step {
  planned: PlannedFile;
  temp: string;
  backup?: string;
}

/**
 * Writes every file that is new or changed, so that a failed or interrupted
 * run leaves each file old or new, never a part of one:
 *
 * 1. stage: each file is written completely to a temporary file in its own
 *    directory (same file system, so the rename below is atomic), and each
 *    file about to be replaced gets a hard link as a backup;
 * 2. commit: rename(2) each temporary file over its destination;
 * 3. a failure while staging removes what was staged and the directories
 *    this run created: nothing changed. A failure while committing (rare:
 *    everything is already on disk) puts the backups back, so again nothing
 *    changed. Only a crash (SIGKILL, power loss) can leave some files new
 *    and the others old, each whole, plus dot files named
 *    `.<hex>.init-service.tmp|old` next to them.
 *
 * Identical files are not touched (their mtime is kept).
 */
export async function writePlanned(planned: readonly PlannedFile[], options: WriteOptions = {}): Promise<void> {
  const blocked = planned.filter((p) => p.blocker);
  if (blocked.length > 0) throw new Error(`cannot write: ${blocked.map((p) => p.blocker).join('; ')}`);
  const todo = planned.filter((p) => p.state !== 'same');
  const createdDirs: string[] = [];
  const steps: Step[] = [];
  const abortIfAsked = () => {
    if (options.signal?.aborted) throw new WriteAborted(options.signal.reason);
  };

  try {
    for (const p of todo) {
      abortIfAsked();
      await ensureDirs(dirname(p.dest), createdDirs);
      const step: Step = { planned: p, temp: siblingName(p.dest, TEMP_SUFFIX) };
      steps.push(step);
      if (p.file.linkTarget !== undefined) {
        await symlink(p.file.linkTarget, step.temp);
      } else {
        await writeFile(step.temp, p.file.content ?? '', { mode: p.file.mode, flag: 'wx' });
        await chmod(step.temp, p.file.mode);
      }
      if (p.state === 'changed') {
        step.backup = siblingName(p.dest, BACKUP_SUFFIX);
        // link(2) does not follow a symbolic link on Linux: the backup is the link itself.
        await link(p.dest, step.backup);
      }
    }
    abortIfAsked();
  } catch (error) {
    await removeAll(steps.flatMap((s) => [s.temp, s.backup]));
    await removeDirs(createdDirs);
    throw error;
  }

  let committed = 0;
  try {
    for (const step of steps) {
      await rename(step.temp, step.planned.dest);
      committed += 1;
    }
  } catch (error) {
    for (const step of steps.slice(0, committed).reverse()) {
      if (step.backup) await rename(step.backup, step.planned.dest).catch(() => undefined);
      else await rm(step.planned.dest, { force: true });
    }
    await removeAll(steps.flatMap((s) => [s.temp, s.backup]));
    await removeDirs(createdDirs);
    throw error;
  }
  await removeAll(steps.map((s) => s.backup));
}

function siblingName(dest: string, suffix: string): string {
  return join(dirname(dest), `.${randomBytes(6).toString('hex')}${suffix}`);
}

/** mkdir -p that records each directory it creates (mode 0755 whatever the umask). */
async function ensureDirs(dir: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const exists = await stat(d).then(
      (s) => s.isDirectory() || Promise.reject(Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' })),
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
    );
    if (exists) break;
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    await mkdir(d);
    created.push(d);
    await chmod(d, 0o755);
  }
}

async function removeAll(paths: readonly (string | undefined)[]): Promise<void> {
  for (const path of paths) if (path) await rm(path, { force: true }).catch(() => undefined);
}

/** Removes directories this run created, deepest first, if they are still empty. */
async function removeDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of [...dirs].reverse()) await rmdir(dir).catch(() => undefined);
}
