import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { unifiedDiff } from '../src/diff.js';
import { describeWithTools } from './support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('equal texts give no diff; a change shows GNU-style hunks with three lines of context', () => {
  expect(unifiedDiff('a\n', 'a\n', 'x')).toBe('');
  const before = 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\n';
  const after = 'l1\nl2\nl3\nl4\nL5\nl6\nl7\nl8\n';
  expect(unifiedDiff(before, after, 'dir/f')).toBe(
    ['--- a/dir/f', '+++ b/dir/f', '@@ -2,7 +2,7 @@', ' l2', ' l3', ' l4', '-l5', '+L5', ' l6', ' l7', ' l8', ''].join('\n'),
  );
});

test('a new file is diffed against /dev/null; a missing final newline is marked', () => {
  expect(unifiedDiff(undefined, 'a\nb\n', 'f')).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  expect(unifiedDiff('a\nb', 'a\nb\n', 'f')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
});

/** Random texts from a small alphabet of lines, so that many lines repeat. */
function randomText(random: () => number): string {
  const lines = Array.from({ length: Math.floor(random() * 30) }, () => `line ${Math.floor(random() * 6)}`);
  const text = lines.join('\n');
  return random() < 0.8 && text !== '' ? `${text}\n` : text;
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

describeWithTools(['patch', 'diff'])('patch(1) turns the old text into the new one with our diff', () => {
  test('200 random pairs', () => {
    const random = seeded(7);
    for (let i = 0; i < 200; i++) {
      const before = randomText(random);
      const after = randomText(random);
      const file = join(dir, 'f');
      writeFileSync(file, before);
      const patch = unifiedDiff(before, after, 'f');
      if (before === after) {
        expect(patch).toBe('');
        continue;
      }
      const r = spawnSync('patch', ['-s', '-p1', '-d', dir, '--no-backup-if-mismatch', '-r', '-'], { input: patch, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`, patch).toBe('');
      expect(r.status).toBe(0);
      expect(readFileSync(file, 'utf8'), patch).toBe(after);
      // As short as GNU diff --minimal: the same number of removed and added lines.
      writeFileSync(join(dir, 'old'), before);
      writeFileSync(join(dir, 'new'), after);
      const gnu = spawnSync('diff', ['-u', '--minimal', join(dir, 'old'), join(dir, 'new')], { encoding: 'utf8' }).stdout;
      const changes = (text: string) => text.split('\n').slice(2).filter((l) => /^[-+]/.test(l)).length;
      expect(changes(patch)).toBe(changes(gnu));
    }
  });
});

test('a large rewrite stays fast and valid', () => {
  const before = Array.from({ length: 20_000 }, (_, i) => `a${i}`).join('\n');
  const after = Array.from({ length: 20_000 }, (_, i) => `b${i}`).join('\n');
  const started = Date.now();
  const patch = unifiedDiff(before, after, 'big');
  expect(Date.now() - started).toBeLessThan(3000);
  expect(patch.split('\n').filter((l) => l.startsWith('-a')).length).toBe(20_000);
});
