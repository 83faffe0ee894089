import { loadTemplateEngine } from '../../src/render.js';

// vitest setupFile: from source nothing is precompiled (scripts/build.js does
// that for the bundle), so every template is compiled when first used.
await loadTemplateEngine();
