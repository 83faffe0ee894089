import { SpecError } from '../../src/spec/normalize.js';

/**
 * What `run` refuses, as "path: message" lines; [] when it does not throw.
 * Any error but a SpecError is thrown on.
 */
export function specProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}
