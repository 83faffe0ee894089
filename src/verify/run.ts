import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { formatFinding, lintScript } from '../lint/index.js';
import { mapPool } from '../pool.js';
import { stageSystemdRoot } from './systemd-root.js';
import { concreteUnits, isShellPath, lintKind, readTree, type TreeEntry } from './tree.js';
import { runTool, type RunTool } from './tools.js';
import { LAYOUT } from '../layout.js';

export type CheckStatus = 'ok' | 'failed' | 'skipped';

export interface CheckResult {
  /** The file, relative to the verified directory (for a template unit: the instance checked). */
  path: string;
  /** The check: `shellcheck`, `dash -n`, `systemd-analyze verify`, ... */
  check: string;
  status: CheckStatus;
  /** Why it failed or was skipped, or a measurement (the exposure level). */
  detail?: string;
}

export interface VerifyOptions {
  /** Fail a unit whose `systemd-analyze security` exposure is above this (0.0–10.0). */
  maxExposure?: number;
  /** How tools are run (tests replace it). */
  run?: RunTool;
}

/** Runs every check that applies to each file of a generated tree; a missing tool is a skipped check. */
export async function verifyTree(dir: string, options: VerifyOptions = {}): Promise<CheckResult[]> {
  const run = options.run ?? runTool;
  const tree = await readTree(dir);
  const results: CheckResult[] = [];
  results.push(...links(tree));
  results.push(...(await shellcheck(dir, tree, run)));
  results.push(...(await dashSyntax(dir, tree, run)));
  results.push(...(await systemdChecks(tree, run, options.maxExposure)));
  results.push(...lint(tree));
  const order = new Map(tree.map((e, i) => [e.path, i]));
  const rank = (r: CheckResult) => order.get(r.path) ?? order.get(r.path.replace(/@[^@/]*\.service$/, '@.service')) ?? tree.length;
  return results.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map(({ r }) => r);
}

/** OpenRC finds a multiplexed service only through a link to a script beside it (openrc-run(8), BUGS). */
function links(tree: readonly TreeEntry[]): CheckResult[] {
  return tree
    .filter((e) => e.kind === 'symlink')
    .map((e) => {
      const target = e.linkTarget!;
      const besideIt = posix.join(posix.dirname(e.path), target);
      const ok = !target.includes('/') && tree.some((t) => t.path === besideIt && t.kind === 'file');
      return {
        path: e.path,
        check: 'link',
        status: ok ? 'ok' : 'failed',
        detail: ok ? `-> ${target}` : `-> ${target}: must name a script in the same directory`,
      } satisfies CheckResult;
    });
}

function shellFiles(tree: readonly TreeEntry[]): TreeEntry[] {
  return tree.filter((e) => e.kind === 'file' && isShellPath(e.path));
}

/**
 * Findings every rc.subr(8) script of the ports tree would give, by design,
 * left out for rc.d scripts rather than silenced by pragmas in them: it
 * sources /etc/rc.subr (SC1091), sets variables rc.subr reads (SC2034),
 * reads ones rc.conf and rc.subr set (SC2154), and single-quotes `$` that
 * rc.subr's eval is to read (SC2016).
 */
export const RC_SUBR_SHELLCHECK_EXCLUDED: ReadonlySet<number> = new Set([1091, 2034, 2154, 2016]);

/** One shellcheck run over every shell file (`-f json1`), its findings given back per file. */
async function shellcheck(dir: string, tree: readonly TreeEntry[], run: RunTool): Promise<CheckResult[]> {
  const files = shellFiles(tree);
  if (files.length === 0) return [];
  const r = await run('shellcheck', ['-s', 'sh', '-f', 'json1', '--', ...files.map((f) => f.path)], { cwd: dir });
  if (r.missing) return files.map((f) => ({ path: f.path, check: 'shellcheck', status: 'skipped', detail: 'shellcheck is not installed' }));
  let comments: { file: string; line: number; level: string; code: number; message: string }[];
  try {
    comments = (JSON.parse(r.stdout) as { comments: typeof comments }).comments;
  } catch {
    const why = `shellcheck exited ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`;
    return files.map((f) => ({ path: f.path, check: 'shellcheck', status: 'failed', detail: why }));
  }
  return files.map((f) => {
    // A conf.d file only sets variables for the script that sources it (openrc-run), so "unused" (SC2034) is expected there.
    const confd = /(^|\/)conf\.d\/[^/]+$|\.confd$/.test(f.path);
    const rcd = /^rcd\/files\/[^/]+\.in$/.test(f.path);
    const own = comments.filter((c) => c.file === f.path && !(confd && c.code === 2034) && !(rcd && RC_SUBR_SHELLCHECK_EXCLUDED.has(c.code)));
    return own.length === 0
      ? { path: f.path, check: 'shellcheck', status: 'ok' }
      : { path: f.path, check: 'shellcheck', status: 'failed', detail: own.map((c) => `line ${c.line}: ${c.level} SC${c.code}: ${c.message}`).join('\n') };
  });
}

