import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GENERATE_HELP } from '../src/commands/generate.js';
import { INIT_HELP } from '../src/commands/init.js';
import { INSTALL_HELP } from '../src/commands/install.js';
import { LINT_HELP } from '../src/commands/lint.js';
import { UNINSTALL_HELP } from '../src/commands/uninstall.js';
import { VERIFY_HELP } from '../src/commands/verify.js';
import { WIZARD_HELP } from '../src/commands/wizard.js';
import { templateNames } from '../src/render.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

test('the generate page lists every built-in template that --templates can override', () => {
  const page = read('docs/commands/generate.md');
  for (const name of templateNames()) expect(page, name).toContain(`| \`${name}\` |`);
});

test("each command's page documents every option of the command", () => {
  const pages: Array<[string, string]> = [
    ['docs/commands/generate.md', GENERATE_HELP],
    ['docs/commands/wizard.md', WIZARD_HELP],
    ['docs/commands/init.md', INIT_HELP],
    ['docs/commands/install.md', INSTALL_HELP],
    ['docs/commands/uninstall.md', UNINSTALL_HELP],
    ['docs/commands/lint.md', LINT_HELP],
    ['docs/commands/verify.md', VERIFY_HELP],
  ];
  for (const [path, help] of pages) {
    const page = read(path);
    for (const [option] of help.matchAll(/--[a-z][a-z-]+/g)) expect(page, `${path}: ${option}`).toContain(option);
  }
});

test('the README is what a newcomer reads: at most about 250 lines, pointing to every page of the manual', () => {
  const readme = read('README.md');
  expect(readme.split('\n').length).toBeLessThanOrEqual(260);
  const manual = read('docs/README.md');
  const pages = [...manual.matchAll(/\]\(([^)#]+\.md)\)/g)].map(([, link]) => link!).filter((link) => !link.startsWith('../'));
  expect(pages.length).toBeGreaterThan(10);
  for (const link of pages) expect(readme, link).toContain(`docs/${link}`);
});
