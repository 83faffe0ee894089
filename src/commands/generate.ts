import { relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { plan, type PlannedFile } from '../write.js';
import { SPEC_HELP, SPEC_OPTIONS, generateFromInputs, parseTargets, specInputs } from './inputs.js';
import { count, defaultOutDir, type Command, type Io } from './io.js';
import { blockedMessage, conflictMessage, doneLines, obstacles, planDiff, planLines, writeInterruptibly } from './plan-report.js';
import { parseCommandArgs } from './args.js';

export const GENERATE_HELP = `Usage: init-service generate (--spec PATH... | --example NAME) [options]

${SPEC_HELP}
  --out DIR          output directory (default: ./<name>-init; needed for several services)
  --target LIST      comma-separated: openrc,rcd,systemd (default) and gentoo
                     (the Gentoo overlay layout of the OpenRC files, for packagers)
  --templates DIR    override built-in templates by relative path (systemd/service.ejs, ...)
  --force            overwrite files that differ from what would be generated
  --dry-run          print the plan (files, modes, links) and a diff; write nothing
  --check            for CI: exit 0 if DIR already matches, else 1 and a diff; write nothing
  --json             print a manifest (path, mode, link target, sha256, state) as JSON`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service generate', args, {
    ...SPEC_OPTIONS,
    out: { type: 'string' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    check: { type: 'boolean' },
    json: { type: 'boolean' },
  }, false).values;
}

type Mode = 'write' | 'dry-run' | 'check';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write OpenRC, FreeBSD rc.d and systemd files from a service description',
  async run(args: readonly string[], io: Io): Promise<number> {
    const options = parse(args);
    if (options['dry-run'] && options.check) throw new UserError('--dry-run and --check do not go together: --check is the dry run for CI', 2);
    if (options.check && options.force) throw new UserError('--check never writes, so --force means nothing with it', 2);
    const mode: Mode = options.check ? 'check' : options['dry-run'] ? 'dry-run' : 'write';
    const force = options.force ?? false;

    const inputs = await specInputs(options.spec ?? [], options.example, io.cwd);
    if (inputs.length === 0) throw new UserError('generate needs --spec PATH or --example NAME; run init-service --help', 2);
    const targets = parseTargets(options.target);
    const { services, files, warnings } = await generateFromInputs(inputs, options.templates, targets, io.cwd);
    if (options.out === undefined && services.length > 1) {
      throw new UserError('--out DIR is needed when generating several services into one tree', 2);
    }
    const outDir = resolve(io.cwd, options.out ?? defaultOutDir(services[0]!.service.name));
    io.stderr(warnings.map((w) => `warning: ${w}\n`).join(''));

    const planned = await plan(files, outDir);
    const shown = relative(io.cwd, outDir) || '.';
    const show = (p: PlannedFile) => p.file.path;
    const { conflicts, blocked } = obstacles(planned);

    if (mode === 'check') {
      const mismatched = planned.filter((p) => p.state !== 'same');
      if (options.json) io.stdout(await json(outDir, mode, false, planned, warnings));
      else for (const p of mismatched) io.stdout(await planDiff(p, p.file.path));
      if (mismatched.length === 0) {
        if (!options.json) io.stdout(`${shown} matches (${count(files.length, 'file')})\n`);
        return 0;
      }
      const missing = mismatched.filter((p) => p.state === 'new').length;
      io.stderr(
        `${shown} does not match the service descriptions: ${mismatched.length - missing} differ, ${missing} missing.\n` +
          `Run the same command without --check to update it (with --force for files that differ).\n`,
      );
      return 1;
    }

    if (mode === 'dry-run') {
      if (options.json) io.stdout(await json(outDir, mode, false, planned, warnings));
      else {
        io.stdout(planLines(planned, show, force));
        for (const p of planned) if (p.state === 'changed') io.stdout(await planDiff(p, p.file.path));
        const count = (s: PlannedFile['state']) => planned.filter((p) => p.state === s).length;
        io.stdout(`dry run: nothing written to ${outDir}; ${count('new')} to create, ${count('changed')} to update, ${count('same')} unchanged\n`);
      }
      if (blocked.length > 0) {
        io.stderr(`init-service: ${blockedMessage(blocked)}\n`);
        return 1;
      }
      if (conflicts.length > 0 && !force) {
        io.stderr(`init-service: ${conflictMessage(outDir, conflicts, show, true)}\n`);
        return 1;
      }
      return 0;
    }

    if (blocked.length > 0) throw new UserError(blockedMessage(blocked), 1);
    if (conflicts.length > 0 && !force) {
      if (options.json) io.stdout(await json(outDir, mode, false, planned, warnings));
      throw new UserError(conflictMessage(outDir, conflicts, show), 1);
    }
    if (!(await writeInterruptibly(planned, `nothing was written to ${outDir}; choose a --out directory you can write to`))) {
      io.stderr(`init-service: interrupted before any file was replaced; ${outDir} is as it was\n`);
      return 130;
    }
    if (options.json) io.stdout(await json(outDir, mode, true, planned, warnings));
    else {
      io.stdout(doneLines(planned, show));
      io.stdout(`${count(files.length, 'file')} in ${outDir}\n`);
    }
    return 0;
  },
};

/**
 * The --json document; its `files` are the manifest (see src/manifest.ts) plus
 * each file's state on disk. Loaded only here: hashing needs node:crypto.
 */
async function json(outDir: string, mode: Mode, written: boolean, planned: readonly PlannedFile[], warnings: readonly string[]): Promise<string> {
  const { manifestEntry } = await import('../manifest.js');
  return `${JSON.stringify(
    {
      outDir,
      action: mode,
      written,
      files: planned.map((p) => ({ ...manifestEntry(p.file), state: p.state })),
      warnings,
    },
    null,
    2,
  )}\n`;
}
