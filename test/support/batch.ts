import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RC_SUBR_SHELLCHECK_EXCLUDED } from '../../src/verify/run.js';

/**
 * Shell checks over many files with few processes: the property tests
 * generate dozens of scripts per run, and one process per file would cost
 * more than the generation itself.
 */

export interface ShellFile {
  /** A name for messages: which case and which generated file. */
  label: string;
  content: string;
}

/** Writes the files into a fresh directory as 0001, 0002, ...; returns the directory and the paths. */
function stage(files: readonly ShellFile[]): { dir: string; paths: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'init-service-batch-'));
  mkdirSync(join(dir, 'f'));
  const paths = files.map((f, i) => {
    const path = join(dir, 'f', String(i).padStart(4, '0'));
    writeFileSync(path, f.content);
    return path;
  });
  return { dir, paths };
}

/** `shellcheck -s sh` and `dash -n` on every file; returns one line per file that fails either, with the tool's words. */
export function shellProblems(files: readonly ShellFile[]): string[] {
  if (files.length === 0) return [];
  const { dir, paths } = stage(files);
  try {
    const problems: string[] = [];
    const shellcheck = spawnSync('shellcheck', ['-s', 'sh', '-f', 'gcc', ...paths], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (shellcheck.error) throw shellcheck.error;
    // 0: no problems; 1: problems, printed. Anything else (2 bad file, 3 bad syntax of options, 4 bad options,
    // a signal) prints nothing on stdout, which must not read as "no problems"; so must 1 with nothing printed.
    if ((shellcheck.status !== 0 && shellcheck.status !== 1) || (shellcheck.status === 1 && (shellcheck.stdout ?? '').trim() === '')) {
      throw new Error(`shellcheck ${shellcheck.signal ? `killed by ${shellcheck.signal}` : `exit ${shellcheck.status}`}: ${shellcheck.stderr ?? ''}`);
    }
    for (const line of (shellcheck.stdout ?? '').split('\n').filter(Boolean)) {
      const index = paths.findIndex((p) => line.startsWith(`${p}:`));
      if (index < 0) {
        problems.push(`shellcheck: ${line}`);
        continue;
      }
      // What verify leaves out for rc.subr scripts (src/verify/run.ts).
      const code = Number(/\[SC(\d+)\]$/.exec(line)?.[1]);
      if (/^\. \/etc\/rc\.subr$/m.test(files[index]!.content) && RC_SUBR_SHELLCHECK_EXCLUDED.has(code)) continue;
      const at = Number(/^:(\d+):/.exec(line.slice(paths[index]!.length))?.[1]);
      const source = files[index]!.content.split('\n')[at - 1] ?? '';
      problems.push(`shellcheck: ${files[index]!.label}${line.slice(paths[index]!.length)}\n  ${JSON.stringify(source.slice(0, 300))}`);
    }
    // One dash per file, from one shell: a parse error names the file.
    const dash = spawnSync('sh', ['-c', 'for f do dash -n "$f" 2>&1 | sed "s|^|$f: |"; done', 'sh', ...paths], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (dash.error) throw dash.error;
    if (dash.status !== 0) throw new Error(`dash -n loop ${dash.signal ? `killed by ${dash.signal}` : `exit ${dash.status}`}: ${dash.stderr ?? ''}`);
    for (const line of (dash.stdout ?? '').split('\n').filter(Boolean)) {
      const index = paths.findIndex((p) => line.startsWith(`${p}: `));
      problems.push(`dash -n: ${index < 0 ? line : `${files[index]!.label}: ${line.slice(paths[index]!.length + 2)}`}`);
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs one dash script per file (`script(path, index)` gives its text), all from
 * one dash process, each in its own subshell; returns each one's output.
 * Outputs are separated by a marker line the scripts never print.
 */
export function dashEach(files: readonly ShellFile[], script: (path: string, index: number) => string): string[] {
  if (files.length === 0) return [];
  const { dir, paths } = stage(files);
  const marker = '\u0002--init-service-batch--\u0002';
  try {
    const text = paths.map((p, i) => `(\n${script(p, i)}\n)\nprintf '%s' '${marker}'\n`).join('');
    writeFileSync(join(dir, 'run.sh'), text);
    const result = spawnSync('dash', [join(dir, 'run.sh')], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60_000 });
    if (result.error) throw result.error;
    const outputs = (result.stdout ?? '').split(marker);
    if (outputs.length !== paths.length + 1) throw new Error(`dash ran ${outputs.length - 1} of ${paths.length} scripts: ${result.stderr}`);
    return outputs.slice(0, -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A shell function printing its arguments as a list: the count, then each, NUL-terminated. */
export const EMIT = `_emit() { printf '%s\\0' "$#"; [ "$#" -eq 0 ] || printf '%s\\0' "$@"; }`;

/** Reads what _emit printed: the lists, in order, and whatever NUL-terminated fields follow them. */
export function lists(output: string, count: number): { lists: string[][]; rest: string[] } {
  const fields = output.split('\0').slice(0, -1);
  const out: string[][] = [];
  let i = 0;
  for (let k = 0; k < count; k++) {
    const n = Number(fields[i]);
    if (!Number.isInteger(n)) throw new Error(`no list ${k} in ${JSON.stringify(output.slice(0, 200))}`);
    out.push(fields.slice(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return { lists: out, rest: fields.slice(i) };
}
