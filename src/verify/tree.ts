import { LINK_MODE } from '../files.js';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScriptKind } from '../lint/index.js';
import { escapeRegExp } from '../lint/shell.js';
import { LEFTOVER } from '../write.js';
import { GENTOO_INITD, OPENRC_FILE, RC_SCRIPT, UNIT_FILE } from '../layout.js';

/** One entry of a generated tree on disk, by its relative POSIX path. */
export interface TreeEntry {
  path: string;
  kind: 'file' | 'symlink';
  mode: number;
  content?: string;
  linkTarget?: string;
}

/**
 * Reads a generated tree (what `generate --out DIR` wrote): regular files
 * with their content and mode, symbolic links with their target. Leftovers
 * of a killed run (`.<hex>.init-service.tmp|old`) are not part of it.
 * Anything else (a FIFO, a device) is refused.
 */
export async function readTree(dir: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(join(dir, relative))).sort();
    for (const name of names) {
      if (LEFTOVER.test(name)) continue;
      const path = relative ? `${relative}/${name}` : name;
      const full = join(dir, path);
      const info = await lstat(full);
      if (info.isDirectory()) await walk(path);
      else if (info.isSymbolicLink()) entries.push({ path, kind: 'symlink', mode: LINK_MODE, linkTarget: await readlink(full) });
      else if (info.isFile()) entries.push({ path, kind: 'file', mode: info.mode & 0o777, content: await readFile(full, 'utf8') });
      else throw new Error(`${full} is neither a file, a link nor a directory`);
    }
  };
  await walk('');
  return entries;
}

/** Files the shell checks apply to: init.d scripts, conf.d files (sourced by openrc-run), rc.d scripts. */
export function isShellPath(path: string): boolean {
  return OPENRC_FILE.test(path) || RC_SCRIPT.test(path);
}

/**
 * The rule set `init-service lint` reads a script of the tree with: init.d
 * scripts (and Gentoo's files/*.initd) as OpenRC, files/*.in as rc.d; conf.d
 * files and everything else are not scripts it lints.
 */
export function lintKind(path: string): ScriptKind | undefined {
  if (OPENRC_FILE.exec(path)?.[1] === 'init.d' || GENTOO_INITD.test(path)) return 'openrc';
  if (RC_SCRIPT.test(path)) return 'rcd';
  return undefined;
}

/** Unit files systemd-analyze verifies: top-level `systemd/*.service` (templates included). */
export function isUnitPath(path: string): boolean {
  return UNIT_FILE.test(path);
}

/** A member of a family, as its description names it. */
export interface Member {
  family: string;
  name: string;
}

/**
 * The concrete units to check for the units in the tree: a plain unit as is;
 * a template `x@.service` once per instance, named by a drop-in directory
 * `x@NAME.service.d/` or an OpenRC instance link `openrc/init.d/x.NAME`, or
 * as `x@example.service` when there is none. `members` names the families'
 * members when the descriptions are at hand (install --spec).
 */
export function concreteUnits(paths: readonly string[], members: readonly Member[] = []): { unit: string; file: string; placeholder: boolean }[] {
  const units: { unit: string; file: string; placeholder: boolean }[] = [];
  for (const file of paths.filter(isUnitPath)) {
    const unit = file.slice('systemd/'.length);
    if (!unit.endsWith('@.service')) {
      units.push({ unit, file, placeholder: false });
      continue;
    }
    const prefix = unit.slice(0, -'.service'.length);
    const family = prefix.slice(0, -1);
    // A member that differs has a drop-in directory; one that does not is
    // named by its OpenRC instance link (openrc/init.d/FAMILY.NAME).
    const instances = new Set(
      paths
        .map((p) => new RegExp(`^systemd/${escapeRegExp(prefix)}([^/]+)\\.service\\.d/`).exec(p)?.[1] ?? new RegExp(`^openrc/init\\.d/${escapeRegExp(family)}\\.([^/]+)$`).exec(p)?.[1])
        .filter((i): i is string => i !== undefined)
        .concat(members.filter((m) => m.family === family).map((m) => m.name)),
    );
    if (instances.size === 0) units.push({ unit: `${prefix}example.service`, file, placeholder: true });
    for (const instance of [...instances].sort()) units.push({ unit: `${prefix}${instance}.service`, file, placeholder: false });
  }
  return units;
}
