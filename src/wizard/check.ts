import type { Problem } from '../spec/check-schema.js';
import { normalize, SpecError } from '../spec/normalize.js';
import { SERVICE_SCHEMA } from '../spec/schema.js';
import type { Service } from '../spec/types.js';
import { targetProblems, type TargetId } from '../targets/index.js';
import { isWithin, setField, type Draft } from './draft.js';

/**
 * Every problem of a draft, from the same code a spec file goes through:
 * normalize() (the schema and the cross-field rules), then each requested
 * target's problems().
 */
export function draftProblems(draft: Draft, targets: readonly TargetId[]): Problem[] {
  let service: Service;
  try {
    service = normalize(draft);
  } catch (error) {
    if (error instanceof SpecError) return error.problems;
    throw error;
  }
  return targetProblems([{ service }], targets);
}

/**
 * Stand-ins for required fields not answered yet, so that one answer can be
 * checked by the targets before the rest exist. Only problems of the field
 * being asked are reported, never the stand-ins'.
 */
const STAND_INS: Record<string, string> = { name: 'service', command: '/usr/bin/service' };

/** The problems an answer would have: `value` at `field` of `draft`. */
export function answerProblems(draft: Draft, field: string, value: unknown, targets: readonly TargetId[]): Problem[] {
  let trial = setField(draft, field, value);
  const top = field.split('.')[0]!;
  for (const key of SERVICE_SCHEMA.required) {
    if (key !== top && trial[key] === undefined) trial = setField(trial, key, STAND_INS[key]);
  }
  return draftProblems(trial, targets).filter((p) => isWithin(p.path, field));
}

/** One line per problem, the field named when it is a part of the one asked (`args[2]`). */
export function explain(problems: readonly Problem[], field: string): string {
  return problems.map((p) => (p.path === field ? p.message : `${p.path}: ${p.message}`)).join('\n');
}

/**
 * The draft without fields that change nothing (a value normalize() would
 * fill in anyway), except those the user's own file had: the saved
 * description stays as short as what was meant.
 */
export function withoutRedundant(draft: Draft, fields: readonly string[], keep: (field: string) => boolean): Draft {
  // What the files are made of: the normalized service, and of the raw
  // description (kept whole in it for the targets) the FreeBSD overrides.
  const meaning = (d: Draft) => {
    const service = normalize(d);
    const { command, args, configFile, pidfile } = service.spec.freebsd ?? {};
    return JSON.stringify({ ...service, spec: undefined, freebsdOverrides: [command, args, configFile, pidfile] });
  };
  let result = draft;
  const full = meaning(draft);
  for (const field of fields) {
    if (keep(field)) continue;
    const trial = setField(result, field, undefined);
    try {
      if (meaning(trial) === full) result = trial;
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
    }
  }
  return result;
}
