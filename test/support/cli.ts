import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/init-service.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/, built by globalSetup) as a user would. */
export function cli(args: readonly string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A directory tree as `path -> "mode content"` / `path -> "-> target"`: equal
 * trees give equal records. `directories` adds `path/ -> "dir mode"` entries
 * and `mtimes` each file's mtime, to tell "nothing was touched".
 */
export function treeRecord(dir: string, options: { directories?: boolean; mtimes?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(dir, path);
      const info = lstatSync(full);
      const mode = (info.mode & 0o777).toString(8);
      if (info.isDirectory()) {
        if (options.directories) out[`${path}/`] = `dir ${mode}`;
        walk(path);
      } else if (info.isSymbolicLink()) out[path] = `-> ${readlinkSync(full)}`;
      else out[path] = `${mode}${options.mtimes ? ` ${info.mtimeMs}` : ''} ${readFileSync(full, 'utf8')}`;
    }
  };
  walk('');
  return out;
}
