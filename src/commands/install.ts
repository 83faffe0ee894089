import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { LINK_MODE, type GeneratedFile } from '../files.js';
import { DEFAULT_PREFIX, placeFiles } from '../install/place.js';
import { DEFAULT_TARGET_IDS, type TargetId } from '../targets/index.js';
import { readTree, type Member } from '../verify/tree.js';
import { plan, type PlannedFile } from '../write.js';
import { SPEC_HELP, SPEC_OPTIONS, generateFromInputs, parseTargets, specInputs } from './inputs.js';
import type { Command, Io } from './io.js';
import { blockedMessage, conflictMessage, doneLines, obstacles, planDiff, planLines, writeInterruptibly } from './plan-report.js';
import { parseCommandArgs } from './args.js';

export const INSTALL_HELP = `Usage: init-service install (DIR | --spec PATH... | --example NAME) [options]

Places the files of a generated tree (DIR, the --out of generate), or of
descriptions generated on the fly, where each init system reads them:
  openrc/init.d/X, conf.d/X  ->  ROOT/etc/init.d/X, ROOT/etc/conf.d/X
  rcd/files/X.in             ->  ROOT/PREFIX/etc/rc.d/X (%%PREFIX%% substituted)
  systemd/tmpfiles.d/X       ->  ROOT/usr/lib/tmpfiles.d/X
  systemd/...                ->  ROOT/etc/systemd/system/... (drop-in directories too)
Port files (pkg-plist, Makefile.snippet) and overlays are not installed.

${SPEC_HELP}
  --root DIR         install under DIR instead of / (an image, a chroot, a test)
  --prefix PATH      FreeBSD PREFIX for rc.d scripts (default ${DEFAULT_PREFIX})
  --target LIST      init systems to install for; default: those running here
                     when ROOT is /, every one in the input otherwise
  --templates DIR    with --spec: override built-in templates by relative path
  --force            overwrite installed files that differ
  --dry-run          print what would be installed (with a diff) and enabled; change nothing
  --enable           enable at boot: rc-update add, systemctl daemon-reload &&
                     systemctl enable, or sysrc; without it the commands are printed

Exit status: 0 installed (and enabled); 1 refused, failed, or a service
could not be enabled; 2 invalid description or usage. Nothing is written
when installing is refused or fails.`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service install', args, {
    ...SPEC_OPTIONS,
    root: { type: 'string' },
    prefix: { type: 'string' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    enable: { type: 'boolean' },
  }, true);
}

/** --target; without it, every target under a --root, or the init systems running here at /. */
export function targetsFor(target: string | undefined, live: boolean): TargetId[] {
  if (target !== undefined) return parseTargets(target);
  if (!live) return [...DEFAULT_TARGET_IDS];
  const running = runningInitSystems();
  if (running.length === 0) throw new UserError('cannot tell which init system runs here; pass --target openrc, rcd or systemd', 2);
  return running;
}

/** The init systems this machine runs (for installing into / without --target). */
export function runningInitSystems(): TargetId[] {
  if (process.platform === 'freebsd') return ['rcd'];
  const found: TargetId[] = [];
  // sd_booted(3): systemd is running when /run/systemd/system exists.
  if (existsSync('/run/systemd/system')) found.push('systemd');
  // OpenRC keeps its state in /run/openrc (created at boot).
  if (existsSync('/run/openrc')) found.push('openrc');
  return found;
}

