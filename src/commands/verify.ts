import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { detectKind, isConfFile } from '../lint/index.js';
import { LAYOUT } from '../layout.js';
import { readFailure } from '../spec/load.js';
import { UserError } from '../errors.js';
import type { CheckResult } from '../verify/run.js';
import type { Command, Io } from './io.js';
import { parseCommandArgs } from './args.js';

export const VERIFY_HELP = `Usage: init-service verify (DIR | FILE) [options]

Runs the real tools that are installed on every file of a generated tree
and reports per file: shellcheck and dash -n (init.d, conf.d, rc.d scripts),
systemd-analyze verify (any message is a failure) and systemd-analyze
security --offline=true (units, in a staged root), init-service lint.
A single FILE (an OpenRC script or conf.d file, an rc.d script, a unit) is
checked alone, its kind told by its content.

  --strict           a check skipped because its tool is missing is a failure
  --max-exposure N   fail a unit whose systemd exposure level is above N (0.0-10.0)
  --json             print the results as JSON

Exit status: 0 every check passed (or was skipped); 1 a check failed (or,
with --strict, was skipped); 2 usage.`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service verify', args, {
    strict: { type: 'boolean' },
    'max-exposure': { type: 'string' },
    json: { type: 'boolean' },
  }, true);
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check a generated tree with shellcheck, dash -n, systemd-analyze and lint',
  async run(args: readonly string[], io: Io): Promise<number> {
    const { values: options, positionals } = parse(args);
    if (positionals.length !== 1) throw new UserError('verify needs one DIR (the --out of generate) or FILE; run init-service verify --help', 2);
    const given = resolve(io.cwd, positionals[0]!);
    const kind = await stat(given).then(
      (s) => (s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other'),
      (error: unknown) => {
        throw new UserError(`cannot read ${given}: ${readFailure(error)}`, 2);
      },
    );
    if (kind === 'other') throw new UserError(`verify: ${positionals[0]} is neither a directory nor a file`, 2);
    const single = kind === 'file' ? await stageFile(given, positionals[0]!) : undefined;
    const dir = single?.dir ?? given;
    let maxExposure: number | undefined;
    if (options['max-exposure'] !== undefined) {
      maxExposure = Number(options['max-exposure']);
      if (!/^\d+(\.\d+)?$/.test(options['max-exposure']) || maxExposure > 10) {
        throw new UserError(`--max-exposure: "${options['max-exposure']}" is not a number from 0.0 to 10.0`, 2);
      }
    }

    const { verifyTree } = await import('../verify/run.js');
    let results: CheckResult[];
    try {
      results = await verifyTree(dir, { maxExposure });
    } finally {
      if (single) await rm(single.dir, { recursive: true, force: true });
    }
    // A single file is reported under the name it was given.
    if (single) results = results.map((r) => ({ ...r, path: single.shown }));
    if (results.length === 0) throw new UserError(`verify: ${positionals[0]} has no files to check`, 2);

    const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
    const failed = count('failed') + (options.strict ? count('skipped') : 0);
    if (options.json) {
      io.stdout(`${JSON.stringify({ [single ? 'file' : 'dir']: given, strict: options.strict ?? false, ok: failed === 0, results }, null, 2)}\n`);
    } else {
      io.stdout(report(results, options.strict ?? false));
      const skippedWhy = [...new Set(results.filter((r) => r.status === 'skipped').map((r) => `${r.check}: ${r.detail ?? 'skipped'}`))];
      io.stdout(
        `verify: ${count('ok')} passed, ${count('failed')} failed, ${count('skipped')} skipped` +
          `${skippedWhy.length > 0 ? ` (${skippedWhy.join('; ')})` : ''}` +
          `${options.strict && count('skipped') > 0 ? '; --strict counts skipped checks as failures' : ''}\n`,
      );
    }
    return failed > 0 ? 1 : 0;
  },
};

function report(results: readonly CheckResult[], strict: boolean): string {
  let out = '';
  let last = '';
  for (const r of results) {
    if (r.path !== last) out += `${r.path}\n`;
    last = r.path;
    const status = r.status === 'skipped' && strict ? 'FAILED' : r.status === 'failed' ? 'FAILED' : r.status;
    const [first = '', ...rest] = (r.detail ?? '').split('\n');
    out += `  ${status.padEnd(8)} ${r.check}${first ? `: ${first}` : ''}\n`;
    for (const line of rest) out += `             ${line}\n`;
  }
  return out;
}

/**
 * One file, staged alone in a tree of the generated layout so that the tree's
 * checks apply to it: a unit as systemd/NAME, an OpenRC script as
 * openrc/init.d/NAME, a conf.d file as openrc/conf.d/NAME, an rc.d script as
 * rcd/files/NAME.in. Its kind is told by its content.
 */
async function stageFile(file: string, shown: string): Promise<{ dir: string; shown: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${readFailure(error)}`, 2);
  }
  const name = basename(file);
  const kind = detectKind(file, text);
  const path =
    /^\[(Unit|Service|Install)\]/m.test(text) && /\.service$/.test(name) ? LAYOUT.unit(name)
    : kind === 'openrc' ? LAYOUT.openrcScript(name)
    : kind === 'rcd' ? LAYOUT.rcScript(name.replace(/\.in$/, ''))
    : isConfFile(text) ? LAYOUT.openrcConf(name)
    : undefined;
  if (path === undefined) {
    throw new UserError(`verify: ${shown} is neither a unit (NAME.service), an OpenRC script or conf.d file, nor an rc.d script; give one of those, or a generated DIR`, 2);
  }
  const dir = await mkdtemp(join(tmpdir(), 'init-service-verify-file-'));
  await mkdir(join(dir, dirname(path)), { recursive: true });
  await writeFile(join(dir, path), text, { mode: kind ? 0o755 : 0o644 });
  return { dir, shown };
}
