import { resolve } from 'node:path';
import { count, shownPath, type Io } from '../commands/io.js';
import { blockedMessage, conflictMessage, obstacles, planDiff, writeInterruptibly } from '../commands/plan-report.js';
import { UserError } from '../errors.js';
import { DATA_MODE, type GeneratedFile } from '../files.js';
import { generateFiles } from '../generate.js';
import { shWord } from '../escape.js';
import { normalize } from '../spec/normalize.js';
import { DEFAULT_TARGET_IDS, type TargetId } from '../targets/index.js';
import { plan, type PlannedFile } from '../write.js';
import { withoutRedundant } from './check.js';
import { getField, inSchemaOrder, type Draft } from './draft.js';
import type { Machine } from './machine.js';
import { nextSteps } from './next-steps.js';
import { formatValue, QUESTIONS, questionFor } from './questions.js';

export interface Outcome {
  draft: Draft;
  targets: readonly TargetId[];
  /** Absolute output directory. */
  outDir: string;
  /** Fields (`limits.nofile`) the user's own file set: saved even when they only repeat a default. */
  fromFile: ReadonlySet<string>;
  /** Where the description came from, for messages. */
  source?: string;
}

/** What to do when overwriting was refused: write elsewhere, keep only the answers, or stop. */
export type Instead = { kind: 'directory'; dir: string } | { kind: 'save' } | { kind: 'quit' };

/** The questions asked before writing; --yes answers them without asking. */
export interface Decisions {
  overwrite(conflicts: readonly PlannedFile[]): Promise<boolean>;
  /** What to do instead, when overwriting was refused. */
  overwriteHint: string;
  /** Asked once overwriting was refused; without it (--yes) the refusal ends the run. */
  instead?(out: string): Promise<Instead>;
  write(fileCount: number, outDir: string): Promise<boolean>;
}

/** The file the answers are saved to, beside the generated ones. */
export function specFileName(name: string): string {
  return `${name}.service.json`;
}

/** The description as saved: only what changes something (or was in the file), keys in schema order. */
export function savedDescription(outcome: Outcome): string {
  const fields = QUESTIONS.map((q) => q.field);
  const keep = (field: string) => questionFor(field)?.alwaysSaved === true || outcome.fromFile.has(field);
  const minimal = withoutRedundant(outcome.draft, fields, keep);
  return `${JSON.stringify(inSchemaOrder(minimal), null, 2)}\n`;
}

/**
 * Generates from the finished answers, shows what will be written, asks (or
 * is told) whether to write, writes atomically through write.ts, saves the
 * description and says how to install the result. Returns the exit status.
 */
