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

/**
 * Compiles every built-in template once, here, with the options render.ts
 * uses at run time (src/template-options.ts), and puts the functions in the
 * bundle in place of src/precompiled-templates.ts: a run then neither parses
 * templates nor compiles them (about 12 ms of a cold start).
 */
async function precompiledTemplates() {
  const options = await build({ absWorkingDir: root, entryPoints: ['src/template-options.ts'], bundle: true, write: false, format: 'esm', platform: 'node' });
  const { TEMPLATE_OPTIONS, htmlEscapingProblem, normalizeTemplateText } = await import(
    `data:text/javascript,${encodeURIComponent(options.outputFiles[0].text)}`
  );
  const ejs = (await import('ejs')).default;
  const templates = new URL('../templates/', import.meta.url);
  const walk = (dir) =>
    readdirSync(new URL(dir, templates), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(`${dir}${e.name}/`) : e.name.endsWith('.ejs') ? [`${dir}${e.name}`] : [],
    );
  const entries = walk('')
    .sort()
    .map((name) => {
      const text = normalizeTemplateText(readFileSync(new URL(name, templates), 'utf8'));
      const problem = htmlEscapingProblem(text, `templates/${name}`);
      if (problem) throw new Error(problem);
      // compileDebug off: no per-call line tracking and error-rethrow closure (the
      // built-in templates are tested; --templates overrides keep it on).
      const fn = ejs.compile(text, {
        ...TEMPLATE_OPTIONS,
        destructuredLocals: [...TEMPLATE_OPTIONS.destructuredLocals],
        filename: `templates/${name}`,
        client: true,
        compileDebug: false,
      });
      return `  ${JSON.stringify(name)}: ${fn.toString()},`;
    });
  return `export const PRECOMPILED = {\n${entries.join('\n')}\n};\n`;
}
const precompiled = await precompiledTemplates();

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
  // Less for V8 to read at every start; names stay, for stack traces (--debug).
  minifyWhitespace: true,
  minifySyntax: true,
  define: { __VERSION__: JSON.stringify(version) },
  plugins: [
    {
      name: 'precompiled-templates',
      setup(b) {
        b.onResolve({ filter: /precompiled-templates\.js$/ }, (args) => ({ path: args.path, namespace: 'precompiled-templates' }));
        b.onLoad({ filter: /.*/, namespace: 'precompiled-templates' }, () => ({ contents: precompiled, loader: 'js' }));
      },
    },
  ],
  // Bundled CommonJS (ejs) calls require(); give the ESM bundle one.
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
