/**
 * Programmatic API: `generate(spec)` returns the files in memory, writes nothing.
 *
 *   import { generate, manifest } from 'init-service';
 *   const { files, warnings } = generate({ name: 'web', command: '/usr/bin/web' });
 *   // files: [{ path: 'openrc/init.d/web', mode: 0o755, content: '#!/sbin/openrc-run…' }, …]
 *   manifest(files); // [{ path, type, mode: '0755', sha256, size } | { path, type: 'symlink', mode, linkTarget }]
 *
 * The output is deterministic: the same descriptions and options give the
 * same files, byte for byte, on every machine, so a snapshot of them is a
 * stable test.
 */
import { generateFiles, type GenerateOptions, type Generated } from './generate.js';
import { loadTemplateEngine } from './render.js';
import { normalize } from './spec/normalize.js';
import type { ServiceSpec } from './spec/types.js';

// generate() is synchronous and takes `templates` overrides, which are compiled
// when used: have the template engine ready (the CLI loads it only for --templates).
await loadTemplateEngine();

export function generate(spec: ServiceSpec | ServiceSpec[] | unknown, options: GenerateOptions = {}): Generated {
  const specs = Array.isArray(spec) ? spec : [spec];
  return generateFiles(
    specs.map((s: unknown) => ({ service: normalize(s) })),
    options,
  );
}

export { manifest } from './manifest.js';
export { normalize, SpecError } from './spec/normalize.js';
export { loadSpecFile } from './spec/load.js';
export { SERVICE_SCHEMA } from './spec/schema.js';
export { TARGET_IDS } from './targets/index.js';
export type { GeneratedFile } from './files.js';
export type { ManifestEntry } from './manifest.js';
export type { GenerateOptions, Generated } from './generate.js';
export type { Problem } from './spec/check-schema.js';
export type { Service, ServiceSpec } from './spec/types.js';
export type { TargetId } from './targets/index.js';