export async function finish(outcome: Outcome, io: Io, machine: Machine, decide: Decisions): Promise<number> {
  const service = normalize(outcome.draft, outcome.source);
  const { files, warnings } = generateFiles([{ service, source: outcome.source }], { targets: outcome.targets });
  const saved = savedDescription(outcome);
  const specFile: GeneratedFile = { path: specFileName(service.name), mode: DATA_MODE, content: saved };
  let outDir = outcome.outDir;

  io.stdout(`\n${summary(JSON.parse(saved) as Draft, outcome.targets)}\n`);
  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
  let planned: PlannedFile[];
  let out: string;
  for (;;) {
    planned = await plan([...files, specFile], outDir);
    out = shownPath(outDir, io.cwd);
    io.stdout(`\nFiles in ${out}/:\n`);
    for (const p of planned) io.stdout(`  ${describeState(p).padEnd(9)} ${p.file.path}${p.file.linkTarget !== undefined ? ` -> ${p.file.linkTarget}` : ''}\n`);

    // What no answer can fix (a directory where a file goes) is refused before any question.
    const { conflicts, blocked } = obstacles(planned);
    if (blocked.length > 0) throw new UserError(blockedMessage(blocked), 1);
    if (conflicts.length === 0) break;
    // The changes first: nobody should have to say yes to what they have not seen.
    io.stdout('\n');
    for (const p of conflicts) io.stdout(await planDiff(p, p.file.path));
    if (await decide.overwrite(conflicts)) break;
    const instead = decide.instead && (await decide.instead(out));
    if (!instead || instead.kind === 'quit') {
      throw new UserError(conflictMessage(out, conflicts, (p) => p.file.path, false, decide.overwriteHint), 1);
    }
    if (instead.kind === 'save') return saveAnswersOnly(specFile, [outDir, io.cwd], io, outcome.targets);
    outDir = resolve(io.cwd, instead.dir);
  }
  const changed = planned.filter((p) => p.state !== 'same').length;
  const same = planned.length - changed;
  if (changed === 0) {
    io.stdout(`\n${planned.length === 1 ? 'The file' : `All ${planned.length} files`} in ${out}/ ${planned.length === 1 ? 'is' : 'are'} already up to date; nothing to write.\n`);
  } else if (await decide.write(changed, out)) {
    if (!(await writeInterruptibly(planned))) {
      io.stderr(`\nInterrupted before any file was replaced; nothing written, ${out}/ is as it was.\n`);
      return 130;
    }
    io.stdout(`\n${changed} of ${count(planned.length, 'file')} written to ${out}/${same > 0 ? ` (${same} already up to date)` : ''}.\n`);
  } else {
    io.stderr('Nothing written.\n');
    return 1;
  }
  io.stdout(
    `Regenerate without questions: init-service generate --spec ${shWord(`${out}/${specFile.path}`)} --out ${shWord(out)}${targetFlag(outcome.targets)}\n\n`,
  );
  io.stdout(`${nextSteps(service, outcome.targets, out, machine, files).join('\n')}\n`);
  return 0;
}

/**
 * Overwriting was refused, but the answers are kept: the description alone,
 * beside the files if it is new or the same there, else in the current
 * directory under the first free name. Exit 1: the files were not written.
 */
async function saveAnswersOnly(specFile: GeneratedFile, dirs: readonly string[], io: Io, targets: readonly TargetId[]): Promise<number> {
  const base = specFile.path.replace(/\.service\.json$/, '');
  const renamed = Array.from({ length: 98 }, (_, i) => ({ dir: dirs.at(-1)!, file: { ...specFile, path: `${base}-${i + 2}.service.json` } }));
  for (const { dir, file } of [...dirs.map((dir) => ({ dir, file: specFile })), ...renamed]) {
    const [planned] = await plan([file], dir);
    if (planned!.blocker || planned!.state === 'changed') continue;
    if (!(await writeInterruptibly([planned!]))) return 130;
    const where = shownPath(resolve(dir, file.path), io.cwd);
    io.stdout(`\nAnswers saved to ${where}; no other file written.\nGenerate from them later: init-service generate --spec ${shWord(where)} --out DIR${targetFlag(targets)}\n`);
    return 1;
  }
  throw new UserError('no free name for the answers beside the files or in the current directory; nothing was written', 1);
}

/** ` --target LIST` to regenerate for these targets; nothing for the default ones. */
function targetFlag(targets: readonly TargetId[]): string {
  const all = targets.length === DEFAULT_TARGET_IDS.length && DEFAULT_TARGET_IDS.every((t) => targets.includes(t));
  return all ? '' : ` --target ${targets.join(',')}`;
}

function describeState(p: PlannedFile): string {
  return p.blocker ? 'blocked' : p.state === 'same' ? 'unchanged' : p.state === 'new' ? 'new' : 'changed';
}

/** The saved description as aligned `field  value` lines, values as they are typed in the questions. */
function summary(saved: Draft, targets: readonly TargetId[]): string {
  const rows: [string, string][] = [];
  for (const question of QUESTIONS) {
    const value = getField(saved, question.field);
    if (value !== undefined) rows.push([question.field, formatValue(question, value)]);
  }
  for (const [key, value] of Object.entries(saved)) {
    if (!questionFor(key) && typeof value !== 'object') rows.push([key, formatValue(undefined, value)]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['Service description:', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), `Targets: ${targets.join(', ')}`].join('\n');
}
