import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { ImportError, importUnit, UnitSyntaxError } from '../src/import/index.js';
import { describeWithTools, IN_CI } from './support/tools.js';

// The .service units of Debian's own daemon packages, nobody here wrote them:
// every one imports without a crash (a description, or a refusal naming the
// line), every directive line is in the report exactly once, and the summary
// is kept as a snapshot. The packages are fetched with apt-get download into
// a cache (node_modules/.cache/init-service/import-corpus; delete it to
// fetch again), so the units are never committed.

const LIST = fileURLToPath(new URL('./fixtures/import-corpus.txt', import.meta.url));
const CACHE = fileURLToPath(new URL('../node_modules/.cache/init-service/import-corpus/', import.meta.url));
const PACKAGES = readFileSync(LIST, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

/** The packages' .deb files in the cache, downloaded once; undefined when apt cannot fetch them. */
function fetchPackages(): string | undefined {
  mkdirSync(CACHE, { recursive: true });
  const missing = PACKAGES.filter((p) => !readdirSync(CACHE).some((f) => f.startsWith(`${p}_`) && f.endsWith('.deb')));
  if (missing.length === 0) return undefined;
  const r = spawnSync('apt-get', ['download', ...missing], { cwd: CACHE, encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? undefined : `apt-get download failed (${r.status}): ${(r.stderr || r.error?.message || '').slice(0, 500)}`;
}

/** Every .service file of every package, as [package, unit path, text]. */
function units(): Array<[pkg: string, path: string, text: string]> {
  const found: Array<[string, string, string]> = [];
  for (const pkg of PACKAGES) {
    const deb = readdirSync(CACHE).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))!;
    const dir = join(CACHE, 'units', pkg);
    if (!existsSync(dir)) {
      // Extracted whole or not at all: an interrupted run must not leave an empty folder that reads as "no units".
      const partial = `${dir}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      const tar = execFileSync('dpkg-deb', ['--fsys-tarfile', join(CACHE, deb)], { maxBuffer: 1 << 30 });
      const names = execFileSync('tar', ['-t'], { input: tar, maxBuffer: 1 << 26 }).toString().split('\n');
      const wanted = names.filter((n) => /^\.\/(usr\/)?lib\/systemd\/system\/[^/]+\.service$/.test(n));
      if (wanted.length > 0) execFileSync('tar', ['-x', '-C', partial, ...wanted], { input: tar, maxBuffer: 1 << 26 });
      renameSync(partial, dir);
    }
    for (const base of ['lib/systemd/system', 'usr/lib/systemd/system']) {
      const unitDir = join(dir, base);
      if (!existsSync(unitDir)) continue;
      for (const f of readdirSync(unitDir).sort()) found.push([pkg, f, readFileSync(join(unitDir, f), 'utf8')]);
    }
  }
  return found;
}

/**
 * The directive lines of a unit, read without the importer's parser:
 * Key=value lines outside X- sections that do not continue the line before.
 */
function directiveLines(text: string, file: string): string[] {
  const found: string[] = [];
  let vendor = false;
  let continued = false;
  text.split(/\r?\n/).forEach((line, i) => {
    const wasContinued = continued;
    continued = /\\$/.test(line) && !/^\s*[#;]/.test(line);
    if (wasContinued || /^\s*[#;]/.test(line)) return;
    const section = /^\s*\[([^\]]*)\]\s*$/.exec(line)?.[1];
    if (section !== undefined) vendor = section.startsWith('X-');
    else if (!vendor && /^\s*[A-Za-z][A-Za-z0-9]*\s*=/.test(line)) found.push(`${file}:${i + 1}`);
  });
  return found.sort();
}

describeWithTools(['apt-get', 'dpkg-deb', 'tar'])("Debian's own units (the import corpus)", () => {
  test('every unit imports or is refused with its line; every directive line is reported exactly once', async () => {
    const failure = fetchPackages();
    if (failure) {
      if (IN_CI) throw new Error(failure);
      process.stderr.write(`\n[skip] import corpus: ${failure}\n`);
      return;
    }
    const all = units();
    const counts = { mapped: 0, approximated: 0, 'not carried': 0 };
    const refusals = new Map<string, number>();
    const byDirective = new Map<string, Record<string, number>>();
    let imported = 0;
    const problems: string[] = [];
    for (const [pkg, file, text] of all) {
      try {
        const instance = basename(file).includes('@.') ? 'test' : undefined;
        const { report } = importUnit(file, { name: file, text }, [], instance);
        imported++;
        const lines = directiveLines(text, file);
        const reported = report.map((r) => r.at).sort();
        if (JSON.stringify(lines) !== JSON.stringify(reported)) problems.push(`${pkg}/${file}: reported ${reported.length} lines of ${lines.length}`);
        for (const r of report) {
          counts[r.outcome]++;
          const row = byDirective.get(r.directive) ?? { mapped: 0, approximated: 0, 'not carried': 0 };
          row[r.outcome]! += 1;
          byDirective.set(r.directive, row);
        }
      } catch (error) {
        if (!(error instanceof ImportError || error instanceof UnitSyntaxError)) {
          problems.push(`${pkg}/${file}: crashed: ${(error as Error).stack}`);
          continue;
        }
        // A refusal names the line, or (a description that normalize() refuses) the field.
        if (!/^[^:\s]+:\d+: |^[^:\s]+: [\w.[\]]+: the description would be refused/.test(error.message)) problems.push(`${pkg}/${file}: a refusal without its line: ${error.message}`);
        const reason = error.message.replace(/^[^:]*:\d*:? ?/, '').replace(/"[^"]*"/g, '"…"').replace(/\$\w+/g, '$VAR').slice(0, 90);
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      }
    }
    expect(problems).toEqual([]);
    expect(new Set(all.map(([pkg]) => pkg)).size).toBeGreaterThanOrEqual(40);
    const withoutUnits = PACKAGES.filter((p) => !all.some(([pkg]) => pkg === p));

    const summary = [
      `${all.length} units from ${new Set(all.map(([pkg]) => pkg)).size} packages: ${imported} imported, ${all.length - imported} refused`,
      `directive lines: ${counts.mapped} mapped, ${counts.approximated} approximated, ${counts['not carried']} not carried`,
      `packages without a .service unit: ${withoutUnits.join(' ') || 'none'}`,
      '',
      'refused, by reason:',
      ...[...refusals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r, n]) => `  ${String(n).padStart(3)}  ${r}`),
      '',
      'by directive (mapped / approximated / not carried):',
      ...[...byDirective].sort((a, b) => a[0].localeCompare(b[0])).map(([d, c]) => `  ${d.padEnd(36)} ${c.mapped} / ${c.approximated} / ${c['not carried']}`),
      '',
    ].join('\n');
    process.stdout.write(`\n${summary.split('\n').slice(0, 2).join('\n')}\n`);
    // Kept as documentation; a new Debian point release may change it: check the diff, then update with -u.
    await expect(summary).toMatchFileSnapshot('./import-corpus.summary.txt');
  }, 600_000);
});
