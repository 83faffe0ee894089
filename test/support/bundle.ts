import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bundle (dist/, built by globalSetup). */
export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The text of one file of the bundle. */
export function readDist(file: string): string {
  return readFileSync(join(DIST, file), 'utf8');
}

/** Every bundle file `entry` loads before it runs, itself included (static imports and re-exports only, not import()). */
export function staticClosure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  // esbuild, minified, writes `import{a,b}from"./chunk.js";import"./c.js"`, several to a line.
  for (const [, from, bare] of readDist(entry).matchAll(/(?:^|;)\s*(?:import|export)\b[^;]*?from\s*"\.\/([^"]+)"|(?:^|;)\s*import\s*"\.\/([^"]+)"/gm)) {
    staticClosure((from ?? bare)!, seen);
  }
  return seen;
}
