import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateRoot, type RunResult } from './private-root.js';
import { waitFor } from './probe.js';

/** Written by private-root/boot-systemd.sh: the cgroup2 directory holding everything the bed's systemd creates. */
const CGROUP_FILE = '/run/.private-root/cgroup';
/** Where the cgroup directory must be, and what it must be called, before we remove anything there. */
const OWN_CGROUP = /^\/sys\/fs\/cgroup(\/[^/]+)*\/init-service-testbed-[0-9a-f-]{36}$/;

const UNIT_DIR = '/etc/systemd/system';

/**
 * Boots systemd as PID 1 of a private root (private-root/boot-systemd.sh) and
 * waits until it has reached testbed.target: journald and D-Bus running,
 * every daemon installed on this machine masked (shared/docs/systemd-testbed.md).
 */
export async function bootSystemd(timeoutMs = 20_000): Promise<SystemdTestbed> {
  const started = Date.now();
  const root = await PrivateRoot.open('systemd');
  let bed: SystemdTestbed | undefined;
  try {
    const made = new SystemdTestbed(root, await waitFor('boot-systemd.sh to make its cgroup', () => ownCgroup(root), 10_000));
    bed = made;
    await waitFor('systemd to reach testbed.target', () => made.booted(), timeoutMs);
    made.bootMs = Date.now() - started;
    return made;
  } catch (error) {
    const report = await bootReport(root);
    await (bed ?? root).close();
    throw new Error(`${(error as Error).message}\n${report}`);
  }
}

/** The bed's cgroup directory, once boot-systemd.sh has made it and moved PID 1 there. */
function ownCgroup(root: PrivateRoot): string | undefined {
  const path = root.read(CGROUP_FILE).trim();
  if (!path && !alive(root)) throw new Error('boot-systemd.sh exited before it made its cgroup');
  if (!path) return undefined;
  if (!OWN_CGROUP.test(path) || path.split('/').includes('..')) throw new Error(`unexpected test bed cgroup ${JSON.stringify(path)}`);
  return path;
}

