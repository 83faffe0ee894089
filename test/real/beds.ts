import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../support/cli.js';
import { PrivateRoot, type RunResult } from '../support/private-root.js';
import type { SystemdTestbed } from '../support/systemd-testbed.js';

export type RealTarget = 'openrc' | 'rcd' | 'systemd';
export type Action = 'start' | 'stop' | 'restart' | 'reload' | 'status' | 'kill' | 'zap' | 'foreground' | 'configtest';

/**
 * One init system running in a private root, with a service installed by
 * `init-service install --root` exactly as a user's install would place it.
 */
export interface Bed {
  readonly root: PrivateRoot;
  /** The name the init system knows a member by. */
  service(member: { name: string; family?: string }): string;
  /** Installs the generated files of `source` (`--example NAME` or `--spec FILE`). */
  install(source: readonly string[]): Promise<void>;
  act(service: string, action: Action): Promise<RunResult>;
  /** rc.d only: a line an admin adds to /etc/rc.conf (`sysrc redis_nice=5`). */
  setting?(line: string): void;
  /** Pids (host) of everything the init system runs for the service, supervisors included. */
  processesOf(service: string): Promise<number[]>;
  close(): Promise<void>;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `init-service install --example NAME --target T --root ROOT` (or --spec
 * FILE): the user's own way in. --force, because this is Debian: its packages' own
 * /etc/init.d/nginx and /etc/systemd/system/redis.service alias stand where a
 * Gentoo or package install puts ours (inside the private root only).
 */
function installExample(root: PrivateRoot, source: readonly string[], target: RealTarget): void {
  const r = cli(['install', ...source, '--target', target, '--root', root.path('/'), '--force'], REPO);
  if (r.status !== 0) throw new Error(`init-service install ${source.join(' ')} --target ${target} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

const OPENRC_STATE = ['daemons', 'exclusive', 'failed', 'hotplugged', 'inactive', 'options', 'scheduled', 'started', 'starting', 'stopping', 'tmp', 'wasinactive'];

const DPKG_SIGNAL_WRAPPER = `#!/bin/sh
case " $* " in
*" -S "* | *" --start "* | *" -K "* | *" --stop "* | *" -T "* | *" --status "*) ;;
*" --signal "* | *" -s "*) set -- --stop "$@" ;;
esac
exec /usr/sbin/start-stop-daemon.dpkg "$@"
`;

/** OpenRC as Debian packages it: openrc-run, start-stop-daemon and supervise-daemon. */
class OpenrcBed implements Bed {
  constructor(readonly root: PrivateRoot) {}

  static async open(): Promise<OpenrcBed> {
    const root = await PrivateRoot.open('plain');
    // What openrc(8) sets up at boot, in the private /run: its state
    // directories (without them openrc-run reports "already starting").
    for (const dir of OPENRC_STATE) mkdirSync(root.path(`/run/openrc/${dir}`), { recursive: true });
    root.write('/run/openrc/softlevel', '');
    // Debian's OpenRC runs dpkg's start-stop-daemon, which signals only with
    // --stop; OpenRC's own takes --signal alone (the scripts' reload). The
    // test adapts, never the scripts: a wrapper adds --stop there.
    renameSync(root.path('/usr/sbin/start-stop-daemon'), root.path('/usr/sbin/start-stop-daemon.dpkg'));
    root.write('/usr/sbin/start-stop-daemon', DPKG_SIGNAL_WRAPPER, { mode: 0o755 });
    return new OpenrcBed(root);
  }

  service(member: { name: string; family?: string }): string {
    return member.family ? `${member.family}.${member.name}` : member.name;
  }

  async install(source: readonly string[]): Promise<void> {
    installExample(this.root, source, 'openrc');
  }

  act(service: string, action: Action): Promise<RunResult> {
    return this.root.run([`/etc/init.d/${service}`, action], { timeoutMs: 60_000 });
  }

  async processesOf(): Promise<number[]> {
    // Nothing but the reaper runs in a plain root once OpenRC is done.
    return this.root.processes().map((p) => p.pid);
  }

  close(): Promise<void> {
    return this.root.close();
  }
}

const STAND_IN = fileURLToPath(new URL('../support/freebsd/', import.meta.url));
const STAND_IN_BIN = '/usr/local/libexec/rc-standin';

/**
 * FreeBSD's rc.d under our rc.subr stand-in (test/support/freebsd/): the
 * stand-in's rc.subr at /etc/rc.subr, its daemon(8) and chroot(8) at
 * /usr/sbin, limits(1) and su(1) first on service(8)'s PATH; scripts in
 * /usr/local/etc/rc.d with PREFIX /usr/local, as a port installs them, and
 * /usr/local/bin, /usr/local/sbin linked to Debian's /usr/bin, /usr/sbin.
 */
class RcdBed implements Bed {
  private readonly enabled: string[] = [];

  constructor(readonly root: PrivateRoot) {}

  static async open(): Promise<RcdBed> {
    const root = await PrivateRoot.open('plain');
    const build = mkdtempSync(join(tmpdir(), 'init-service-standin-'));
    try {
      execFileSync('gcc', ['-O2', '-o', join(build, 'tools'), join(STAND_IN, 'tools.c')]);
      root.write(`${STAND_IN_BIN}/tools`, readFileSync(join(build, 'tools')), { mode: 0o755 });
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
    for (const [link, at] of [['daemon', '/usr/sbin'], ['chroot', '/usr/sbin'], ['limits', STAND_IN_BIN], ['su', STAND_IN_BIN]] as const) {
      rmSync(root.path(`${at}/${link}`), { force: true });
      symlinkSync(`${STAND_IN_BIN}/tools`, root.path(`${at}/${link}`));
    }
    // The port's %%PREFIX%% and %%LOCALBASE%% (/usr/local) hold Debian's programs: what
    // freebsd-layout.ts maps /usr/bin/X and /usr/sbin/X to is X itself here.
    for (const dir of ['bin', 'sbin']) {
      rmSync(root.path(`/usr/local/${dir}`), { recursive: true, force: true });
      symlinkSync(`../${dir}`, root.path(`/usr/local/${dir}`));
    }
    // FreeBSD's web server account is www (ports/UIDs), which the rc.d files name where a
    // description says Debian's www-data: here the same uid and gid as www-data.
    for (const [file, entry] of [['/etc/passwd', 'www:x:33:33:www:/nonexistent:/usr/sbin/nologin'], ['/etc/group', 'www:x:33:']] as const) {
      root.write(file, `${root.read(file)}${entry}\n`);
    }
    root.write('/etc/rc.subr', readFileSync(join(STAND_IN, 'rc.subr')));
    root.write('/etc/rc.conf', '');
    return new RcdBed(root);
  }

  /** A family is one script (named after the family) and its members are profiles: "lisp_site alpha". */
  service(member: { name: string; family?: string }): string {
    return member.family ? `${member.family.replace(/-/g, '_')} ${member.name}` : member.name.replace(/-/g, '_');
  }

  async install(source: readonly string[]): Promise<void> {
    installExample(this.root, source, 'rcd');
  }

  /** A line an admin's sysrc(8) leaves in /etc/rc.conf. */
  setting(line: string): void {
    this.enabled.push(line);
    this.root.write('/etc/rc.conf', `${this.enabled.join('\n')}\n`);
  }

  /** What an admin's `sysrc NAME_enable=YES` (and, for a profile, `sysrc NAME_profiles+=PROFILE`) leaves in /etc/rc.conf. */
  enable(script: string, profile?: string): void {
    this.enabled.push(`${script}_enable="YES"`);
    if (profile !== undefined) this.enabled.push(`${script}_profiles="${profile}"`);
    this.root.write('/etc/rc.conf', `${this.enabled.join('\n')}\n`);
  }

  act(service: string, action: Action): Promise<RunResult> {
    const [script, profile] = service.split(' ') as [string, string | undefined];
    if (!this.enabled.some((line) => line.startsWith(`${script}_enable=`))) this.enable(script, profile);
    // service(8): a clean environment, HOME=/ and its PATH, from /; a profile after the action.
    return this.root.run(
      ['env', '-i', 'HOME=/', `PATH=${STAND_IN_BIN}:/sbin:/bin:/usr/sbin:/usr/bin`, 'dash', `/usr/local/etc/rc.d/${script}`, action, ...(profile === undefined ? [] : [profile])],
      { timeoutMs: 60_000 },
    );
  }

  async processesOf(): Promise<number[]> {
    return this.root.processes().map((p) => p.pid);
  }

  close(): Promise<void> {
    return this.root.close();
  }
}

/** systemd 252 as PID 1 (test/support/systemd-testbed.ts). */
class SystemdBed implements Bed {
  constructor(private readonly bed: SystemdTestbed) {}

  get root(): PrivateRoot {
    return this.bed.root;
  }

  static async open(): Promise<SystemdBed> {
    const { bootSystemd } = await import('../support/systemd-testbed.js');
    return new SystemdBed(await bootSystemd());
  }

  service(member: { name: string; family?: string }): string {
    return member.family ? `${member.family}@${member.name}.service` : `${member.name}.service`;
  }

  async install(source: readonly string[]): Promise<void> {
    installExample(this.root, source, 'systemd');
    const reload = await this.bed.systemctl('daemon-reload');
    if (reload.status !== 0) throw new Error(`daemon-reload: ${reload.output}`);
  }

  act(service: string, action: Action): Promise<RunResult> {
    return this.bed.systemctl(action, service);
  }

  processesOf(service: string): Promise<number[]> {
    return this.bed.unitProcesses(service);
  }

  /** The unit's journal, for a failure message. */
  journal(service: string): Promise<string> {
    return this.bed.journal(service);
  }

  close(): Promise<void> {
    return this.bed.close();
  }
}

export function openBed(target: RealTarget): Promise<Bed> {
  if (target === 'openrc') return OpenrcBed.open();
  if (target === 'rcd') return RcdBed.open();
  return SystemdBed.open();
}

/** What the bed can tell about a failure beyond the command's output (systemd's journal). */
export async function diagnosis(bed: Bed, service: string): Promise<string> {
  return bed instanceof SystemdBed ? `journal:\n${await bed.journal(service)}` : '';
}
