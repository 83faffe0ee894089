import { lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { shWord } from '../escape.js';
import type { TargetId } from '../targets/index.js';
import type { RunTool } from '../verify/tools.js';

/** One step that enables services at boot: a command, or (OpenRC under another root) a link. */
export interface EnableStep {
  target: TargetId;
  /** The services it is for. */
  names: string[];
  /** The command as an admin would type it. */
  shown: string;
  argv?: string[];
  /** Instead of a command: make this runlevel link, as rc-update does. */
  link?: { path: string; target: string };
}

/**
 * The commands that enable the services, for a live system (root `/`) or an
 * image under another root:
 * - OpenRC: `rc-update add NAME default`; it has no --root, so under another
 *   root the runlevel link it would make (/etc/runlevels/default/NAME ->
 *   /etc/init.d/NAME) is made directly;
 * - systemd: `systemctl daemon-reload` then `systemctl enable UNIT`; under
 *   another root `systemctl --root=ROOT enable UNIT` (offline, no reload);
 * - FreeBSD: `sysrc NAME_enable=YES`, or `sysrc -R ROOT ...`.
 */
export function enableSteps(services: readonly { target: TargetId; name: string; profiles?: string[] }[], root: string): EnableStep[] {
  const live = root === '/';
  const steps: EnableStep[] = [];
  const command = (target: TargetId, names: string[], argv: string[]) => steps.push({ target, names, argv, shown: argv.map(shWord).join(' ') });
  const systemd = services.filter((s) => s.target === 'systemd').map((s) => s.name);
  for (const { target, name, profiles = [] } of services) {
    if (target === 'openrc') {
      if (live) command('openrc', [name], ['rc-update', 'add', name, 'default']);
      else {
        const link = runlevelLink(root, name);
        steps.push({ target, names: [name], shown: `ln -s ${link.target} ${shWord(link.path)}`, link });
      }
    } else if (target === 'rcd') {
      // A family's members are its profiles (sysrc(8): NAME+=VALUE appends).
      const settings = [`${name}_enable=YES`, ...profiles.map((p) => `${name}_profiles+=${p}`)];
      command('rcd', [name], live ? ['sysrc', ...settings] : ['sysrc', '-R', root, ...settings]);
    }
  }
  if (systemd.length > 0 && live) command('systemd', systemd, ['systemctl', 'daemon-reload']);
  for (const unit of systemd) command('systemd', [unit], live ? ['systemctl', 'enable', unit] : ['systemctl', `--root=${root}`, 'enable', unit]);
  return steps;
}

/** The link rc-update add makes under ROOT: /etc/runlevels/default/NAME -> /etc/init.d/NAME. */
export function runlevelLink(root: string, name: string): { path: string; target: string } {
  return { path: join(root, 'etc/runlevels/default', name), target: `/etc/init.d/${name}` };
}

/** How an admin stops a service and takes back what enableSteps did (a family's rc.d profiles too). */
export function disableCommand({ target, name, profiles = [] }: { target: TargetId; name: string; profiles?: string[] }): string {
  if (target === 'openrc') return `rc-service ${name} stop; rc-update del ${name} default`;
  if (target === 'rcd') return `service ${name} onestop; sysrc -x ${name}_enable${profiles.length > 0 ? ` ${name}_profiles` : ''}`;
  return `systemctl disable --now ${name}`;
}

/**
 * systemd opens a unit's log files before the program runs, so the
 * directories its tmpfiles.d file declares must exist before the first
 * start (tmpfiles.d(5): systemd-tmpfiles-setup.service creates them at boot,
 * not when the file is installed). `installed` are paths under the root.
 */
export function tmpfilesCommand(installed: readonly string[], root: string): string | undefined {
  const files = installed.filter((p) => /^\/?usr\/lib\/tmpfiles\.d\//.test(p)).map((p) => `/${p.replace(/^\/+/, '')}`);
  if (files.length === 0) return undefined;
  return ['systemd-tmpfiles', ...(root === '/' ? [] : [`--root=${root}`]), '--create', ...files].map(shWord).join(' ');
}

/** How to start the services now (live systems only). */
export function startCommands(services: readonly { target: TargetId; name: string }[]): string[] {
  return services.map(({ target, name }) =>
    target === 'openrc' ? `rc-service ${name} start` : target === 'rcd' ? `service ${name} start` : `systemctl start ${name}`,
  );
}

export interface EnableResult {
  step: EnableStep;
  ok: boolean;
  detail: string;
}

/**
 * Runs each step in order and reports each result; a failed step does not
 * stop the others, except that systemd units are not enabled when
 * `systemctl daemon-reload` failed.
 */
export async function runEnableSteps(steps: readonly EnableStep[], run: RunTool): Promise<EnableResult[]> {
  const results: EnableResult[] = [];
  let reloadFailed = false;
  for (const step of steps) {
    if (reloadFailed && step.target === 'systemd') {
      results.push({ step, ok: false, detail: 'not run: systemctl daemon-reload failed' });
      continue;
    }
    if (step.link) {
      results.push({ step, ...(await makeRunlevelLink(step.link.path, step.link.target)) });
      continue;
    }
    const [command, ...args] = step.argv!;
    const r = await run(command!, args);
    if (r.missing) results.push({ step, ok: false, detail: `${command} is not installed here` });
    else results.push({ step, ok: r.exitCode === 0, detail: (r.exitCode === 0 ? '' : `exit ${r.exitCode}: `) + `${r.stdout}${r.stderr}`.trim() });
    // `systemctl daemon-reload && systemctl enable ...`
    if (step.argv?.join(' ') === 'systemctl daemon-reload' && !results[results.length - 1]!.ok) reloadFailed = true;
  }
  return results;
}

async function makeRunlevelLink(path: string, target: string): Promise<{ ok: boolean; detail: string }> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    const current = existing.isSymbolicLink() ? await readlink(path) : undefined;
    return current === target ? { ok: true, detail: 'already enabled' } : { ok: false, detail: `${path} exists and is not a link to ${target}` };
  }
  try {
    await mkdir(join(path, '..'), { recursive: true });
    await symlink(target, path);
    return { ok: true, detail: '' };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}
