import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generate, type GeneratedFile } from '../../src/index.js';
import { copySystemTargets, stageSystemdRoot, writeUnitFiles } from '../../src/verify/systemd-root.js';

export { execPrograms } from '../../src/verify/systemd-root.js';

/** The service manager binary, which `--test` makes parse units and print them without running anything. */
export const SYSTEMD_BINARY = ['/lib/systemd/systemd', '/usr/lib/systemd/systemd'].find((p) => existsSync(p));

/**
 * The unit files among generated files, keyed by their path inside a unit
 * directory (`web.service`, `restas@.service`, `restas@homesite.service.d/instance.conf`),
 * and the concrete unit systemctl is given: for a family, the instance with
 * a drop-in, or else an instance "example" of the template.
 */
export function unitFiles(files: readonly GeneratedFile[]): { files: Record<string, string>; unit: string } {
  const units = files.filter((f) => f.path.startsWith('systemd/') && !f.path.startsWith('systemd/tmpfiles.d/'));
  const byPath = Object.fromEntries(units.map((u) => [u.path.slice('systemd/'.length), u.content!]));
  const dropIn = Object.keys(byPath).find((p) => p.endsWith('.service.d/instance.conf'));
  // A family without drop-ins: any instance of its template.
  const template = Object.keys(byPath).find((p) => p.endsWith('@.service'));
  const unit = dropIn
    ? dropIn.slice(0, -'.d/instance.conf'.length)
    : (template?.replace(/@\.service$/, '@example.service') ?? Object.keys(byPath).find((p) => p.endsWith('.service')));
  if (!unit) throw new Error(`no unit among ${units.map((u) => u.path).join(', ')}`);
  return { files: byPath, unit };
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'init-service-systemd-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `systemd-analyze verify` on a unit inside a staged root, so the result
 * does not depend on whether the program is installed on this machine: the
 * root holds systemd's own targets, a stub for each Exec*= program and for
 * each dependency that is not a systemd unit. A template instance is verified
 * by its concrete name (`restas@homesite.service`), which systemd loads from
 * `restas@.service` plus the drop-in directory beside it. Returns exit code
 * and stderr; systemd-analyze exits 0 on many warnings, so callers demand
 * empty stderr.
 */
export function verifyUnit(files: Record<string, string>, unitToVerify: string): { status: number; stderr: string } {
  return verifyUnits(files, [unitToVerify]);
}

/** verifyUnit for many units at once (one staged root, one systemd-analyze run): what property tests use. */
export function verifyUnits(files: Record<string, string>, unitsToVerify: readonly string[]): { status: number; stderr: string } {
  return withTempDir((root) => {
    stageSystemdRoot(root, Object.entries(files).map(([path, content]) => ({ path, content })));
    const unitDir = join(root, 'etc/systemd/system');
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, ...unitsToVerify.map((u) => join(unitDir, u))], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const status = result.status ?? -1;
    let stderr = (result.stderr ?? '') + (result.error?.message ?? '');
    // Callers demand empty stderr: a run killed by a signal, or failing silently, must not look clean.
    if (status !== 0 && stderr === '') stderr = `systemd-analyze verify: ${result.signal ? `killed by ${result.signal}` : `exit ${status}`}\n`;
    return { status, stderr };
  });
}

/**
 * `systemd-analyze security --offline=true --threshold=<limit*10>` on the
 * unit (with its template and drop-ins beside it). The threshold is on a
 * 0..100 scale and the command exits non-zero when the exposure is above
 * it; the printed "Overall exposure level" is parsed too, so a test can say
 * by how much.
 */
export function securityExposure(
  files: Record<string, string>,
  unit: string,
  limit: number,
): { exposure: number; status: number; stderr: string; report: string } {
  return withTempDir((dir) => {
    writeUnitFiles(dir, Object.entries(files).map(([path, content]) => ({ path, content })));
    const result = spawnSync('systemd-analyze', ['security', '--offline=true', `--threshold=${Math.round(limit * 10)}`, '--no-pager', join(dir, unit)], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_COLORS: '0' },
    });
    const overall = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(result.stdout ?? '');
    return {
      exposure: overall ? Number(overall[1]) : Number.NaN,
      status: result.status ?? -1,
      stderr: (result.stderr ?? '') + (result.error?.message ?? ''),
      report: result.stdout ?? '',
    };
  });
}

/**
 * What systemd's own unit parser makes of a unit: `systemd --test --system`
 * loads it (with the template and drop-ins beside it) and prints every
 * setting as parsed, without starting anything. Returns that unit's section
 * of the dump. `--test` refuses to run as root, so as root it runs as nobody.
 */
export function dumpUnit(files: Record<string, string>, unit: string): { dump: string; stderr: string } {
  const { sections, stderr } = dumpUnits(files, unit);
  const dump = sections.get(unit);
  if (dump === undefined) throw new Error(`systemd --test printed no section for ${unit}:\n${stderr}`);
  return { dump, stderr };
}

/**
 * dumpUnit for `unit` and every unit it pulls in (Requires=, Wants=), which
 * systemd --test loads and prints too: one run for many units.
 */
