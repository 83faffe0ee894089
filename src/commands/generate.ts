import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { examplePath } from '../examples.js';
import { generateFiles, type NamedService } from '../generate.js';
import { loadSpecFile } from '../spec/load.js';
import { SpecError } from '../spec/normalize.js';
import { TARGET_IDS, type TargetId } from '../targets/index.js';
import { plan, writePlanned } from '../write.js';
import type { Command, Io } from './io.js';

export const GENERATE_HELP = `Usage: init-service generate (--spec FILE... | --example NAME) [options]

  --spec FILE        service description (JSON, or YAML for .yaml/.yml); repeatable
  --example NAME     use a built-in example instead (homesite: the RESTAS site)
  --out DIR          output directory (default: ./<name>-init)
  --target LIST      comma-separated: openrc,rcd,systemd (default: all three)
  --templates DIR    override built-in templates by relative path (openrc/conf.d.ejs, ...)
  --force            overwrite files that differ from what would be generated`;

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: {
        spec: { type: 'string', multiple: true },
        example: { type: 'string' },
        out: { type: 'string' },
        target: { type: 'string' },
        templates: { type: 'string', multiple: true },
        force: { type: 'boolean' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UserError(`${(error as Error).message}; run init-service generate --help`, 2);
  }
}

export function parseTargets(list: string | undefined): TargetId[] {
  if (list === undefined) return [...TARGET_IDS];
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) {
    if (!(TARGET_IDS as readonly string[]).includes(id)) {
      throw new UserError(`--target: unknown target "${id}"; choose from ${TARGET_IDS.join(', ')}`, 2);
    }
  }
  if (ids.length === 0) throw new UserError(`--target: name at least one of ${TARGET_IDS.join(', ')}`, 2);
  return ids as TargetId[];
}

/** Loads every description; all problems of all files are reported together. */
export async function loadServices(files: readonly string[], cwd: string): Promise<NamedService[]> {
  const services: NamedService[] = [];
  const errors: SpecError[] = [];
  for (const file of files) {
    try {
      services.push({ service: await loadSpecFile(resolve(cwd, file)), source: basename(file) });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new SpecError(errors.flatMap((e) => e.problems));
  return services;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write OpenRC, FreeBSD rc.d and systemd files from a service description',
  async run(args: readonly string[], io: Io): Promise<number> {
    const options = parse(args);
    if (options.help) {
      io.stdout(`${GENERATE_HELP}\n`);
      return 0;
    }
    const specs = [...(options.spec ?? [])];
    if (options.example !== undefined) specs.push(examplePath(options.example));
    if (specs.length === 0) throw new UserError('generate needs --spec FILE or --example NAME; run init-service --help', 2);
    const targets = parseTargets(options.target);
    const services = await loadServices(specs, io.cwd);
    if (options.out === undefined && services.length > 1) {
      throw new UserError('--out DIR is needed when generating several services into one tree', 2);
    }
    const outDir = resolve(io.cwd, options.out ?? `${services[0]!.service.name}-init`);
    const { files, warnings } = generateFiles(services, {
      targets,
      templates: (options.templates ?? []).map((d) => resolve(io.cwd, d)),
    });
    for (const warning of warnings) io.stderr(`warning: ${warning}\n`);

    const planned = await plan(files, outDir);
    const conflicts = planned.filter((p) => p.state === 'changed');
    if (conflicts.length > 0 && !options.force) {
      const list = conflicts.map((c) => `  ${c.file.path}`).join('\n');
      throw new UserError(`${outDir} has files that differ from the generated ones; nothing was written:\n${list}\nUse --force to overwrite them.`, 1);
    }
    await writePlanned(planned);
    for (const p of planned) {
      const what = p.state === 'same' ? 'unchanged' : p.state === 'new' ? 'created' : 'updated';
      const link = p.file.linkTarget !== undefined ? ` -> ${p.file.linkTarget}` : '';
      io.stdout(`${what.padEnd(9)} ${p.file.path}${link}\n`);
    }
    io.stdout(`${files.length} files in ${outDir}\n`);
    return 0;
  },
};