async function dashSyntax(dir: string, tree: readonly TreeEntry[], run: RunTool): Promise<CheckResult[]> {
  return mapPool(shellFiles(tree), availableParallelism(), async (f): Promise<CheckResult> => {
    const r = await run('dash', ['-n', f.path], { cwd: dir });
    if (r.missing) return { path: f.path, check: 'dash -n', status: 'skipped', detail: 'dash is not installed' };
    if (r.exitCode === 0 && r.stderr === '') return { path: f.path, check: 'dash -n', status: 'ok' };
    return { path: f.path, check: 'dash -n', status: 'failed', detail: r.stderr.trim() || `exit ${r.exitCode}` };
  });
}

/**
 * `systemd-analyze verify` and `security --offline=true` on each unit, in a
 * staged root: the tree's systemd/ directory (drop-ins included) as
 * /etc/systemd/system, systemd's own targets, and a stub for each program
 * and service the units name, so that the result is about the units and not
 * about what this machine has installed. verify exits 0 on many problems
 * and only prints them, so any standard error output is a failure.
 */
async function systemdChecks(tree: readonly TreeEntry[], run: RunTool, maxExposure: number | undefined): Promise<CheckResult[]> {
  const units = concreteUnits(tree.map((e) => e.path));
  if (units.length === 0) return [];
  const root = await stageRoot(tree);
  try {
    const perUnit = await mapPool(units, availableParallelism(), async ({ unit }): Promise<CheckResult[]> => {
      const path = LAYOUT.unit(unit);
      const unitPath = join(root, 'etc/systemd/system', unit);
      const verify = await run('systemd-analyze', ['verify', '--man=no', `--root=${root}`, unitPath]);
      if (verify.missing) {
        return [
          { path, check: 'systemd-analyze verify', status: 'skipped', detail: 'systemd-analyze is not installed' },
          { path, check: 'systemd-analyze security', status: 'skipped', detail: 'systemd-analyze is not installed' },
        ];
      }
      const results: CheckResult[] = [];
      const problems = verify.stderr.split(root).join('').trim();
      results.push(
        verify.exitCode === 0 && problems === ''
          ? { path, check: 'systemd-analyze verify', status: 'ok' }
          : { path, check: 'systemd-analyze verify', status: 'failed', detail: problems || `exit ${verify.exitCode}` },
      );
      const threshold = maxExposure === undefined ? [] : [`--threshold=${Math.round(maxExposure * 10)}`];
      const security = await run('systemd-analyze', ['security', '--offline=true', `--root=${root}`, ...threshold, unit]);
      const level = /Overall exposure level for \S+: (\d+(?:\.\d+)?) (\w+)/.exec(security.stdout);
      const measured = level ? `exposure ${level[1]} ${level[2]}` : undefined;
      if (security.exitCode === 0 && measured) results.push({ path, check: 'systemd-analyze security', status: 'ok', detail: measured });
      else {
        const why = maxExposure !== undefined && measured ? `${measured}, above --max-exposure ${maxExposure}` : security.stderr.split(root).join('').trim() || `exit ${security.exitCode}`;
        results.push({ path, check: 'systemd-analyze security', status: 'failed', detail: why });
      }
      return results;
    });
    return perUnit.flat();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function stageRoot(tree: readonly TreeEntry[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'init-service-verify-'));
  const units = tree
    .filter((e) => e.path.startsWith('systemd/'))
    .map((e) => ({ path: e.path.slice('systemd/'.length), content: e.content, linkTarget: e.kind === 'symlink' ? e.linkTarget : undefined }));
  stageSystemdRoot(root, units);
  return root;
}

/**
 * `init-service lint` on each script of the tree (its kind from its path),
 * on the content already read: ok when it finds no error (warnings allowed),
 * failed with its findings otherwise. Other files (units, conf.d, pkg-plist)
 * are not scripts lint reads, so they get no lint check.
 */
function lint(tree: readonly TreeEntry[]): CheckResult[] {
  return tree.flatMap((e): CheckResult[] => {
    const kind = e.kind === 'file' ? lintKind(e.path) : undefined;
    if (!kind) return [];
    const findings = lintScript(e.path, e.content!, kind);
    if (!findings.some((f) => f.severity === 'error')) return [{ path: e.path, check: 'init-service lint', status: 'ok' }];
    return [{ path: e.path, check: 'init-service lint', status: 'failed', detail: findings.map(formatFinding).join('\n') }];
  });
}
