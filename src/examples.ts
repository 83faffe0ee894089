import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';

/** The built-in examples shipped in `examples/`. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../examples', import.meta.url));

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function examplePath(name: string): string {
  const names = exampleNames();
  if (!names.includes(name)) {
    throw new UserError(`--example: no built-in example "${name}"; available: ${names.join(', ')}`, 2);
  }
  return `${EXAMPLES_DIR}/${name}.json`;
}
