import fc from 'fast-check';

/**
 * fast-check settings shared by the property tests. CI runs a fixed seed, so
 * a failure reproduces; explore further with, for example,
 *
 *   FC_SEED=$RANDOM FC_SCALE=20 npx vitest run test/hostile-property.test.ts
 *
 * (FC_SCALE multiplies every test's number of runs; a failure prints its seed
 * and the shrunk counterexample.)
 */
const seed = fromEnv('FC_SEED', 6);
const scale = fromEnv('FC_SCALE', 1);
// Math.max(1, NaN) is NaN, and numRuns NaN makes fast-check run no case at all: every property would pass.
if (!(scale > 0)) throw new Error(`FC_SCALE must be a number above 0, not ${JSON.stringify(process.env.FC_SCALE)}`);

function fromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`${name} must be a finite number, not ${JSON.stringify(text)}`);
  return value;
}

/** Parameters for fc.assert: `runs` cases (times FC_SCALE) from the fixed or given seed. */
export function property(runs: number): { seed: number; numRuns: number } {
  return { seed, numRuns: Math.max(1, Math.round(runs * scale)) };
}

/** For cheap, in-process properties. */
export const PROPERTY = property(300);

/**
 * Text of any code points (ASCII, the BMP, astral; lone surrogates too),
 * drawn directly: fast-check's `unit: 'binary'` strings cost about a second
 * to set up.
 */
export function anyString(maxLength: number): fc.Arbitrary<string> {
  const codePoint = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }));
  return fc.array(codePoint, { maxLength }).map((points) => String.fromCodePoint(...points));
}
