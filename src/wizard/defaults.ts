import { resolve } from 'node:path';
import { defaultOutDir, type Io } from '../commands/io.js';
import { UserError } from '../errors.js';
import { normalize, SpecError } from '../spec/normalize.js';
import { privatePathWarnings } from '../commands/private-paths.js';
import { SERVICE_SCHEMA } from '../spec/schema.js';
import { DEFAULT_TARGET_IDS, type TargetId } from '../targets/index.js';
import { draftProblems } from './check.js';
import type { Draft } from './draft.js';
import { finish } from './finish.js';
import { fieldsSet } from './questions.js';
import type { Machine } from './machine.js';

export interface DefaultsOptions {
  initial?: unknown;
  source?: string;
  targets?: readonly TargetId[];
  out?: string;
  force: boolean;
}

/**
 * `--yes`: every question takes its default without being asked. What has
 * no default (the required fields) must come from --spec; the message names them.
 */
export async function runWithoutQuestions(options: DefaultsOptions, io: Io, machine: Machine): Promise<number> {
  const draft = (options.initial ?? {}) as Draft;
  const isObject = typeof draft === 'object' && draft !== null && !Array.isArray(draft);
  const missing = isObject ? SERVICE_SCHEMA.required.filter((field) => draft[field] === undefined) : [];
  if (missing.length > 0) {
    const [list, them] = [missing.join(' and '), missing.length === 1 ? 'it' : 'them'];
    const unset = options.source ? ` and ${options.source} does not set ${them}` : '';
    throw new UserError(
      `--yes takes every default, but ${list} ${missing.length === 1 ? 'has' : 'have'} none${unset}: give ${them} in a description (--spec FILE), or run without --yes to be asked`,
      2,
    );
  }
  const targets = options.targets ?? DEFAULT_TARGET_IDS;
  const problems = draftProblems(draft, targets);
  if (problems.length > 0) throw new SpecError(problems, options.source);
  // What the questions would have said about each path, said once here.
  for (const warning of privatePathWarnings(normalize(draft))) io.stderr(`warning: ${options.source ? `${options.source}: ` : ''}${warning}\n`);
  return finish(
    { draft, targets, outDir: resolve(io.cwd, options.out ?? defaultOutDir(String(draft.name))), fromFile: fieldsSet(draft), source: options.source },
    io,
    machine,
    { overwrite: async () => options.force, overwriteHint: 'Use --force to overwrite them.', write: async () => true },
  );
}
