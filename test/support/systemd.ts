import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The unit's Exec*= programs (first word, unquoted, `-@:+!` prefixes dropped). */
export function execPrograms(unit: string): string[] {
  const programs = new Set<string>();
  for (const match of unit.matchAll(/^Exec[A-Za-z]*=([-@:+!]*)("(?:[^"\\]|\\.)*"|\S+)/gm)) {
    const word = match[2]!;
    programs.add(word.startsWith('"') ? JSON.parse(word) as string : word);
  }
  return [...programs];
}

/** Units named by Requires=/Wants=/After= that systemd itself does not ship. */
function dependencyUnits(unit: string): string[] {
  return [...unit.matchAll(/^(?:Requires|Wants|After|Before)=(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/));
}

/**
 * Runs `systemd-analyze verify` on a unit inside a staged root, so the result
 * does not depend on whether the program is installed on this machine: the
 * root holds systemd's own targets, a stub for each Exec*= program and for
 * each dependency that is not a systemd unit. Returns exit code and stderr;
 * systemd-analyze exits 0 on many warnings, so callers demand empty stderr.
 */
export function verifyUnit(files: Record<string, string>, unitToVerify: string): { status: number; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), 'init-service-systemd-'));
  try {
    const unitDir = join(root, 'etc/systemd/system');
    const libDir = join(root, 'usr/lib/systemd/system');
    mkdirSync(unitDir, { recursive: true });
    mkdirSync(libDir, { recursive: true });
    for (const dir of ['/lib/systemd/system', '/usr/lib/systemd/system']) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (f.endsWith('.target')) copyFileSync(join(dir, f), join(libDir, f));
    }
    const all = Object.values(files).join('\n');
    for (const program of execPrograms(all)) {
      const stub = join(root, program);
      mkdirSync(dirname(stub), { recursive: true });
      writeFileSync(stub, '#!/bin/sh\nexit 0\n');
      chmodSync(stub, 0o755);
    }
    for (const dep of dependencyUnits(all)) {
      if (!existsSync(join(libDir, dep)) && dep.endsWith('.service')) {
        writeFileSync(join(libDir, dep), `[Service]\nExecStart=/bin/true\n`);
      }
    }
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(unitDir, name)), { recursive: true });
      writeFileSync(join(unitDir, name), text);
    }
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, join(unitDir, unitToVerify)], {
      encoding: 'utf8',
    });
    return { status: result.status ?? -1, stderr: (result.stderr ?? '') + (result.error?.message ?? '') };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
