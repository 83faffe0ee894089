// The published package as npm packs it (issue 17, points 7 and 12): its
// file list and manifest, read with `npm pack --dry-run` (no scripts run).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ files: Array<{ path: string }> }>;
const files = packed[0]!.files.map((f) => f.path);
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { license: string; scripts: Record<string, string> };

describe('the published package', () => {
  test('carries the MIT license its manifest names (point 7)', () => {
    expect(manifest.license).toBe('MIT');
    expect(files).toContain('LICENSE');
    expect(readFileSync(new URL('../LICENSE', import.meta.url), 'utf8')).toMatch(/^MIT License\n/);
  });

  test('has no script npm would run, or ask about, where it is installed (point 12)', () => {
    // npm 11 lists every package with one of these for review on install, even
    // a tarball's prepare it never runs; the tarball ships no scripts/ anyway.
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts[hook], hook).toBeUndefined();
    // In the repository the build still runs after npm ci / npm install (the
    // root package's `dependencies` script) and before npm pack.
    expect(manifest.scripts.dependencies).toBe('node scripts/build.js');
    expect(manifest.scripts.prepack).toBe('node scripts/build.js');
  });

  test('ships the manual the README points to', () => {
    expect(files).toContain('docs/README.md');
  });
});
