import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { RC_SUBR_SHELLCHECK_EXCLUDED } from '../src/verify/run.js';
import { fixtureFiles, fixtureNames, isShellFile } from './support/fixtures.js';
import { describeWithTools } from './support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(tool: string, args: string[], content: string): string {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, content);
  try {
    return execFileSync(tool, [...args, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${tool} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const shellFiles = fixtureNames().flatMap((name) =>
  fixtureFiles(name)
    .filter(isShellFile)
    .map((f) => [`${name}: ${f.path}`, f.content!] as const),
);

test('every fixture has shell files to check', () => {
  expect(shellFiles.length).toBeGreaterThanOrEqual(fixtureNames().length * 2);
});

describeWithTools(['shellcheck'])('shellcheck -s sh', () => {
  test.each(shellFiles)('%s', (_, content) => {
    // What verify leaves out for rc.subr scripts (src/verify/run.ts), and only for them.
    const rcSubr = /^\. \/etc\/rc\.subr$/m.test(content) ? ['-e', [...RC_SUBR_SHELLCHECK_EXCLUDED].map((c) => `SC${c}`).join(',')] : [];
    expect(check('shellcheck', ['-s', 'sh', ...rcSubr], content)).toBe('');
  });
});

describeWithTools(['dash', 'bash'])('dash -n and bash -n (Portage QA runs bash -n on init.d and conf.d)', () => {
  test.each(shellFiles)('%s', (_, content) => {
    check('dash', ['-n'], content);
    check('bash', ['-n'], content);
  });
});
