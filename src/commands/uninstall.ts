import { lstat, readlink, rmdir, unlink } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { DEFAULT_PREFIX, placeFiles } from '../install/place.js';
import { disableCommand, runlevelLink } from '../install/enable.js';
import type { TargetId } from '../targets/index.js';
import { plan, type PlannedFile } from '../write.js';
import { SPEC_HELP, SPEC_OPTIONS } from './inputs.js';
import { fromDirectory, generated, targetsFor } from './install.js';
import { count, type Command, type Io } from './io.js';
import { parseCommandArgs } from './args.js';

export const UNINSTALL_HELP = `Usage: init-service uninstall (DIR | --spec PATH... | --example NAME) [options]

The inverse of install: removes the files install placed (the same list, from
the same DIR or descriptions), and the directories only they filled. A file
that differs from what install would place was changed by someone: it is
kept, and nothing is removed, unless --force. Prints how to stop and disable
the services first; a runlevel link install --enable made under --root is
removed with its script.

${SPEC_HELP}
  --root DIR         uninstall under DIR instead of /
  --prefix PATH      FreeBSD PREFIX the rc.d scripts were installed under (default ${DEFAULT_PREFIX})
  --target LIST      init systems to uninstall for; default: as install chooses
  --force            remove files that differ from the generated ones too
  --dry-run          print what would be removed; change nothing

Exit status: 0 removed (or nothing was there); 1 refused (files differ) or
failed; 2 invalid description or usage.`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service uninstall', args, {
    ...SPEC_OPTIONS,
    root: { type: 'string' },
    prefix: { type: 'string' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  }, true);
}

export const uninstallCommand: Command = {
  name: 'uninstall',
  summary: 'remove what install placed (same DIR or --spec, --root, --dry-run)',
  async run(args: readonly string[], io: Io): Promise<number> {
    const { values: options, positionals } = parse(args);
    const fromSpecs = (options.spec?.length ?? 0) > 0 || options.example !== undefined;
    if (positionals.length > 1 || (positionals.length === 1) === fromSpecs) {
      throw new UserError('uninstall needs the generated DIR, or the --spec PATH / --example NAME it was installed from; run init-service uninstall --help', 2);
    }
    const root = resolve(io.cwd, options.root ?? '/');
    const live = root === '/';
    const targets = targetsFor(options.target, live);
    const files = fromSpecs ? await generated(options, targets, io, false) : await fromDirectory(resolve(io.cwd, positionals[0]!));
    let placed;
    try {
      placed = placeFiles(files, targets, options.prefix ?? DEFAULT_PREFIX);
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }

    if (live && placed.services.length > 0) {
      io.stdout(`Stop and disable them first:\n${placed.services.map((s) => `  ${disableCommand(s)}\n`).join('')}`);
    }
    const planned = await plan(placed.files, root);
    const changed = planned.filter((p) => p.state === 'changed' || p.blocker);
    const present = planned.filter((p) => p.state === 'same' || ((p.state === 'changed' || p.blocker) && options.force && p.currentKind !== 'directory'));
    const links = live ? [] : await runlevelLinks(placed.services, root);
    const shown = (p: PlannedFile) => p.dest;

    if (changed.length > 0 && !options.force) {
      const list = changed.map((p) => `  ${shown(p)}${p.blocker ? ` (${p.blocker})` : ''}`).join('\n');
      const message = `these differ from what install places, so someone changed them; nothing was removed:\n${list}\nUse --force to remove them too.`;
      if (options['dry-run']) {
        io.stderr(`init-service: ${message}\n`);
        return 1;
      }
      throw new UserError(message, 1);
    }
    const gone = [...present.map(shown), ...links];
    if (options['dry-run']) {
      io.stdout(gone.map((path) => `would remove ${path}\n`).join(''));
      io.stdout(`dry run: nothing removed under ${root}; ${count(gone.length, 'file')} to remove, ${planned.length - present.length} not there\n`);
      return 0;
    }
    for (const path of gone) {
      await unlink(path);
      io.stdout(`removed   ${path}\n`);
    }
    await removeEmptyParents(present.map(shown), root);
    if (gone.length === 0) io.stdout(`nothing to remove under ${root}: none of the ${count(planned.length, 'file')} is installed\n`);
    if (live && placed.services.some((s) => s.target === 'systemd')) io.stdout('Then: systemctl daemon-reload\n');
    return 0;
  },
};

/** The runlevel links install --enable made under another root (/etc/runlevels/default/NAME -> /etc/init.d/NAME). */
async function runlevelLinks(services: readonly { target: TargetId; name: string }[], root: string): Promise<string[]> {
  const found: string[] = [];
  for (const { target, name } of services) {
    if (target !== 'openrc') continue;
    const link = runlevelLink(root, name);
    const isLink = await lstat(link.path).then((s) => s.isSymbolicLink(), () => false);
    if (isLink && (await readlink(link.path)) === link.target) found.push(link.path);
  }
  return found;
}

/** Directories emptied by the removal (a unit's drop-in directory), up to the first one that still holds something; never the root's own. */
async function removeEmptyParents(paths: readonly string[], root: string): Promise<void> {
  const keep = new Set(['etc', 'etc/init.d', 'etc/conf.d', 'etc/systemd', 'etc/systemd/system', 'usr', 'usr/lib', 'usr/lib/tmpfiles.d', 'etc/runlevels', 'etc/runlevels/default']);
  for (const path of paths) {
    let dir = dirname(path);
    while (relative(root, dir) !== '' && !relative(root, dir).startsWith('..') && !keep.has(relative(root, dir)) && !/(^|\/)rc\.d$/.test(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = dirname(dir);
    }
  }
}