export const installCommand: Command = {
  name: 'install',
  summary: 'place generated files in /etc/init.d, /etc/conf.d, rc.d, /etc/systemd/system; --enable',
  async run(args: readonly string[], io: Io): Promise<number> {
    const { values: options, positionals } = parse(args);
    const fromSpecs = (options.spec?.length ?? 0) > 0 || options.example !== undefined;
    if (positionals.length > 1 || (positionals.length === 1) === fromSpecs) {
      throw new UserError('install needs one generated DIR, or --spec PATH / --example NAME; run init-service install --help', 2);
    }
    if (!fromSpecs && options.templates) throw new UserError('--templates applies to --spec and --example; DIR is already generated', 2);
    const root = resolve(io.cwd, options.root ?? '/');
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    // The prefix is pasted into rc.d scripts: a plain absolute path only.
    if (!/^\/[A-Za-z0-9._+/-]*$/.test(prefix) || prefix.split('/').includes('..')) {
      throw new UserError(`--prefix: "${prefix}" is not accepted; expected an absolute path of letters, digits and . _ + - /`, 2);
    }
    const live = root === '/';
    const targets = targetsFor(options.target, live);
    if (options.target === undefined && live) io.stderr(`installing for ${targets.join(', ')} (the init system running here; --target chooses)\n`);

    const members: Member[] = [];
    const files = fromSpecs ? await generated(options, targets, io, true, members) : await fromDirectory(resolve(io.cwd, positionals[0]!));
    let placed;
    try {
      placed = placeFiles(files, targets, prefix, members);
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }
    if (placed.files.length === 0) throw new UserError(`nothing to install for ${targets.join(', ')}`, 2);

    const planned = await plan(placed.files, root);
    const show = (p: PlannedFile) => p.dest;
    const { conflicts, blocked } = obstacles(planned);
    const { enableSteps, runEnableSteps, startCommands, tmpfilesCommand } = await import('../install/enable.js');
    const steps = enableSteps(placed.services, root);
    const tmpfiles = tmpfilesCommand(placed.files.map((f) => f.path), root);
    const beforeStart = tmpfiles ? `Before the first start, create the log directories its tmpfiles.d file declares:\n  ${tmpfiles}\n` : '';

    if (options['dry-run']) {
      io.stdout(planLines(planned, show, options.force ?? false));
      for (const p of planned) if (p.state === 'changed') io.stdout(await planDiff(p, relative(root, p.dest)));
      if (steps.length > 0) io.stdout(`${options.enable ? 'would run' : 'to enable at boot'}:\n${steps.map((s) => `  ${s.shown}\n`).join('')}`);
      io.stdout(beforeStart);
      io.stdout(`dry run: nothing installed under ${root}\n`);
      if (blocked.length > 0) io.stderr(`init-service: ${blockedMessage(blocked)}\n`);
      else if (conflicts.length > 0 && !options.force) io.stderr(`init-service: ${conflictMessage(root, conflicts, show, true)}\n`);
      return blocked.length > 0 || (conflicts.length > 0 && !options.force) ? 1 : 0;
    }

    if (blocked.length > 0) throw new UserError(blockedMessage(blocked), 1);
    if (conflicts.length > 0 && !options.force) throw new UserError(conflictMessage(root, conflicts, show), 1);
    if (!(await writeInterruptibly(planned, 'nothing was installed; run as root, or install under --root DIR'))) {
      io.stderr(`init-service: interrupted before any file was replaced; nothing was installed\n`);
      return 130;
    }
    io.stdout(doneLines(planned, show));

    if (!options.enable) {
      if (steps.length > 0) io.stdout(`To enable at boot (or install with --enable):\n${steps.map((s) => `  ${s.shown}\n`).join('')}`);
    } else {
      const { runTool } = await import('../verify/tools.js');
      const results = await runEnableSteps(steps, runTool);
      for (const r of results) {
        io.stdout(`${(r.ok ? 'enabled' : 'FAILED').padEnd(9)} ${r.step.names.join(' ')}: ${r.step.shown}${r.detail ? `\n          ${r.detail.split('\n').join('\n          ')}` : ''}\n`);
      }
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) {
        io.stderr(`init-service: the files are installed, but ${failed.length} of ${results.length} enable steps failed (listed above)\n`);
        return 1;
      }
    }
    io.stdout(beforeStart);
    if (live && placed.services.length > 0) io.stdout(`To start now:\n${startCommands(placed.services).map((c) => `  ${c}\n`).join('')}`);
    return 0;
  },
};

/** The files of descriptions generated on the fly; `warn` false: what they would say about the service is not news (uninstall). */
/** The files of the descriptions given; `members` receives the families' members they name. */
export async function generated(options: { spec?: string[]; example?: string; templates?: string[] }, targets: TargetId[], io: Io, warn = true, members: Member[] = []): Promise<GeneratedFile[]> {
  const inputs = await specInputs(options.spec ?? [], options.example, io.cwd);
  const { files, warnings, services } = await generateFromInputs(inputs, options.templates, targets, io.cwd);
  for (const { service } of services) if (service.family !== undefined) members.push({ family: service.family, name: service.name });
  if (warn) io.stderr(warnings.map((w) => `warning: ${w}\n`).join(''));
  return files;
}

export async function fromDirectory(dir: string): Promise<GeneratedFile[]> {
  const tree = await readTree(dir).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`install: cannot read ${dir}: ${error.code ?? error.message}`, 2);
  });
  if (!tree.some((e) => /^(openrc|rcd|systemd)\//.test(e.path))) {
    throw new UserError(`install: ${dir} has no openrc/, rcd/ or systemd/ directory; give the --out directory of generate`, 2);
  }
  return tree.map((e) => (e.kind === 'symlink' ? { path: e.path, mode: LINK_MODE, linkTarget: e.linkTarget } : { path: e.path, mode: e.mode, content: e.content }));
}
