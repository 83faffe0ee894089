import { resolve } from 'node:path';
import { defaultOutDir, type Io } from '../commands/io.js';
import { askCheckbox, askConfirm, askSelect, askText, isCancel } from '../prompts.js';
import type { Problem } from '../spec/check-schema.js';
import { SpecError } from '../spec/normalize.js';
import { DEFAULT_TARGET_IDS, TARGETS, type TargetId } from '../targets/index.js';
import { answerProblems, draftProblems, explain } from './check.js';
import { getField, isWithin, schemaAt, setField, type Draft } from './draft.js';
import type { Decisions, Instead, Outcome } from './finish.js';
import type { Machine } from './machine.js';
import { fieldsSet, offered, QUESTIONS, type Choice, type Context, type Question, type SelectQuestion } from './questions.js';

export interface InterviewOptions {
  /** The description to edit (--spec FILE), parsed but not yet checked. */
  initial?: unknown;
  source?: string;
  targets?: readonly TargetId[];
  out?: string;
}

const ADVANCED = 'group, interpreter, logs, config check, stop signal, umask, nice, limits, hardening, pkg-plist';

/** Runs the wizard on a terminal. Ctrl+C at any question: exit 130, nothing written. */
export async function runInterview(options: InterviewOptions, io: Io, machine: Machine): Promise<number> {
  try {
    const outcome = await interview(options, io, machine);
    // Generating and writing load the template engine: not before the first question.
    const { finish } = await import('./finish.js');
    return await finish(outcome, io, machine, askingDecisions);
  } catch (error) {
    if (!isCancel(error)) throw error;
    io.stderr('\nCancelled, nothing written.\n');
    return 130;
  }
}

const askingDecisions: Decisions = {
  overwrite: (conflicts) =>
    askConfirm({
      message: `${conflicts.length === 1 ? 'One file differs' : `${conflicts.length} files differ`} from what would be generated (listed as "changed"). Overwrite?`,
      default: false,
    }),
  overwriteHint: 'Run again and answer yes to overwrite them, or choose another directory.',
  async instead(out) {
    const kind = await askSelect<Instead['kind']>({
      message: `Leave ${out}/ as it is, and`,
      choices: [
        { value: 'directory', name: 'write the files to another directory' },
        { value: 'save', name: 'save only the answers (the service description), to generate later' },
        { value: 'quit', name: 'quit; nothing is written' },
      ],
    });
    if (kind !== 'directory') return { kind };
    const dir = await askText({
      message: 'Write the files to',
      validate: (text) => (text.trim() === '' ? 'give a directory (it is created if missing)' : true),
    });
    return { kind, dir: dir.trim() };
  },
  write: (count, out) => askConfirm({ message: `Write ${count} file${count === 1 ? '' : 's'} to ${out}/?`, default: true }),
};

async function interview(options: InterviewOptions, io: Io, machine: Machine): Promise<Outcome> {
  // What no question can fix (a field of another version, a file that is not an object) is refused up front.
  const unaskable = options.initial === undefined ? [] : draftProblems(options.initial as Draft, DEFAULT_TARGET_IDS).filter((p) => questionsFor(p).length === 0);
  if (unaskable.length > 0) throw new SpecError(unaskable, options.source);
  const initial = (options.initial ?? {}) as Draft;

  io.stdout(
    options.initial
      ? `Editing ${options.source ?? 'the description'}: each question offers its current value.\n`
      : 'A few questions about the service; then the files are shown before anything is written.\n',
  );
  io.stdout('Enter takes the value in (parentheses); Tab edits it; Backspace clears it. Ctrl+C quits without writing.\n\n');

  const targets = await askCheckbox<TargetId>({
    message: 'Generate files for',
    choices: TARGETS.map((t) => ({ value: t.id, name: t.title, checked: (options.targets ?? DEFAULT_TARGET_IDS).includes(t.id) })),
  });
  const ctx: Context = { machine, targets, draft: initial };

  let advanced: boolean | undefined;
  for (const question of QUESTIONS) {
    if (question.advanced && advanced === undefined) {
      const used = QUESTIONS.some((q) => q.advanced && getField(initial, q.field) !== undefined);
      advanced = await askConfirm({ message: `Advanced settings? (${ADVANCED})`, default: used });
    }
    if (question.advanced && !advanced) continue;
    await askIfRelevant(question, ctx, io);
  }

  let problems = draftProblems(ctx.draft, ctx.targets);
  while (problems.length > 0) {
    const unmapped = problems.filter((p) => questionsFor(p).length === 0);
    if (unmapped.length > 0) throw new SpecError(unmapped, options.source);
    io.stdout(`\nThese values cannot be used for ${ctx.targets.join(', ')}; please answer again:\n`);
    for (const p of problems) io.stdout(`  ${p.path}: ${p.message}\n`);
    const again = new Set(problems.flatMap(questionsFor));
    for (const question of QUESTIONS.filter((q) => again.has(q))) await ask(question, ctx, io);
    problems = draftProblems(ctx.draft, ctx.targets);
  }

  const name = String(ctx.draft.name);
  const out = await askText({
    message: 'Write the files to',
    default: options.out ?? defaultOutDir(name),
    validate: (text) => (text.trim() === '' ? 'give a directory (it is created if missing)' : true),
  });
  return {
    draft: ctx.draft,
    targets,
    outDir: resolve(io.cwd, out.trim()),
    fromFile: fieldsSet(initial),
    source: options.source,
  };
}

