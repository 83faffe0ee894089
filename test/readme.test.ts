import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { FIELD_NAMES } from '../src/spec/schema.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README documents every field of the service description', () => {
  for (const field of FIELD_NAMES) {
    const row = field === 'freebsd' ? 'freebsd.plist' : field === 'systemd' ? 'systemd.hardening' : field;
    expect(readme, field).toMatch(new RegExp(`^\\| [^|]*\`${row.replace('.', '\\.')}\``, 'm'));
  }
});

test('the README opens with the two commands a newcomer runs, and .ci/run runs the same test command', () => {
  expect(readme).toContain('npx init-service generate --example homesite --out ./out');
  expect(readme).toMatch(/^npm test$/m);
  expect(readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
});
