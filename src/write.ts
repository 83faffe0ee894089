import { chmod, close, fchmod, fsync, link, lstat, mkdir, open, readFile, readlink, rename, rm, rmdir, stat, symlink, writeFd } from './fs-async.js';
import { dirname, join } from 'node:path';
import type { GeneratedFile } from './files.js';
import { mapPool } from './pool.js';

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
export const LEFTOVER = /^\.[0-9a-z]+-[0-9a-z]+-[0-9a-z]+\.init-service\.(tmp|old)$/;

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

  return mapPool(files, 32, async (file): Promise<PlannedFile> => {
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
  });
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

/** Files staged at once: enough to overlap the I/O of a large tree, few enough for any ulimit. */
const STAGING_CONCURRENCY = 8;

/**
 * Writes every file that is new or changed, so that a failed or interrupted
 * run leaves each file old or new, never a part of one:
 *
 * 1. stage: each file is written completely to a temporary file in its own
 *    directory (same file system, so the rename below is atomic); one that
 *    will replace an existing file is also flushed to disk (fsync) and the
 *    file it replaces gets a hard link as a backup. New files are not
 *    flushed one by one: a kill or a failure cannot leave them partial
 *    (rename is atomic), and only a power loss could, where there was no
 *    old content to lose (about 5x faster for a large new tree);
 * 2. commit: rename(2) each temporary file over its destination, in order,
 *    then fsync the directories of replaced files, so that those renames
 *    survive a power loss;
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
  const dirs = new DirMaker();
  const steps: Step[] = todo.map((p) => ({ planned: p, temp: siblingName(p.dest, TEMP_SUFFIX) }));
  const abortIfAsked = () => {
    if (options.signal?.aborted) throw new WriteAborted(options.signal.reason);
  };

  try {
    await mapPool(steps, STAGING_CONCURRENCY, async (step) => {
      abortIfAsked();
      await stage(step, dirs);
    });
    abortIfAsked();
  } catch (error) {
    await removeAll(steps.flatMap((s) => [s.temp, s.backup]));
    await removeDirs(dirs.created);
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
    await removeDirs(dirs.created);
    throw error;
  }
  // Only a replaced file had content to lose: make its rename durable.
  await syncDirs(new Set(steps.filter((s) => s.backup).map((s) => dirname(s.planned.dest))));
  await removeAll(steps.map((s) => s.backup));
}

/** Writes one file's temporary copy (flushed to disk) and, if it replaces one, the backup link. */
async function stage(step: Step, dirs: DirMaker): Promise<void> {
  const { file, dest, state } = step.planned;
  await dirs.ensure(dirname(dest));
  if (file.linkTarget !== undefined) {
    await symlink(file.linkTarget, step.temp);
  } else {
    const fd = await open(step.temp, 'wx', file.mode);
    try {
      await writeFd(fd, file.content ?? '', 'utf8');
      await fchmod(fd, file.mode);
      if (state === 'changed') await fsync(fd);
    } finally {
      await close(fd);
    }
  }
  if (state === 'changed') {
    const backup = siblingName(dest, BACKUP_SUFFIX);
    // link(2) does not follow a symbolic link on Linux: the backup is the link itself.
    await link(dest, backup);
    step.backup = backup;
  }
}

/** fsync(2) on directories makes the renames in them durable; not every file system allows it. */
async function syncDirs(dirs: ReadonlySet<string>): Promise<void> {
  for (const dir of dirs) {
    const fd = await open(dir, 'r').catch(() => undefined);
    if (fd === undefined) continue;
    await fsync(fd).catch(() => undefined);
    await close(fd);
  }
}

let siblings = 0;

/** A name no other file has: this process, this run, this file (open 'wx' and link(2) refuse to reuse one). */
function siblingName(dest: string, suffix: string): string {
  siblings += 1;
  return join(dirname(dest), `.${process.pid.toString(36)}-${Date.now().toString(36)}-${siblings.toString(36)}${suffix}`);
}

/**
 * mkdir -p for concurrent callers: each directory is made once, parents
 * first, with mode 0755 whatever the umask, and recorded so that a failed
 * run can remove what it created.
 */
class DirMaker {
  readonly created: string[] = [];
  private readonly ready = new Map<string, Promise<void>>();

  ensure(dir: string): Promise<void> {
    let known = this.ready.get(dir);
    if (!known) {
      known = this.make(dir);
      this.ready.set(dir, known);
    }
    return known;
  }

  private async make(dir: string): Promise<void> {
    const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
      return;
    }
    const parent = dirname(dir);
    if (parent !== dir) await this.ensure(parent);
    await mkdir(dir);
    this.created.push(dir);
    await chmod(dir, 0o755);
  }
}

async function removeAll(paths: readonly (string | undefined)[]): Promise<void> {
  for (const path of paths) if (path) await rm(path, { force: true }).catch(() => undefined);
}

/** Removes directories this run created, deepest first, if they are still empty. */
async function removeDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of [...dirs].reverse()) await rmdir(dir).catch(() => undefined);
}
