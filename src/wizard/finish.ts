import { isAbsolute, relative } from 'node:path';
import type { Io } from '../commands/io.js';
import { blockedMessage, conflictMessage, obstacles, writeInterruptibly } from '../commands/plan-report.js';
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

/** The two questions asked before writing; --yes answers them without asking. */
export interface Decisions {
  overwrite(conflicts: readonly PlannedFile[]): Promise<boolean>;
  /** What to do instead, when overwriting was refused. */
  overwriteHint: string;
  write(fileCount: number, outDir: string): Promise<boolean>;
}

/** The file the answers are saved to, beside the generated ones. */
export function specFileName(name: string): string {
  return `${name}.service.json`;
}

/** A path as the user should read and type it: relative to where they are when that is shorter. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
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
  const planned = await plan([...files, specFile], outcome.outDir);
  const out = shownPath(outcome.outDir, io.cwd);

  io.stdout(`\n${summary(JSON.parse(saved) as Draft, outcome.targets)}\n`);
  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
  io.stdout(`\nFiles in ${out}/:\n`);
  for (const p of planned) io.stdout(`  ${describeState(p).padEnd(9)} ${p.file.path}${p.file.linkTarget !== undefined ? ` -> ${p.file.linkTarget}` : ''}\n`);

  // What no answer can fix (a directory where a file goes) is refused before any question.
  const { conflicts, blocked } = obstacles(planned);
  if (blocked.length > 0) throw new UserError(blockedMessage(blocked), 1);
  if (conflicts.length > 0 && !(await decide.overwrite(conflicts))) {
    throw new UserError(conflictMessage(out, conflicts, (p) => p.file.path, false, decide.overwriteHint), 1);
  }
  const changed = planned.filter((p) => p.state !== 'same').length;
  const same = planned.length - changed;
  if (changed === 0) {
    io.stdout(`\nAll ${planned.length} files in ${out}/ are already up to date; nothing to write.\n`);
  } else if (await decide.write(changed, out)) {
    if (!(await writeInterruptibly(planned))) {
      io.stderr(`\nInterrupted before any file was replaced; nothing written, ${out}/ is as it was.\n`);
      return 130;
    }
    io.stdout(`\n${changed} of ${planned.length} files written to ${out}/${same > 0 ? ` (${same} already up to date)` : ''}.\n`);
  } else {
    io.stderr('Nothing written.\n');
    return 1;
  }
  const targetFlag = outcome.targets.length === DEFAULT_TARGET_IDS.length && DEFAULT_TARGET_IDS.every((t) => outcome.targets.includes(t)) ? '' : ` --target ${outcome.targets.join(',')}`;
  io.stdout(
    `Regenerate without questions: init-service generate --spec ${shWord(`${out}/${specFile.path}`)} --out ${shWord(out)}${targetFlag}\n\n`,
  );
  io.stdout(`${nextSteps(service, outcome.targets, out, machine).join('\n')}\n`);
  return 0;
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
