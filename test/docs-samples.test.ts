// The command samples of README.md and docs/ are this version's output:
// scripts/docs-samples.js reruns them with the built CLI; a stale one fails
// here with the difference (run `node scripts/docs-samples.js` to refresh).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script, without types
import { refreshSamples, SAMPLE_FILES } from '../scripts/docs-samples.js';

const files = SAMPLE_FILES as string[];
const refresh = refreshSamples as (text: string) => string;

describe('the samples of the documentation', () => {
  test.each(files)('%s shows what this version prints', (file) => {
    const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
    expect(text).toContain('<!-- sample -->');
    expect(text).toBe(refresh(text));
  });

  test('a sample that no longer matches is caught', () => {
    const stale = '<!-- sample -->\n```console\n$ init-service --version\n0.0.0-stale\n```\n';
    expect(refresh(stale)).not.toBe(stale);
    expect(refresh(stale)).toMatch(/^<!-- sample -->\n```console\n\$ init-service --version\n\S+\n```\n$/);
  });
});
