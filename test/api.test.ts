import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { generate, manifest, TARGET_IDS, type GeneratedFile, type ManifestEntry } from '../src/index.js';
import { readDist, staticClosure } from './support/bundle.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe("import { generate } from 'init-service'", () => {
  test('the published entry point returns the files in memory, the same as the source', () => {
    const spec = { name: 'web', family: 'sites', command: '/usr/bin/web', args: ['--port', '8080'] };
    const script = `
      import { generate, manifest } from 'init-service';
      const { files, warnings } = generate(${JSON.stringify(spec)});
      process.stdout.write(JSON.stringify({ files, warnings, manifest: manifest(files) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const published = JSON.parse(r.stdout) as { files: GeneratedFile[]; warnings: string[]; manifest: ManifestEntry[] };
    const local = generate(spec);
    expect(published.files).toEqual(local.files);
    expect(published.warnings).toEqual(local.warnings);
    expect(published.manifest).toEqual(manifest(local.files));
  });

  test('the bundle renders every fixture, every target, byte for byte as the source does (its templates are precompiled at build time)', () => {
    const specs = fixtureNames().map(fixtureSpec);
    const script = `
      import { generate, TARGET_IDS } from 'init-service';
      const specs = ${JSON.stringify(specs)};
      process.stdout.write(JSON.stringify(specs.map((s) => generate(s, { targets: TARGET_IDS }).files)));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    const published = JSON.parse(r.stdout) as GeneratedFile[][];
    expect(published).toHaveLength(specs.length);
    specs.forEach((spec, i) => expect(published[i], fixtureNames()[i]).toEqual(generate(spec, { targets: TARGET_IDS }).files));
  });

  test('files carry path, mode, content or link target; the manifest hashes the content', () => {
    const { files } = generate([{ name: 'web', family: 'sites', command: '/usr/bin/web' }], { targets: ['openrc'] });
    const link = files.find((f) => f.linkTarget !== undefined)!;
    expect(link).toEqual({ path: 'openrc/init.d/sites.web', mode: 0o777, linkTarget: 'sites' });
    const script: GeneratedFile = files.find((f) => f.path === 'openrc/init.d/sites')!;
    expect(script.mode).toBe(0o755);
    const entries = manifest(files);
    expect(entries.find((e) => e.path === 'openrc/init.d/sites')).toEqual({
      path: 'openrc/init.d/sites',
      type: 'file',
      mode: '0755',
      sha256: createHash('sha256').update(script.content!).digest('hex'),
      size: Buffer.byteLength(script.content!),
    });
    expect(entries.find((e) => e.type === 'symlink')).toEqual({ path: 'openrc/init.d/sites.web', type: 'symlink', mode: '0777', linkTarget: 'sites' });
  });

  test('custom templates through the API; an override that matches no built-in template throws', () => {
    const templates = fileURLToPath(new URL('./fixtures/custom-templates/', import.meta.url));
    const { files } = generate({ name: 'web', command: '/usr/bin/web' }, { targets: ['systemd'], templates: [templates] });
    expect(files[0]!.content).toMatch(/^# site-local unit for web\n/);
    const misspelt = fileURLToPath(new URL('./fixtures/misspelt-templates/', import.meta.url));
    expect(() => generate({ name: 'web', command: '/usr/bin/web' }, { templates: [misspelt] })).toThrow(/would override no built-in template/);
  });
});

test('the API and the generate path load no process-running code (execa is imported only by verify and install)', () => {
  // cli.cjs is what bin/init-service.js runs: the CLI and generate, in one CommonJS file.
  for (const entry of ['index.js', 'cli.js', 'cli.cjs']) {
    const graph = [...staticClosure(entry)];
    const text = graph.map((f) => readDist(f)).join('\n');
    expect(text, entry).not.toMatch(/node:child_process|from "execa"|\bexeca\/lib\b/);
  }
  // ...while verify and install do reach it, through import() only.
  expect(readDist('cli.cjs')).toContain('import("./cmd-verify.js")');
  const reached = [...staticClosure('cmd-verify.js')].map((f) => readDist(f)).join('\n');
  expect(reached).toMatch(/import\("\.\/(tools|run|execa)-[A-Z0-9]+\.js"\)/);
});
