import { randomBytes } from 'node:crypto';
import { chmod, lstat, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fse from 'fs-extra';
import type { GeneratedFile } from './files.js';

export type FileState = 'new' | 'same' | 'changed';

export interface PlannedFile {
  file: GeneratedFile;
  /** Absolute path on disk. */
  dest: string;
  state: FileState;
  /** What is on disk now, for diffs: text, `-> target` for a link, undefined when missing. */
  current?: string;
}

/** Compares each file with what is on disk; reads only. */
export async function plan(files: readonly GeneratedFile[], outDir: string): Promise<PlannedFile[]> {
  return Promise.all(
    files.map(async (file) => {
      const dest = join(outDir, file.path);
      const onDisk = await lstat(dest).catch(() => undefined);
      if (!onDisk) return { file, dest, state: 'new' as const };
      if (onDisk.isSymbolicLink()) {
        const target = await readlink(dest);
        const same = file.linkTarget === target;
        return { file, dest, state: same ? ('same' as const) : ('changed' as const), current: `-> ${target}` };
      }
      if (!onDisk.isFile()) return { file, dest, state: 'changed' as const, current: '(not a regular file)' };
      const current = await readFile(dest, 'utf8');
      const same = file.content === current && (onDisk.mode & 0o777) === file.mode;
      return { file, dest, state: same ? ('same' as const) : ('changed' as const), current };
    }),
  );
}

/**
 * Writes every file that is new or changed, each atomically: a temporary
 * file in the same directory, then rename(2), so a reader (or a crash) sees
 * the old file or the new one, never a part. Identical files are not touched.
 */
export async function writePlanned(planned: readonly PlannedFile[]): Promise<void> {
  for (const { file, dest, state } of planned) {
    if (state === 'same') continue;
    await fse.ensureDir(dirname(dest));
    const temp = join(dirname(dest), `.${randomBytes(6).toString('hex')}.init-service.tmp`);
    try {
      if (file.linkTarget !== undefined) {
        await symlink(file.linkTarget, temp);
      } else {
        await writeFile(temp, file.content ?? '', { mode: file.mode, flag: 'wx' });
        await chmod(temp, file.mode);
      }
      await rename(temp, dest);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
