import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GENERATE_HELP } from '../src/commands/generate.js';
import { INSTALL_HELP } from '../src/commands/install.js';
import { VERIFY_HELP } from '../src/commands/verify.js';
import { templateNames } from '../src/render.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README lists every built-in template that --templates can override', () => {
  for (const name of templateNames()) expect(readme, name).toContain(`| \`${name}\` |`);
});

test('the README documents every option of generate, verify and install', () => {
  for (const help of [GENERATE_HELP, VERIFY_HELP, INSTALL_HELP]) {
    for (const [option] of help.matchAll(/--[a-z][a-z-]+/g)) expect(readme, option).toContain(option);
  }
});
