import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { examplePath } from '../examples.js';
import { generateFiles, type Generated, type NamedService } from '../generate.js';
import { checkTemplateOverrides, loadTemplateEngine } from '../render.js';
import { loadSpecFile } from '../spec/load.js';
import { SpecError } from '../spec/normalize.js';
import { shownPath } from './io.js';
import { privatePathWarnings } from './private-paths.js';
import { DEFAULT_TARGET_IDS, TARGET_IDS, type TargetId } from '../targets/index.js';

/** The options generate and install share: where the descriptions come from, which targets, which templates. */
export const SPEC_OPTIONS = {
  spec: { type: 'string', multiple: true },
  example: { type: 'string' },
  target: { type: 'string' },
  templates: { type: 'string', multiple: true },
} as const;

/** The help of the spec options generate and install share. */
export const SPEC_HELP = `  --spec PATH        service description (JSON, or YAML for .yaml/.yml), or a
                     directory of them (*.json, *.yaml, *.yml), or - for
                     standard input (JSON); repeatable
  --example NAME     use a built-in example instead: homesite (the RESTAS site),
                     redis, nginx, memcached, node-app, lisp-site (a family)`;

export function parseTargets(list: string | undefined): TargetId[] {
  if (list === undefined) return [...DEFAULT_TARGET_IDS];
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) {
    if (!(TARGET_IDS as readonly string[]).includes(id)) {
      throw new UserError(`--target: unknown target "${id}"; choose from ${TARGET_IDS.join(', ')}`, 2);
    }
  }
  if (ids.length === 0) throw new UserError(`--target: name at least one of ${TARGET_IDS.join(', ')}`, 2);
  return ids as TargetId[];
}

const SPEC_FILE = /\.(json|ya?ml)$/i;

/** One description file to load, and the name messages give it. */
export interface SpecInput {
  file: string;
  source: string;
}

/**
 * Expands --spec arguments (files, or directories of *.json / *.yaml /
 * *.yml, sorted by name, not recursive) and --example into files to load.
 * A file named directly is called by its base name in messages; one found in
 * a directory by the directory as given plus its name.
 */
export async function specInputs(specs: readonly string[], example: string | undefined, cwd: string): Promise<SpecInput[]> {
  // "-" is standard input: init-service import UNIT | init-service generate --spec -
  const inputs = specs.flatMap((spec) => (spec === '-' ? [{ file: '/dev/stdin', source: '(standard input)' }] : expand(resolve(cwd, spec), (file) => shownPath(file, cwd))));
  // A built-in example is a file, or a directory holding a family's members.
  if (example !== undefined) {
    const path = examplePath(example);
    inputs.push(...expand(path, (file) => (file === path ? `${example}.json` : join(example, basename(file)))));
  }
  return inputs;
}

/** One --spec argument as files to load; `shown` names each file in messages, the same whether it was named or found in a directory. */
function expand(file: string, shown: (file: string) => string): SpecInput[] {
  let isDir = false;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    // not there: loading it says so, naming the file
  }
  if (!isDir) return [{ file, source: shown(file) }];
  const names = readdirSync(file, { withFileTypes: true })
    .filter((e) => !e.isDirectory() && SPEC_FILE.test(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new UserError(`--spec ${shown(file)}: the directory has no service descriptions (*.json, *.yaml, *.yml)`, 2);
  return names.map((name) => ({ file: join(file, name), source: shown(join(file, name)) }));
}

/** Loads every description; all problems of all files are reported together, before anything is written. */
export async function loadInputs(inputs: readonly SpecInput[]): Promise<NamedService[]> {
  const services: NamedService[] = [];
  const errors: SpecError[] = [];
  for (const { file, source } of inputs) {
    try {
      services.push({ service: await loadSpecFile(file), source });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      errors.push(new SpecError(error.problems.map((p) => ({ ...p, source }))));
    }
  }
  if (errors.length > 0) throw new SpecError(errors.flatMap((e) => e.problems));
  const byName = new Map<string, string>();
  const clashes = services.flatMap(({ service, source }) => {
    const earlier = byName.get(service.name);
    byName.set(service.name, source ?? service.name);
    return earlier ? [{ source, path: 'name', message: `"${service.name}" is also the name of ${earlier}; every service needs its own name` }] : [];
  });
  if (clashes.length > 0) throw new SpecError(clashes);
  return services;
}

/**
 * What generate and install share: the --templates overrides checked (and
 * the template engine loaded for them), the descriptions loaded, their files
 * generated in memory for `targets`. Nothing is written.
 */
export async function generateFromInputs(
  inputs: readonly SpecInput[],
  templateDirs: readonly string[] | undefined,
  targets: readonly TargetId[],
  cwd: string,
): Promise<Generated & { services: NamedService[] }> {
  const templates = (templateDirs ?? []).map((d) => resolve(cwd, d));
  checkTemplateOverrides(templates);
  if (templates.length > 0) await loadTemplateEngine();
  const services = await loadInputs(inputs);
  const generated = generateFiles(services, { targets, templates });
  return { services, ...generated, warnings: [...services.flatMap(({ service, source }) => privatePathWarnings(service).map((w) => (source ? `${source}: ${w}` : w))), ...generated.warnings] };
}
