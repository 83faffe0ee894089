import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../src/index.js';
import { applySlist, subListValues } from '../../src/targets/rcd.js';
import { liveProcesses, ProbeDir, waitFor } from './probe.js';

const TOOLS_SOURCE = fileURLToPath(new URL('./freebsd/tools.c', import.meta.url));
const RC_SUBR = fileURLToPath(new URL('./freebsd/rc.subr', import.meta.url));


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
export class FreebsdSandbox extends ProbeDir {
  readonly prefix = join(this.dir, 'local');
  readonly run = join(this.dir, 'run');
  private readonly sbin = join(this.dir, 'stand-in/sbin');
  private readonly path = join(this.dir, 'stand-in/bin');
  private readonly etc = join(this.dir, 'stand-in/etc');
  private readonly scripts = new Map<string, string>();

  constructor() {
    super('init-service-rcd-');
    for (const d of [this.prefix, this.run, this.sbin, this.path, this.etc, join(this.prefix, 'etc/rc.d')]) mkdirSync(d, { recursive: true });
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

  /** `service RC COMMAND [PROFILE]`: the script run by dash with service(8)'s environment, under the stand-ins. */
  service(rc: string, command: string | readonly string[], timeoutMs = 20_000) {
    const script = this.scripts.get(rc);
    if (!script) throw new Error(`${rc} is not installed`);
    const setup = [
      `mount -t overlay overlay -o lowerdir=${this.sbin}:/usr/sbin /usr/sbin`,
      `mount -t overlay overlay -o lowerdir=${this.etc}:/etc /etc`,
      `mount --bind ${this.run} /var/run`,
      `cd /`,
      `exec env -i HOME=/ PATH=${this.path}:/sbin:/bin:/usr/sbin:/usr/bin dash "$0" "$@"`,
    ].join(' && ');
    const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', setup, script, ...(typeof command === 'string' ? [command] : command)], {
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  }

  /** A file under the sandbox's /var/run. */
  runFile(name: string): string {
    return join(this.run, name);
  }

  /** Waits until `check` holds (true): probe.ts's waitFor, which throws, naming the wait, when the time is up. */
  async waitFor(check: () => boolean, timeoutMs = 5_000): Promise<true> {
    return waitFor('a condition of the rc.subr sandbox', () => check() || undefined, timeoutMs);
  }

  /** Live (not zombie) processes whose executable is under this sandbox (probes, stand-ins). */
  liveProcesses(): number[] {
    return liveProcesses((exe) => exe.startsWith(`${this.dir}/`));
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
