import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../src/index.js';
import { subListValues } from '../../src/targets/rcd.js';
import { parseRecord, type ProbeRecord } from './openrc.js';

const PROBE_SOURCE = fileURLToPath(new URL('./probe.c', import.meta.url));
const TOOLS_SOURCE = fileURLToPath(new URL('./freebsd/tools.c', import.meta.url));
const RC_SUBR = fileURLToPath(new URL('./freebsd/rc.subr', import.meta.url));

/** A probe record plus the supplementary groups (probe.c's "groups" line). */
export interface FreebsdProbeRecord extends ProbeRecord {
  groups: number[];
  ppid: number;
}

/** Whether this machine can run the stand-in: root, unshare(1), and overlay mounts in a mount namespace. */
export function canRunStandIn(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'd=$(mktemp -d) && mount -t overlay overlay -o "lowerdir=$d:/usr/sbin" /usr/sbin; s=$?; rmdir "$d"; exit $s'], {
    stdio: 'ignore',
  });
  return probe.status === 0;
}

/**
 * Runs generated rc.d scripts on Linux against init-service's own stand-in
 * of FreeBSD's /etc/rc.subr (test/support/freebsd/rc.subr) and stand-ins of
 * daemon(8), chroot(8), limits(1) and su(1) (freebsd/tools.c).
 *
 * Each command runs in a private mount namespace where /etc/rc.subr and
 * /etc/rc.conf, /usr/sbin/daemon and /usr/sbin/chroot are the stand-ins
 * (overlays) and /var/run is this sandbox's directory, so the script runs
 * unmodified at its real paths, after the ports framework's SUB_LIST step:
 * %%PREFIX%% and %%LOCALBASE%% become the sandbox's prefix, the account
 * tokens what Makefile.snippet's SUB_LIST sets. The environment is what
 * service(8) gives a script: HOME=/ and a fixed PATH, from /.
 */
