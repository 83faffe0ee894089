import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { fixtureFiles, fixtureNames } from './support/fixtures.js';

// Every fixture x target is kept as real files under __snapshots__/<fixture>/,
// readable (and linked from the README) as documentation of the output.
const SNAPSHOTS = fileURLToPath(new URL('./__snapshots__/', import.meta.url));

function manifest(name: string): string {
  return fixtureFiles(name)
    .map((f) => `${f.mode.toString(8).padStart(4, '0')} ${f.path}${f.linkTarget === undefined ? '' : ` -> ${f.linkTarget}`}`)
    .join('\n')
    .concat('\n');
}

describe.each(fixtureNames())('fixture %s', (name) => {
  test('MANIFEST lists every file with its mode and link', async () => {
    await expect(manifest(name)).toMatchFileSnapshot(join(SNAPSHOTS, name, 'MANIFEST'));
  });

  for (const file of fixtureFiles(name).filter((f) => f.content !== undefined)) {
    test(file.path, async () => {
      await expect(file.content).toMatchFileSnapshot(join(SNAPSHOTS, name, file.path));
    });
  }
});

test('no snapshot file is stale (vitest does not report unused file snapshots)', () => {
  const expected = new Set(
    fixtureNames().flatMap((name) => [
      join(name, 'MANIFEST'),
      ...fixtureFiles(name)
        .filter((f) => f.content !== undefined)
        .map((f) => join(name, f.path)),
    ]),
  );
  const onDisk: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else onDisk.push(relative(SNAPSHOTS, path));
    }
  };
  if (existsSync(SNAPSHOTS)) walk(SNAPSHOTS);
  expect(onDisk.filter((p) => !expected.has(p)).sort()).toEqual([]);
});
