import { loadTemplateEngine } from '../../src/render.js';

// vitest setupFile: from source nothing is precompiled (scripts/build.js does
// that for the bundle), so every template is compiled when first used.
await loadTemplateEngine();

// Reproducible output: the ::gentoo copyright year comes from
// SOURCE_DATE_EPOCH (here 2026-01-01), so snapshots do not change with the
// calendar. Set before any test renders; child processes (the CLI) inherit it.
process.env.SOURCE_DATE_EPOCH = '1767225600';