export class FreebsdSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'init-service-rcd-'));
  readonly bin = join(this.dir, 'bin');
  readonly probe = join(this.bin, 'probe');
  readonly work = join(this.dir, 'work');
  readonly prefix = join(this.dir, 'local');
  readonly run = join(this.dir, 'run');
  private readonly sbin = join(this.dir, 'stand-in/sbin');
  private readonly path = join(this.dir, 'stand-in/bin');
  private readonly etc = join(this.dir, 'stand-in/etc');
  private readonly scripts = new Map<string, string>();

  constructor() {
    chmodSync(this.dir, 0o755);
    for (const d of [this.bin, this.work]) {
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o777);
    }
    for (const d of [this.prefix, this.run, this.sbin, this.path, this.etc, join(this.prefix, 'etc/rc.d')]) mkdirSync(d, { recursive: true });
    execFileSync('gcc', ['-O2', '-o', this.probe, PROBE_SOURCE]);
    const tools = join(this.dir, 'stand-in/tools');
    execFileSync('gcc', ['-O2', '-o', tools, TOOLS_SOURCE]);
    symlinkSync(tools, join(this.sbin, 'daemon'));
    symlinkSync(tools, join(this.sbin, 'chroot'));
    symlinkSync(tools, join(this.path, 'limits'));
    symlinkSync(tools, join(this.path, 'su'));
    copyFileSync(RC_SUBR, join(this.etc, 'rc.subr'));
    this.rcConf('');
  }

  /** Writes /etc/rc.conf as the scripts will see it. */
  rcConf(text: string): void {
    writeFileSync(join(this.etc, 'rc.conf'), text);
  }

  /** Generates the spec's rc.d files and installs the script as USE_RC_SUBR would; returns its rc name. */
  install(spec: Record<string, unknown>): { rc: string; script: string; warnings: string[] } {
    const { files, warnings } = generate(spec, { targets: ['rcd'] });
    const source = files.find((f) => f.path.startsWith('rcd/files/'))!;
    const make = files.find((f) => f.path === 'rcd/Makefile.snippet')!.content!;
    const rc = source.path.replace(/^rcd\/files\/(.*)\.in$/, '$1');
    const subList: Record<string, string> = { ...subListValues(make), PREFIX: this.prefix, LOCALBASE: this.prefix };
    const substituted = applySlist(source.content!, subList);
    if (/%%[A-Z_]+%%/.test(substituted)) throw new Error(`SUB_LIST left a token in ${source.path}`);
    const path = join(this.prefix, 'etc/rc.d', rc);
    writeFileSync(path, substituted, { mode: 0o755 });
    this.scripts.set(rc, path);
    return { rc, script: substituted, warnings };
  }

  /** `service RC COMMAND`: the script run by dash with service(8)'s environment, under the stand-ins. */
  service(rc: string, command: string, timeoutMs = 20_000) {
    const script = this.scripts.get(rc);
    if (!script) throw new Error(`${rc} is not installed`);
    const setup = [
      `mount -t overlay overlay -o lowerdir=${this.sbin}:/usr/sbin /usr/sbin`,
      `mount -t overlay overlay -o lowerdir=${this.etc}:/etc /etc`,
      `mount --bind ${this.run} /var/run`,
      `cd /`,
      `exec env -i HOME=/ PATH=${this.path}:/sbin:/bin:/usr/sbin:/usr/bin dash "$0" "$1"`,
    ].join(' && ');
    const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', setup, script, command], {
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  }

  /** A file under the sandbox's /var/run. */
  runFile(name: string): string {
    return join(this.run, name);
  }

  records(): FreebsdProbeRecord[] {
    return readdirSync(this.bin)
      .filter((f) => /^probe\.\d+$/.test(f))
      // Oldest first by when it was written: pids wrap (pid_max is 32768 here), so a newer probe can have a lower pid.
      .map((f) => ({ f, at: statSync(join(this.bin, f)).mtimeMs }))
      .sort((a, b) => a.at - b.at)
      .map(({ f }) => {
        const text = readFileSync(join(this.bin, f), 'utf8');
        const groups = /^groups((?: \d+)*)$/m.exec(text)?.[1]?.trim();
        return {
          ...parseRecord(text),
          groups: groups ? groups.split(' ').map(Number) : [],
          ppid: Number(/^ppid (\d+)$/m.exec(text)?.[1] ?? 0),
        };
      });
  }

  /** Signals the probe `pid` has logged, by number. */
  signals(pid: number): number[] {
    const file = join(this.bin, `probe.${pid}.signals`);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map(Number) : [];
  }

  /** Waits until `count` records exist; returns the newest. */
  async waitForRecord(count = 1, timeoutMs = 5_000): Promise<FreebsdProbeRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = this.records();
      if (records.length >= count) return records[records.length - 1]!;
      if (Date.now() > deadline) throw new Error(`no probe record after ${timeoutMs} ms (have ${records.length})`);
      await sleep(50);
    }
  }

  /** Waits until `check` holds or the time is up; returns its last value. */
  async waitFor<T>(check: () => T, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value || Date.now() > deadline) return value;
      await sleep(50);
    }
  }

  /** Live (not zombie) processes whose executable is under this sandbox (probes, stand-ins). */
  liveProcesses(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (!readlinkSync(`/proc/${entry}/exe`).startsWith(`${this.dir}/`)) continue;
        const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
        if (state !== 'Z') pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }

  /** Live processes running the probe binary. */
  liveProbes(): number[] {
    return this.liveProcesses().filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === this.probe;
      } catch {
        return false;
      }
    });
  }

  /** Kills everything this sandbox started and removes it. */
  cleanup(): void {
    for (const pid of this.liveProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * What the ports framework's apply-slist target (bsd.port.mk) does to
 * files/NAME.in: sed -e 's!%%KEY%%!value!g' for each SUB_LIST entry, and
 * -e '/^@comment /d'.
 */
export function applySlist(text: string, subList: Record<string, string>): string {
  return text
    .replace(/%%([A-Za-z0-9_]+)%%/g, (token, key: string) => subList[key] ?? token)
    .split('\n')
    .filter((line) => !line.startsWith('@comment '))
    .join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
