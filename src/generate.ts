import type { GeneratedFile } from './files.js';
import { Renderer } from './render.js';
import { descriptionHints } from './spec/hints.js';
import { SpecError } from './spec/normalize.js';
import type { Service } from './spec/types.js';
import { DEFAULT_TARGET_IDS, targetProblems, TARGETS, type TargetId } from './targets/index.js';

export interface GenerateOptions {
  /** Which targets to generate for; default the three init systems (openrc, rcd, systemd), without the gentoo overlay. */
  targets?: readonly TargetId[];
  /**
   * Directories whose `<target>/<file>.ejs` override the built-in template of
   * the same relative path (the first directory that has it wins). Every
   * `.ejs` file in them must name a built-in template, or generate throws.
   */
  templates?: readonly string[];
}

export interface Generated {
  files: GeneratedFile[];
  warnings: string[];
}

export interface NamedService {
  service: Service;
  /** Where it came from, for messages: a file name. */
  source?: string;
}

/**
 * The pure middle: validated services in, files in memory out. Throws a
 * SpecError (every problem of every service) before rendering anything when
 * some value cannot be carried by a requested target.
 */
export function generateFiles(services: readonly NamedService[], options: GenerateOptions = {}): Generated {
  const wanted = new Set(options.targets ?? DEFAULT_TARGET_IDS);
  const targets = TARGETS.filter((t) => wanted.has(t.id));
  const problems = targetProblems(services, options.targets);
  if (problems.length > 0) throw new SpecError(problems);

  const renderer = new Renderer(options.templates);
  const byPath = new Map<string, GeneratedFile>();
  const warnings: string[] = [];
  for (const { service, source } of services) {
    warnings.push(...descriptionHints(service).map((h) => (source ? `${source}: ${h}` : h)));
    for (const target of targets) {
      const output = target.render(service, renderer);
      warnings.push(...output.warnings.map((w) => (source ? `${source}: ${w}` : w)));
      for (const file of output.files) {
        const earlier = byPath.get(file.path);
        if (earlier && (earlier.content !== file.content || earlier.linkTarget !== file.linkTarget)) {
          const family = service.family === undefined ? '' : `, or, as members of the family "${service.family}", make them agree on what its shared files hold`;
          throw new SpecError([{ path: 'name', message: `two services write ${file.path} with different content; give them different names${family}` }], source);
        }
        byPath.set(file.path, file);
      }
    }
  }
  for (const target of targets) {
    for (const file of target.renderShared?.(services.map((s) => s.service), renderer) ?? []) byPath.set(file.path, file);
  }
  const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // The overlay repeats OpenRC's warnings; say each once.
  return { files, warnings: [...new Set(warnings)] };
}
