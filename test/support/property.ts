/**
 * fast-check settings shared by the property tests. CI runs a fixed seed, so
 * a failure reproduces; explore further with, for example,
 *
 *   FC_SEED=$RANDOM FC_SCALE=20 npx vitest run test/hostile-property.test.ts
 *
 * (FC_SCALE multiplies every test's number of runs; a failure prints its seed
 * and the shrunk counterexample.)
 */
const seed = Number(process.env.FC_SEED ?? 6);
const scale = Number(process.env.FC_SCALE ?? 1);

/** Parameters for fc.assert: `runs` cases (times FC_SCALE) from the fixed or given seed. */
export function property(runs: number): { seed: number; numRuns: number } {
  return { seed, numRuns: Math.max(1, Math.round(runs * scale)) };
}

/** For cheap, in-process properties. */
export const PROPERTY = property(300);
