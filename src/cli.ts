import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from './errors.js';
import { examplePath } from './examples.js';
import { generateFiles, type NamedService } from './generate.js';
import { loadSpecFile } from './spec/load.js';
import { SpecError } from './spec/normalize.js';
import { TARGET_IDS, type TargetId } from './targets/index.js';
import { plan, writePlanned } from './write.js';

export const USAGE = `Usage: init-service generate (--spec FILE... | --example NAME) [options]

Turn one service description into init-system files:
  openrc/   Gentoo OpenRC: generic init.d script, instance symlink, conf.d
  rcd/      FreeBSD port: files/<name>.in, pkg-plist, Makefile.snippet
  systemd/  systemd unit, hardened by default

Options for generate:
  --spec FILE        service description (JSON, or YAML for .yaml/.yml); repeatable
  --example NAME     use a built-in example instead (homesite: the RESTAS site)
  --out DIR          output directory (default: ./<name>-init)
  --target LIST      comma-separated: openrc,rcd,systemd (default: all three)
  --templates DIR    override built-in templates by relative path (openrc/conf.d.ejs, ...)
  --force            overwrite files that differ from what would be generated

Other:
  -h, --help         this help
  --version          print the version

Exit status: 0 written (or nothing to change), 1 refused or failed (nothing
written), 2 invalid description or usage (nothing written).

Example:
  init-service generate --example homesite --out ./out`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

const defaultIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
};

/** Runs the CLI in-process; returns the exit status instead of exiting. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof SpecError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UserError) {
      io.stderr(`init-service: ${error.message}\n`);
      return error.exitCode;
    }
    const debug = argv.includes('--debug') || process.env.DEBUG;
    io.stderr(`init-service: ${(error as Error).message}\n`);
    if (debug) io.stderr(`${(error as Error).stack}\n`);
    else io.stderr('(run with --debug for details)\n');
    return 1;
  }
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    io.stdout(`${process.env.INIT_SERVICE_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  if (command === 'generate') return generateCommand(rest, io);
  throw new UserError(`unknown command "${command}"; run init-service --help`, 2);
}

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
    throw new UserError(`${(error as Error).message}; run init-service --help`, 2);
  }
}

function parseTargets(list: string | undefined): TargetId[] {
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

async function generateCommand(args: readonly string[], io: Io): Promise<number> {
  const options = parse(args);
  if (options.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const specs = [...(options.spec ?? [])];
  if (options.example !== undefined) specs.push(examplePath(options.example));
  if (specs.length === 0) throw new UserError('generate needs --spec FILE or --example NAME; run init-service --help', 2);
  const targets = parseTargets(options.target);

  const services: NamedService[] = [];
  const errors: SpecError[] = [];
  for (const file of specs) {
    try {
      services.push({ service: await loadSpecFile(resolveFrom(io.cwd, file)), source: basename(file) });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new SpecError(errors.flatMap((e) => e.problems));

  const first = services[0]!.service;
  if (options.out === undefined && services.length > 1) {
    throw new UserError('--out DIR is needed when generating several services into one tree', 2);
  }
  const outDir = resolveFrom(io.cwd, options.out ?? `${first.name}-init`);
  const { files, warnings } = generateFiles(services, {
    targets,
    templates: (options.templates ?? []).map((d) => resolveFrom(io.cwd, d)),
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
}

function resolveFrom(cwd: string, path: string): string {
  return resolve(cwd, path);
}