export function dumpUnits(files: Record<string, string>, unit: string): { sections: Map<string, string>; stderr: string } {
  if (!SYSTEMD_BINARY) throw new Error('no systemd binary');
  return withTempDir((dir) => {
    copySystemTargets(dir);
    writeUnitFiles(dir, Object.entries(files).map(([path, content]) => ({ path, content })));
    // Readable by nobody whatever the umask of the test run.
    chmodSync(dir, 0o755);
    for (const name of Object.keys(files)) {
      for (let d = dirname(name); d !== '.'; d = dirname(d)) chmodSync(join(dir, d), 0o755);
      chmodSync(join(dir, name), 0o644);
    }
    const command = [SYSTEMD_BINARY, '--test', '--system', `--unit=${unit}`, '--log-target=console', '--no-pager'];
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const [program, ...args] = [...asNobody, ...command];
    const result = spawnSync(program!, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      timeout: 60_000,
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', SYSTEMD_UNIT_PATH: dir, LC_ALL: 'C.UTF-8' },
    });
    const out = result.stdout ?? '';
    const sections = new Map<string, string>();
    for (const part of out.split(/(?=\t-> Unit )/)) {
      const name = /^\t-> Unit ([^\n]+):\n/.exec(part)?.[1];
      if (name !== undefined) sections.set(name, part);
    }
    return { sections, stderr: `${result.stderr ?? ''}${result.error?.message ?? ''}` };
  });
}

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * The argv of one "Command Line:" of the dump. systemd prints each argument
 * bare, or in double quotes with `\` before `"` `\` `` ` `` `$` and C escapes
 * (`\n`, `\NNN` octal) for control characters (quote_command_line()).
 */
export function decodeCommandLine(line: string): string[] {
  const argv: string[] = [];
  let i = 0;
  const bytes: number[] = [];
  const flush = () => {
    argv.push(Buffer.from(bytes).toString('utf8'));
    bytes.length = 0;
  };
  const push = (text: string) => bytes.push(...Buffer.from(text, 'utf8'));
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] !== '"') {
      const end = line.indexOf(' ', i);
      push(line.slice(i, end < 0 ? undefined : end));
      flush();
      i = end < 0 ? line.length : end;
      continue;
    }
    i++;
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`unterminated quote in ${JSON.stringify(line)}`);
      if (c === '"') {
        i++;
        break;
      }
      if (c !== '\\') {
        const cp = line.codePointAt(i)!;
        push(String.fromCodePoint(cp));
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
      const e = line[i + 1]!;
      if (/[0-7]/.test(e)) {
        bytes.push(parseInt(line.slice(i + 1, i + 4), 8));
        i += 4;
      } else if (e === 'x') {
        bytes.push(parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
      } else {
        push(C_ESCAPES[e] ?? e);
        i += 2;
      }
    }
    flush();
  }
  return argv;
}

/** The command lines of one Exec*= setting in a dump section, each as its argv. */
export function dumpedCommands(dump: string, setting: string): string[][] {
  const at = dump.indexOf(`\t\t-> ${setting}:\n`);
  if (at < 0) return [];
  const lines = dump.slice(at).split('\n').slice(1);
  const out: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('\t\t\tCommand Line: ')) out.push(decodeCommandLine(line.slice('\t\t\tCommand Line: '.length)));
    else if (!line.startsWith('\t\t\t')) break;
  }
  return out;
}

/**
 * What the program receives for an argument systemd stored: at exec time
 * systemd expands `${VAR}`/`$VAR` and turns `$$` into `$` (systemd.service(5)
 * "COMMAND LINES"). The generator writes every `$` as `$$`, so that is all
 * that happens to its arguments.
 */
export function atExec(stored: string): string {
  let out = '';
  for (let i = 0; i < stored.length; i++) {
    if (stored[i] === '$') {
      if (stored[i + 1] !== '$') throw new Error(`a lone $ would expand a variable: ${JSON.stringify(stored)}`);
      i++;
    }
    out += stored[i];
  }
  return out;
}

/**
 * Generates the specs' systemd units plus one unit that requires them all,
 * verifies every one (one systemd-analyze run) and has systemd --test parse
 * them (one run): what the hostile-value tests need for many units at once.
 */
export function unitsThroughSystemd(specs: ReadonlyArray<Record<string, unknown> & { name: string }>): { verifyStderr: string; sections: Map<string, string> } {
  const all = { name: 'all', command: '/usr/bin/all', user: 'www', requires: specs.map((s) => s.name) };
  const units = Object.fromEntries(
    generate([...specs, all], { targets: ['systemd'] })
      .files.filter((f) => f.path.endsWith('.service'))
      .map((f) => [f.path.slice('systemd/'.length), f.content!]),
  );
  const verifyStderr = verifyUnits(units, ['all.service', ...specs.map((s) => `${s.name}.service`)]).stderr;
  return { verifyStderr, sections: dumpUnits(units, 'all.service').sections };
}

/**
 * `systemd-analyze security --offline=true` on several units in one run
 * (each with its template and drop-ins beside it): the overall exposure of
 * each, by unit name, and the whole report.
 */
export function exposures(files: Record<string, string>, units: readonly string[]): { exposure: Map<string, number>; status: number; stderr: string; report: string } {
  return withTempDir((dir) => {
    writeUnitFiles(dir, Object.entries(files).map(([path, content]) => ({ path, content })));
    const result = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', ...units.map((u) => join(dir, u))], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_COLORS: '0' },
    });
    const exposure = new Map<string, number>();
    for (const m of (result.stdout ?? '').matchAll(/Overall exposure level for (\S+): (\d+(?:\.\d+)?)/g)) exposure.set(m[1]!, Number(m[2]));
    return { exposure, status: result.status ?? -1, stderr: (result.stderr ?? '') + (result.error?.message ?? ''), report: result.stdout ?? '' };
  });
}
