import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';

/** The built-in examples shipped in `examples/`. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../examples', import.meta.url));

/** Examples are `NAME.json`, or a directory `NAME/` with one description per member of a family. */
export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() || e.name.endsWith('.json'))
    .map((e) => e.name.replace(/\.json$/, ''))
    .sort();
}

export function examplePath(name: string): string {
  const names = exampleNames();
  if (!names.includes(name)) {
    throw new UserError(`--example: no built-in example "${name}"; available: ${names.join(', ')}`, 2);
  }
  const dir = `${EXAMPLES_DIR}/${name}`;
  return existsSync(dir) ? dir : `${dir}.json`;
}