/** Whether the bed's PID 1 still runs (a zombie that unshare has yet to reap does not). */
function alive(root: PrivateRoot): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${root.pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function bootReport(root: PrivateRoot): Promise<string> {
  const failed = await root.run(['systemctl', '--failed', '--no-pager'], { timeoutMs: 5_000 });
  return `--- console (setup.sh, boot-systemd.sh, systemd):\n${root.consoleOutput().replace(/\r/g, '')}\n--- systemctl --failed:\n${failed.output}`;
}

/**
 * systemd 252 running as PID 1 of its own private root. Units under test go
 * into /etc/systemd/system inside, as `init-service install` puts them.
 * Pids: systemd and systemctl speak of pids inside the namespace ("inside
 * pids"); /proc on the host, kill and cgroup.procs read here use host pids.
 * `hostPid` and `insidePid` translate.
 */
export class SystemdTestbed {
  /** Milliseconds from opening the private root to testbed.target reached. */
  bootMs = 0;
  private readonly pidNamespace: string;

  constructor(
    readonly root: PrivateRoot,
    /** The cgroup2 directory (host path) holding systemd and every unit's cgroup. */
    readonly cgroup: string,
  ) {
    this.pidNamespace = readlinkSync(`/proc/${root.pid}/ns/pid`);
  }

  /** True once `systemctl is-system-running` says running or degraded. */
  async booted(): Promise<boolean> {
    if (!alive(this.root)) throw new Error('systemd (PID 1 of the test bed) has exited');
    const state = (await this.systemctl('is-system-running')).stdout.trim();
    return state === 'running' || state === 'degraded';
  }

  systemctl(...args: string[]): Promise<RunResult> {
    return this.root.run(['systemctl', '--no-pager', ...args]);
  }

  /**
   * Writes unit files and drop-ins (`web.service`, `site@.service`,
   * `site@alpha.service.d/override.conf`) under /etc/systemd/system inside,
   * then reloads systemd. An existing file or alias link of the same name is
   * removed first: Debian links redis.service to redis-server.service there,
   * and writing through that link would change the aliased unit instead.
   * The writing happens inside, so no link can lead it to a host file.
   */
  async installUnits(files: Record<string, string>): Promise<void> {
    const args: string[] = [];
    for (const [path, content] of Object.entries(files)) {
      if (path.startsWith('/') || path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
        throw new Error(`not a path inside ${UNIT_DIR}: ${JSON.stringify(path)}`);
      }
      args.push(`${UNIT_DIR}/${path}`, content);
    }
    const write = await this.root.sh(
      'while [ $# -gt 0 ]; do rm -f -- "$1" && mkdir -p -- "${1%/*}" && printf %s "$2" >"$1" || exit 1; shift 2; done',
      ...args,
    );
    if (write.status !== 0) throw new Error(`writing units failed: ${write.output}`);
    await this.check('daemon-reload');
  }

  /** What the unit logged in this boot, message text only. */
  async journal(unit: string): Promise<string> {
    return (await this.root.run(['journalctl', '-u', unit, '--no-pager', '-o', 'cat', '-b'])).stdout;
  }

  /** One property, as `systemctl show --property=NAME --value` prints it. */
  async show(unit: string, property: string): Promise<string> {
    return (await this.check('show', `--property=${property}`, '--value', unit)).stdout.trim();
  }

  /** The unit's main process as systemd numbers it (an inside pid), 0 when there is none. */
  async mainPid(unit: string): Promise<number> {
    return Number(await this.show(unit, 'MainPID'));
  }

  /** The host pid of a process inside, from the NSpid lines of /proc/PID/status. */
  hostPid(insidePid: number): number {
    for (const entry of readdirSync('/proc')) {
      if (/^\d+$/.test(entry) && this.insidePid(Number(entry)) === insidePid) return Number(entry);
    }
    throw new Error(`no process ${insidePid} in the test bed`);
  }

  /** The inside pid of a host pid, or undefined when that process is not in the bed (or gone). */
  insidePid(hostPid: number): number | undefined {
    try {
      if (readlinkSync(`/proc/${hostPid}/ns/pid`) !== this.pidNamespace) return undefined;
      const nspid = /^NSpid:\s+(.+)$/m.exec(readFileSync(`/proc/${hostPid}/status`, 'utf8'))?.[1];
      return nspid ? Number(nspid.trim().split(/\s+/).pop()) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Host pids of every process in the unit's cgroup and those below it, main process or not. */
  async unitProcesses(unit: string): Promise<number[]> {
    const group = await this.show(unit, 'ControlGroup');
    if (!group) return [];
    if (!group.startsWith('/') || group.split('/').includes('..')) throw new Error(`unexpected ControlGroup ${group}`);
    const pids: number[] = [];
    const collect = (dir: string): void => {
      const procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
      pids.push(...procs.split('\n').filter(Boolean).map(Number));
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) collect(join(dir, entry.name));
      }
    };
    const dir = join(this.cgroup, group);
    if (existsSync(dir)) collect(dir);
    return pids;
  }

  /**
   * What PID 1 printed: setup.sh, boot-systemd.sh, then systemd's console (its
   * boot, and units with StandardOutput=tty or journal+console). Still there
   * after close().
   */
  consoleLog(): string {
    return this.root.consoleOutput().replace(/\r/g, '');
  }

  /** Kills the bed's PID 1 (and so everything inside) and removes its cgroup: PrivateRoot's guard does both. */
  close(): Promise<void> {
    return this.root.close();
  }

  /** systemctl ARGS, throwing with its output when it fails. */
  private async check(...args: string[]): Promise<RunResult> {
    const result = await this.systemctl(...args);
    if (result.status !== 0) throw new Error(`systemctl ${args.join(' ')} failed (${result.status}): ${result.output}`);
    return result;
  }
}
