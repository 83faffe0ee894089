// Bundles src/ into dist/ with esbuild (no runtime dependencies left to
// install), emits type declarations for the API, and publishes the JSON Schema.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry content hashes: remove the last build's, or stale ones pile up in the package.
const dist = new URL('../dist/', import.meta.url);
for (const file of existsSync(dist) ? readdirSync(dist) : []) if (file.endsWith('.js')) rmSync(new URL(file, dist));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts', 'src/index.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(version) },
  // Bundled CommonJS (ejs, fs-extra) calls require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __initServiceRequire } from 'node:module'; const require = __initServiceRequire(import.meta.url);" },
});

const { SERVICE_SCHEMA } = await import(new URL('../dist/index.js', import.meta.url).href);
mkdirSync(new URL('../schema', import.meta.url), { recursive: true });
writeFileSync(new URL('../schema/service.schema.json', import.meta.url), `${JSON.stringify(SERVICE_SCHEMA, null, 2)}\n`);

if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