/** The questions whose answers can fix a problem; none for an unknown field or a file that is not an object. */
function questionsFor(problem: Problem): Question[] {
  return QUESTIONS.filter((q) => isWithin(problem.path, q.field) || q.field.startsWith(`${problem.path}.`));
}

async function askIfRelevant(question: Question, ctx: Context, io: Io): Promise<void> {
  if (!question.when || question.when(ctx)) return ask(question, ctx, io);
  if (question.dropWhenSkipped && getField(ctx.draft, question.field) !== undefined) {
    ctx.draft = setField(ctx.draft, question.field, undefined);
    io.stdout(`  (${question.field} removed: it does not apply any more)\n`);
  }
}

/** Asks one question and stores the answer in ctx.draft; prints what the machine says about it. */
async function ask(question: Question, ctx: Context, io: Io): Promise<void> {
  const current = offered(question, ctx);
  let value: unknown;
  switch (question.kind) {
    case 'text': {
      const shown = question.format(current);
      const text = await askText({
        message: question.message,
        default: shown === '' ? undefined : shown,
        validate(line) {
          const parsed = question.parse(line, ctx);
          if ('error' in parsed) return parsed.error;
          const problems = answerProblems(ctx.draft, question.field, parsed.value, ctx.targets);
          return problems.length === 0 ? true : explain(problems, question.field);
        },
        shown(line) {
          const parsed = question.parse(line, ctx);
          return 'value' in parsed ? question.format(parsed.value) : line;
        },
      });
      const parsed = question.parse(text, ctx);
      value = 'value' in parsed ? parsed.value : undefined;
      break;
    }
    case 'confirm':
      flagInvalid(question, current, ctx, io);
      value = await askConfirm({ message: question.message, default: current === true });
      break;
    case 'select': {
      const choices = acceptableChoices(question, ctx);
      const match = choices.find((c) => c.value === current || (typeof current === 'string' && `SIG${c.value}` === current));
      if (!match) flagInvalid(question, current, ctx, io);
      const preselect = match ?? choices.find((c) => c.value === schemaAt(question.field).default);
      value = await askSelect({ message: question.message, choices, default: preselect?.value });
      break;
    }
  }
  ctx.draft = setField(ctx.draft, question.field, value);
  for (const line of question.notes?.(value, ctx) ?? []) io.stdout(`  ${line}\n`);
}

/**
 * The choices the description would accept here, by the same check as a spec
 * file: a reload signal is never offered as KILL or as the stop signal.
 */
function acceptableChoices(question: SelectQuestion, ctx: Context): readonly Choice[] {
  const accepted = question.choices.filter((c) => c.value === undefined || answerProblems(ctx.draft, question.field, c.value, ctx.targets).length === 0);
  return accepted.length > 0 ? accepted : question.choices;
}

/** A choice question cannot offer a value the file has but the schema refuses: say so, with the reason. */
function flagInvalid(question: Question, current: unknown, ctx: Context, io: Io): void {
  if (current === undefined) return;
  const problems = answerProblems(ctx.draft, question.field, current, ctx.targets);
  if (problems.length > 0) io.stdout(`  ${question.field}: ${explain(problems, question.field)}; choose again:\n`);
}
