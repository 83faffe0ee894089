// Bundles src/ into dist/ with esbuild (no runtime dependencies left to
// install), emits type declarations for the API, and publishes the JSON Schema.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry content hashes: remove the last build's, or stale ones pile up in the package.
const dist = new URL('../dist/', import.meta.url);
for (const file of existsSync(dist) ? readdirSync(dist) : []) if (/\.c?js$/.test(file)) rmSync(new URL(file, dist));
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
      return `  ${JSON.stringify(name)}: ${withoutHtmlEscaper(fn.toString(), name)},`;
    });
  return `export const PRECOMPILED = {\n${entries.join('\n')}\n};\n`;
}
const precompiled = await precompiledTemplates();

/**
 * ejs' client-mode functions start by building an HTML escaper (an object, a
 * regular expression and two closures, at every call) for `<%=`, which the
 * templates may not use: drop it. Checked, so that another ejs version that
 * emits something else fails here rather than leaving it in.
 */
function withoutHtmlEscaper(source, name) {
  const prologue = /escapeFn = escapeFn \|\| function \(markup\) \{[^]*?\nfunction encode_char\(c\) \{\n  return _ENCODE_HTML_RULES\[c\] \|\| c;\n\};\n/;
  if (!prologue.test(source)) throw new Error(`templates/${name}: ejs emitted no HTML-escaper prologue in the expected form; check withoutHtmlEscaper in scripts/build.js`);
  const stripped = source.replace(prologue, '');
  if (/_ENCODE_HTML_RULES|_MATCH_HTML|encode_char|escapeFn\(/.test(stripped)) throw new Error(`templates/${name}: the compiled template still uses the HTML escaper`);
  return stripped;
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  logLevel: 'warning',
  // Less for V8 to read at every start; names stay, for stack traces (--debug).
  minifyWhitespace: true,
  minifySyntax: true,
  define: { __VERSION__: JSON.stringify(version) },
};
const precompiledPlugin = {
  name: 'precompiled-templates',
  setup(b) {
    b.onResolve({ filter: /precompiled-templates\.js$/ }, (args) => ({ path: args.path, namespace: 'precompiled-templates' }));
    b.onLoad({ filter: /.*/, namespace: 'precompiled-templates' }, () => ({ contents: precompiled, loader: 'js' }));
  },
};
// The commands src/cli.ts loads with import(): each becomes dist/cmd-<name>.js,
// read from the table there so that a new command is still one line in cli.ts.
const LAZY_COMMANDS = [...readFileSync(new URL('../src/cli.ts', import.meta.url), 'utf8').matchAll(/import\('\.\/commands\/([a-z-]+)\.js'\)/g)].map((m) => m[1]);
if (LAZY_COMMANDS.length === 0) throw new Error("src/cli.ts loads no command with import('./commands/NAME.js'): check LAZY_COMMANDS in scripts/build.js");
/** What the generate path imports only now and then: kept out of dist/cli.cjs. */
const LAZY_MODULES = {
  yaml: { entry: 'src/lazy/yaml.ts', specifier: /^yaml$/ },
  ejs: { entry: 'src/lazy/ejs.ts', specifier: /^ejs$/ },
  manifest: { entry: 'src/manifest.ts', specifier: /\/manifest\.js$/ },
};

// The ES module build: the API (index.js), the CLI, and each command other
// than generate as an entry of its own with a stable name (cmd-*.js), which
// the CommonJS CLI below loads with import() when such a command runs.
await build({
  ...common,
  entryPoints: {
    cli: 'src/cli.ts',
    index: 'src/index.ts',
    ...Object.fromEntries(LAZY_COMMANDS.map((c) => [`cmd-${c}`, `src/commands/${c}.ts`])),
    ...Object.fromEntries(Object.entries(LAZY_MODULES).map(([name, { entry }]) => [`lazy-${name}`, entry])),
  },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  plugins: [precompiledPlugin],
  // Bundled CommonJS (ejs) calls require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __initServiceRequire } from 'node:module'; const require = __initServiceRequire(import.meta.url);" },
});

// What bin/init-service.cjs runs: the CLI and the generate path as one
// CommonJS file. Node starts CommonJS several milliseconds sooner than an ES
// module graph, and generate is what npx and CI loops run; the other
// commands come from the ES module build above.
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  define: { ...common.define, 'import.meta.url': '__initServiceUrl' },
  banner: { js: "const __initServiceUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [
    precompiledPlugin,
    {
      name: 'lazy-commands',
      setup(b) {
        const lazy = new RegExp(`^\\./commands/(${LAZY_COMMANDS.join('|')})\\.js$`);
        b.onResolve({ filter: lazy }, (args) => ({ path: `./cmd-${lazy.exec(args.path)[1]}.js`, external: true }));
        for (const [name, { specifier }] of Object.entries(LAZY_MODULES)) {
          // Only the import() of the lazy module itself, not the files its own entry bundles.
          b.onResolve({ filter: specifier }, (args) => (args.kind === 'dynamic-import' ? { path: `./lazy-${name}.js`, external: true } : undefined));
        }
      },
    },
  ],
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
