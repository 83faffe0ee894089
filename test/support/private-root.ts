import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './probe.js';

const HERE = fileURLToPath(new URL('./private-root/', import.meta.url));

export type PrivateRootMode = 'plain' | 'systemd';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Compiles the reaper (private-root/reaper.c) into a fresh directory; setup.sh copies it inside before "ready". */
function compileReaper(): { binary: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'init-service-reaper-'));
  chmodSync(dir, 0o755);
  const binary = join(dir, 'reaper');
  execFileSync('gcc', ['-O2', '-o', binary, join(HERE, 'reaper.c')]);
  return { binary, dir };
}

/**
 * A watchdog on the host, in a session of its own: once its stdin closes (at
 * close(), or when the test process dies without closing the root: vitest
 * ends a worker with SIGTERM, then SIGKILL, and no 'exit' handler runs) it
 * kills PID 1 by host pid, checked against its PID namespace, and removes the
 * cgroup a systemd test bed made (boot-systemd.sh writes its path).
 */
const GUARD = `trap '' HUP INT TERM
cat >/dev/null
cgroup=$(cat "/proc/$1/root/run/.private-root/cgroup" 2>/dev/null)
[ "$(readlink "/proc/$1/ns/pid")" = "$2" ] && kill -KILL "$1"
case $cgroup in
/sys/fs/cgroup/*/init-service-testbed-*) ;;
*) exit 0 ;;
esac
case $cgroup in *..*) exit 0 ;; esac
tries=0
while [ -d "$cgroup" ] && [ "$tries" -lt 50 ]; do
  find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
  tries=$((tries + 1))
  sleep 0.1
done`;

/**
 * A machine of its own for one test: a PID, mount, UTS, IPC and network namespace
 * whose /etc, /usr and /var are overlays kept in memory and whose /run,
 * /tmp, /var/tmp and /dev/shm are fresh (private-root/setup.sh). Files are
 * read and written through /proc/PID/root, commands run by nsenter; closing
 * it kills its PID 1, and with it every process inside, by host pid.
 */
export class PrivateRoot {
  private constructor(
    private readonly unshare: ChildProcess,
    /** Host pid of the namespace's PID 1. */
    readonly pid: number,
    private readonly pidNamespace: string,
    private readonly console: () => string,
    private readonly guard: ChildProcess,
  ) {}

  static async open(mode: PrivateRootMode): Promise<PrivateRoot> {
    const reaper = mode === 'plain' ? compileReaper() : undefined;
    const args = ['--pid', '--fork', '--mount', '--uts', '--ipc', '--net', '--mount-proc', 'sh', join(HERE, 'setup.sh'), mode, reaper?.binary ?? ''];
    const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exited = false;
    child.on('exit', () => (exited = true));
    try {
      await waitFor('the private root to be set up', () => {
        if (exited) throw new Error(`private root setup failed:\n${output}`);
        return output.includes('ready\n');
      }, 10_000);
    } finally {
      if (reaper) rmSync(reaper.dir, { recursive: true, force: true });
    }
    const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    const pidNamespace = readlinkSync(`/proc/${pid}/ns/pid`);
    if (pidNamespace === readlinkSync('/proc/self/ns/pid')) throw new Error('the private root shares our PID namespace');
    const guard = spawn('sh', ['-c', GUARD, 'sh', String(pid), pidNamespace], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    guard.unref();
    (guard.stdin as unknown as { unref(): void }).unref();
    return new PrivateRoot(child, pid, pidNamespace, () => output, guard);
  }

  /** What PID 1 (setup.sh, then the reaper or systemd) printed. */
  consoleOutput(): string {
    return this.console();
  }

  /**
   * A path inside, as the host sees it. Through /proc/PID/root the kernel
   * follows an absolute symlink (Debian's /var/run -> /run) to the HOST's
   * target, so links are resolved here, inside the root, first.
   */
  path(inside: string): string {
    const top = `/proc/${this.pid}/root`;
    const pending = inside.split('/').filter(Boolean);
    const done: string[] = [];
    for (let hops = 0; pending.length > 0; ) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        done.pop();
        continue;
      }
      const here = join(top, ...done, name);
      let target: string | undefined;
      try {
        if (lstatSync(here).isSymbolicLink()) target = readlinkSync(here);
      } catch {
        // not there (yet): the rest is created as written
      }
      if (target === undefined) {
        done.push(name);
        continue;
      }
      if (++hops > 40) throw new Error(`too many symbolic links in ${inside}`);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter(Boolean));
    }
    return join(top, ...done);
  }

  read(inside: string): string {
    try {
      return readFileSync(this.path(inside), 'utf8');
    } catch {
      return '';
    }
  }

  /** Writes a file inside (parents created, root-owned unless `owner` says otherwise). */
  write(inside: string, content: string | Buffer, options: { mode?: number; owner?: [number, number] } = {}): void {
    const path = this.path(inside);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: options.mode ?? 0o644 });
    chmodSync(path, options.mode ?? 0o644);
    if (options.owner) chownSync(path, ...options.owner);
  }

  /** Runs argv inside (all namespaces), from /, with a plain root environment. */
  run(argv: string[], options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', ...options.env };
    return this.spawn(['-m', '-u', '-i', '-n', '-p', '--wd=/', '--', ...argv], { env, timeoutMs: options.timeoutMs });
  }

  /**
   * Runs argv in the root's network namespace only: a program of the host
   * (this very node) that talks to what listens on the root's loopback.
   */
  inNetwork(argv: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return this.spawn(['-n', '--', ...argv], options);
  }

  private spawn(nsenterArgs: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<RunResult> {
    const child = spawn('nsenter', ['-t', String(this.pid), ...nsenterArgs], {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    return new Promise((resolve) => {
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr, output: stdout + stderr });
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ status: null, stdout, stderr: stderr + String(error), output: stdout + stderr + String(error) });
      });
    });
  }

  /** `sh -c SCRIPT sh ARGS...` inside. */
  sh(script: string, ...args: string[]): Promise<RunResult> {
    return this.run(['sh', '-c', script, 'sh', ...args]);
  }

  /** Live (not zombie) processes inside other than PID 1, with their host pid, uid, exe and argv. */
  processes(): Array<{ pid: number; uid: number; exe: string; argv: string[] }> {
    const found: Array<{ pid: number; uid: number; exe: string; argv: string[] }> = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === this.pid) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/pid`) !== this.pidNamespace) continue;
        const status = readFileSync(`/proc/${entry}/status`, 'utf8');
        if (/^State:\s+Z/m.test(status)) continue;
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').slice(0, -1);
        found.push({ pid: Number(entry), uid, exe: readlinkSync(`/proc/${entry}/exe`), argv });
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }

  /** Has the guard kill PID 1 (the kernel then ends everything inside) and remove a test bed's cgroup; waits for both. */
  async close(): Promise<void> {
    const guardDone = this.guard.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => this.guard.once('exit', () => resolve()));
    this.guard.stdin!.end();
    await guardDone;
    await waitFor('the private root to end', () => this.unshare.exitCode !== null || this.unshare.signalCode !== null, 10_000);
  }
}
