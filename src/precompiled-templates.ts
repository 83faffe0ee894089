import type { TemplateFunction } from './template-options.js';

/**
 * The built-in templates, compiled once by scripts/build.js, which replaces
 * this module in the bundle. From source (tests) there are none, and
 * render.ts compiles each template when it is first used.
 */
export const PRECOMPILED: Readonly<Record<string, TemplateFunction>> | undefined = undefined;
