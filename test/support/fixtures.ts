import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate, TARGET_IDS, type GeneratedFile } from '../../src/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Every fixture: the test specs plus the built-in examples. */
export function fixtureNames(): string[] {
  const local = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
  return [...local, ...examples].map((f) => f.replace(/\.json$/, '')).sort();
}

export function fixtureSpec(name: string): Record<string, unknown> {
  const dir = readdirSync(FIXTURES).includes(`${name}.json`) ? FIXTURES : EXAMPLES;
  return JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as Record<string, unknown>;
}

export function fixtureFiles(name: string): GeneratedFile[] {
  // Every target, the opt-in overlay included: the snapshots document all of it.
  return generate(fixtureSpec(name), { targets: TARGET_IDS }).files;
}

export function isShellFile(file: GeneratedFile): boolean {
  return file.content?.startsWith('#!') === true || file.path.startsWith('openrc/conf.d/');
}
