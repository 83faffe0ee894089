import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where distributions install systemd's own units. */
const SYSTEM_UNIT_DIRS = ['/lib/systemd/system', '/usr/lib/systemd/system'];

/** One file of a unit directory: `web.service`, `restas@homesite.service.d/instance.conf`. */
export interface UnitEntry {
  path: string;
  content?: string;
  linkTarget?: string;
}

/** Undoes the double quotes and C escapes (`\\ \" \n \t \r \xNN`) systemdExecArg writes. */
function cUnquote(word: string): string {
  if (!(word.startsWith('"') && word.endsWith('"') && word.length >= 2)) return word;
  const bytes: number[] = [];
  const body = word.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[++i]!;
    if (next === 'x') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(({ n: 10, t: 9, r: 13 } as Record<string, number>)[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The word escape.ts's systemdExecArg wrote, read back: bare, or double
 * quotes with C escapes; `%%` undone, and `$$` too unless the line has the
 * ":" prefix (no variable expansion, so nothing was doubled).
 */
export function unquoteExecWord(word: string, expanding = true): string {
  const text = cUnquote(word).replaceAll('%%', '%');
  return expanding ? text.replaceAll('$$', '$') : text;
}

/**
 * The programs of the Exec*= lines as systemd executes them: the first word
 * unquoted, its `-@:+!` prefixes dropped (inside or outside the quotes), `%%`
 * undone. systemd never expands `$` in the program path, so nothing else is.
 */
export function execPrograms(unitText: string): string[] {
  const programs = new Set<string>();
  for (const match of unitText.matchAll(/^Exec[A-Za-z]*=[-@:+!]*("(?:[^"\\]|\\.)*"|\S+)/gm)) {
    const word = match[1]!;
    // A specifier (%i, not the literal %%) is resolved only when the unit runs.
    if (/%[^%]/.test(word.replaceAll('%%', ''))) continue;
    const program = cUnquote(word).replace(/^[-@:+!]+/, '').replaceAll('%%', '%');
    if (program.startsWith('/')) programs.add(program);
  }
  return [...programs].sort();
}

/** Units named by dependency settings. */
export function dependencyUnits(unitText: string): string[] {
  return [...unitText.matchAll(/^(?:Requires|Requisite|Wants|BindsTo|PartOf|After|Before)=(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
}

/** systemd's own targets (multi-user.target, network-online.target, ...), copied into `dir`. */
export function copySystemTargets(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const from of SYSTEM_UNIT_DIRS) {
    if (!existsSync(from)) continue;
    for (const name of readdirSync(from)) if (name.endsWith('.target')) copyFileSync(join(from, name), join(dir, name));
  }
}

/** Writes units (and drop-in directories) into a unit directory. */
export function writeUnitFiles(dir: string, units: readonly UnitEntry[]): void {
  for (const unit of units) {
    const dest = join(dir, unit.path);
    mkdirSync(dirname(dest), { recursive: true });
    if (unit.linkTarget !== undefined) symlinkSync(unit.linkTarget, dest);
    else writeFileSync(dest, unit.content ?? '');
  }
}

/**
 * Fills an empty directory `root` so that `systemd-analyze verify|security
 * --root=ROOT` judges the units and not this machine: systemd's own targets,
 * the units under etc/systemd/system, a stub for each Exec*= program and for
 * each unit they depend on that is neither theirs nor systemd's.
 */
export function stageSystemdRoot(root: string, units: readonly UnitEntry[]): void {
  const unitDir = join(root, 'etc/systemd/system');
  const libDir = join(root, 'usr/lib/systemd/system');
  mkdirSync(libDir, { recursive: true });
  copySystemTargets(libDir);
  writeUnitFiles(unitDir, units);
  const text = units.map((u) => u.content ?? '').join('\n');
  for (const program of execPrograms(text)) {
    const stub = join(root, program);
    mkdirSync(dirname(stub), { recursive: true });
    writeFileSync(stub, '#!/bin/sh\nexit 0\n');
    chmodSync(stub, 0o755);
  }
  const ours = new Set(units.map((u) => u.path));
  for (const dep of dependencyUnits(text)) {
    if (ours.has(dep) || dep.includes('%') || existsSync(join(libDir, dep))) continue;
    if (dep.endsWith('.service')) writeFileSync(join(libDir, dep), '[Service]\nExecStart=/bin/true\n');
    if (dep.endsWith('.target')) writeFileSync(join(libDir, dep), '[Unit]\nDescription=stub\n');
  }
}
