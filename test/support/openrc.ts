import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  realpathSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { generate } from '../../src/index.js';
import { fill } from '../../src/spec/placeholders.js';
import { plan, writePlanned } from '../../src/write.js';
import { liveProcesses, ProbeDir, waitFor, type ProbeRecord } from './probe.js';
import { describeWithTools } from './tools.js';

export { liveProcesses, parseRecord, waitFor, type ProbeRecord } from './probe.js';


export const isRoot = process.getuid?.() === 0;

/**
 * describeWithTools for a block that runs Debian's real OpenRC in an
 * OpenrcSandbox: openrc-run and both supervisors, gcc for the probe, and
 * root (OpenRC switches users). `more` names any other tool the block uses.
 */
export function describeWithOpenrc(more: string[] = []) {
  return describeWithTools(['openrc-run', 'supervise-daemon', 'start-stop-daemon', 'gcc', ...more], { ok: isRoot, why: 'root (OpenRC switches users)' });
}


/** A sandbox for one OpenRC service: probe binary, output tree, cleanup. */
export class OpenrcSandbox extends ProbeDir {
  readonly out = join(this.dir, 'out');
  /** Root-owned directory for pidfiles that a forking program writes itself. */
  readonly run = join(this.dir, 'run');
  /** Does not exist until the generic script creates it for the logs. */
  readonly logs = join(this.dir, 'log');
  /** The configuration check of the adapted fixtures passes while this file exists. */
  readonly configOk = join(this.dir, 'config-ok');
  readonly envFile = join(this.dir, 'env');

  constructor() {
    super('init-service-openrc-');
    mkdirSync(this.run, { mode: 0o755 });
    writeFileSync(this.configOk, '');
    writeFileSync(this.envFile, "FROM_ENV_FILE='read from a file'\n");
    mkdirSync('/run/openrc', { recursive: true });
    if (!existsSync('/run/openrc/softlevel')) writeFileSync('/run/openrc/softlevel', '');
  }

  /** Generates the spec's OpenRC files into `out`, as the CLI writes them. */
  async generate(spec: Record<string, unknown>): Promise<void> {
    const { files } = generate(spec, { targets: ['openrc', 'gentoo'] });
    await writePlanned(await plan(files, this.out));
  }

  /** Where `rc` finds the scripts: the output tree, /etc/init.d once installed, or an image. */
  initd = join(this.out, 'openrc/init.d');
  private readonly installed: string[] = [];

  /**
   * Copies the generated init.d and conf.d files into /etc, where OpenRC
   * resolves services by name: needed where openrc-run re-marks a service
   * itself (a failed stop is marked started again only for a service it
   * finds there). The names are unique; cleanup removes them.
   */
  install(): void {
    for (const dir of ['init.d', 'conf.d']) {
      for (const name of readdirSync(join(this.out, 'openrc', dir))) {
        const from = join(this.out, 'openrc', dir, name);
        const to = join('/etc', dir, name);
        if (existsSync(to)) throw new Error(`${to} exists already`);
        this.installed.push(to);
        if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
        else copyFileSync(from, to);
      }
    }
    this.initd = '/etc/init.d';
  }

  /** Removes what `install` put in /etc (the services must be stopped). */
  uninstall(): void {
    for (const file of this.installed.splice(0)) rmSync(file, { force: true });
    this.initd = join(this.out, 'openrc/init.d');
  }

  /**
   * Runs `init.d/<service> <command>` from `/`, as an admin would from any
   * directory. Asynchronous, so that suites running side by side keep
   * running while OpenRC waits for a process.
   */
  async rc(service: string, command: string, timeoutMs = 20_000): Promise<{ status: number | null; output: string }> {
    const run = this.rcAsync(service, command);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
    const status = await run.exited;
    clearTimeout(timer);
    return { status, output: run.output() };
  }

  /** Starts `init.d/<service> <command>` without waiting (foreground); output is collected. */
  rcAsync(service: string, command: string) {
    const child = spawn(join(this.initd, service), [command], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => {
      child.on('close', (code) => resolve(code));
      child.on('error', (error) => {
        output += String(error);
        resolve(null);
      });
    });
    return { child, exited, output: () => output };
  }

  /** A file's text, or '' while it does not exist. */
  read(file: string): string {
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }


  /** The one live probe, once its record is written. */
  async running(timeoutMs = 5_000): Promise<ProbeRecord> {
    return waitFor('exactly one running probe with a record', () => {
      const live = this.liveProbes();
      return live.length === 1 ? this.records().find((r) => r.pid === live[0]) : undefined;
    }, timeoutMs);
  }


  /** Live supervise-daemon processes supervising `service`. */
  supervisors(service: string): number[] {
    return liveProcesses((exe, argv) => exe.endsWith('/supervise-daemon') && argv[1] === service);
  }

  /** Stops everything this sandbox started and removes it. */
  async cleanup(services: string[]): Promise<void> {
    for (const service of services) {
      await this.rc(service, 'stop', 10_000);
      await this.rc(service, 'zap', 10_000);
    }
    for (const pid of [...services.flatMap((s) => this.supervisors(s)), ...this.liveProbes()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // The control fifo of a supervisor that was sent SIGKILL stays behind.
    for (const service of services) rmSync(`/run/openrc/supervise-${service}.ctl`, { force: true });
    this.uninstall();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** This process's hard limit from /proc/self/limits (Infinity for unlimited). */
export function hardLimit(label: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(label));
  const hard = line?.slice(label.length).trim().split(/\s+/)[1];
  if (hard === undefined) throw new Error(`no "${label}" in /proc/self/limits`);
  return hard === 'unlimited' ? Infinity : Number(hard);
}

/** Live (not zombie) processes whose executable and argv satisfy `match`. */


/** A service name unique to this test run, so parallel runs never share OpenRC state. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** How OpenRC runs a foreground program: supervise-daemon (restart on) or start-stop-daemon (restart "no"). */
export type Supervision = 'supervise-daemon' | 'start-stop-daemon';

/**
 * Where this machine's OpenRC is Debian's, not upstream's (the generated
 * scripts target upstream OpenRC, as Gentoo and Alpine ship it; the tests
 * adapt, never the scripts): Debian ships dpkg's start-stop-daemon, which
 * has no --stdout/--stderr (output_log, error_log) and leaves the pidfile it
 * made for command_background behind on stop.
 */
export const DPKG_START_STOP_DAEMON = (() => {
  const help = spawnSync('start-stop-daemon', ['--help'], { encoding: 'utf8' });
  return !`${help.stdout}${help.stderr}`.includes('--stdout');
})();

/**
 * openrc-run.sh before 0.56 applies rc_ulimit in one `ulimit` call, run by
 * /bin/sh: dash (Debian's) takes one limit per call and has no -u.
 */
export const ONE_ULIMIT_PAIR = (() => {
  const version = existsSync('/lib/rc/version') ? readFileSync('/lib/rc/version', 'utf8').trim().split('.').map(Number) : [];
  const old = version.length >= 2 && (version[0]! === 0 && version[1]! < 56);
  return old && realpathSync('/bin/sh').endsWith('dash');
})();

/** What the probe must see when a fixture adapted by `adaptFixture` runs. */
export interface Expected {
  argv: string[];
  uid: number;
  gid: number;
  cwd: string;
  env: Record<string, string>;
  umask?: string;
  nofile?: [number, number];
  nice: number;
  /** The pidfile OpenRC or the program keeps, and whose pid it holds. */
  pidfile: string;
  pidfileHolds: 'supervisor' | 'program';
  stdoutLog?: string;
  stderrLog?: string;
  reloadSignal?: number;
}

const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, USR1: 10, USR2: 12, TERM: 15, WINCH: 28 };

/**
 * A fixture made runnable in the sandbox: the probe as command, sandbox
 * paths for directories, logs, pidfile and environment file, existing
 * accounts (nobody, group users) for made-up ones, a configuration check
 * that passes while `box.configOk` exists, and a unique name.
 */
export function adaptFixture(
  fixture: Record<string, unknown>,
  box: OpenrcSandbox,
  supervision: Supervision,
): { spec: Record<string, unknown>; entry: string; expected: Expected } {
  const spec: Record<string, unknown> = { ...fixture };
  delete spec.$schema;
  // The lifecycle suites exercise the origin launcher's commands, opt-in since issue 14.
  spec.commands = ['kill', 'zap', 'foreground'];
  if (typeof spec.family === 'string') spec.family = uniqueName(spec.family.slice(0, 8));
  else spec.name = uniqueName(String(spec.name).slice(0, 8));
  const entry = spec.family ? `${String(spec.family)}.${String(spec.name)}` : String(spec.name);
  // This sandbox runs on the machine's own /var and /run: the declared
  // directories are tested in private roots (test/real) and by the text tests.
  delete spec.directories;
  // A program that switches users itself starts as root; the probe never switches.
  if (spec.switchesUser !== undefined) spec.switchesUser = { user: 'nobody' };
  const root = spec.user === 'root' || spec.switchesUser !== undefined;
  if (!root) spec.user = 'nobody';
  let config: string | undefined;
  if (spec.configFile !== undefined) {
    config = join(box.dir, 'service.conf');
    writeFileSync(config, '');
    spec.configFile = config;
  }
  if (spec.group !== undefined) spec.group = 'users';
  spec.command = box.probe;
  if (spec.workingDirectory !== undefined) spec.workingDirectory = box.work;
  if (spec.environmentFile !== undefined) spec.environmentFile = box.envFile;
  if (supervision === 'start-stop-daemon' && DPKG_START_STOP_DAEMON) {
    // dpkg's start-stop-daemon refuses the --stdout/--stderr OpenRC passes for the logs.
    delete spec.stdoutLog;
    delete spec.stderrLog;
  }
  if (spec.stdoutLog !== undefined) spec.stdoutLog = join(box.logs, 'out.log');
  if (spec.stderrLog !== undefined) spec.stderrLog = join(box.logs, 'err.log');
  if (spec.configCheck !== undefined) spec.configCheck = ['/usr/bin/test', '-e', box.configOk];
  let args = [...((spec.args as string[] | undefined) ?? [])];
  const daemonizes = spec.daemonizes === true;
  if (daemonizes) {
    const pidfile = join(box.run, `${entry}.pid`);
    args = args.map((a) => (a === spec.pidfile ? pidfile : a));
    args.push(`probe:daemonize=${pidfile}`);
    spec.pidfile = pidfile;
  } else {
    spec.restart = supervision === 'supervise-daemon' ? (spec.restart === 'no' ? 'always' : spec.restart ?? 'on-failure') : 'no';
  }
  spec.args = args;

  const environment = (spec.environment as Record<string, string> | undefined) ?? {};
  // A container may cap the hard limits below the fixture's values (and
  // root may lack CAP_SYS_RESOURCE to raise them): stay within this machine's.
  const limits = { ...((spec.limits as Record<string, number | string> | undefined) ?? {}) };
  if (typeof limits.nofile === 'number') limits.nofile = Math.min(limits.nofile, hardLimit('Max open files'));
  if (limits.core === 'unlimited' && hardLimit('Max core file size') !== Infinity) limits.core = 0;
  if (ONE_ULIMIT_PAIR) {
    // Old openrc-run.sh under dash: one limit per ulimit call, so only the open files limit.
    delete limits.nproc;
    delete limits.core;
  }
  if (spec.limits !== undefined) spec.limits = limits;
  const nofile = typeof limits.nofile === 'number' ? ([limits.nofile, limits.nofile] as [number, number]) : undefined;
  const umask = typeof spec.umask === 'string' ? spec.umask.padStart(4, '0') : undefined;
  const reload = typeof spec.reloadSignal === 'string' ? spec.reloadSignal.replace(/^SIG/, '') : undefined;
  return {
    spec,
    entry,
    expected: {
      argv: [box.probe, ...args.map((a) => fill(a, { ...(config === undefined ? {} : { config }), ...(spec.family ? { instance: String(spec.name) } : {}) }))],
      uid: root ? 0 : 65534,
      gid: spec.group !== undefined ? 100 : root ? 0 : 65534,
      cwd: spec.workingDirectory !== undefined ? box.work : '/',
      env: { ...environment, ...(spec.environmentFile !== undefined ? { FROM_ENV_FILE: 'read from a file' } : {}) },
      umask,
      nofile,
      nice: typeof spec.nice === 'number' ? spec.nice : 0,
      pidfile: daemonizes ? String(spec.pidfile) : `/run/${entry}.pid`,
      pidfileHolds: !daemonizes && supervision === 'supervise-daemon' ? 'supervisor' : 'program',
      stdoutLog: spec.stdoutLog as string | undefined,
      stderrLog: spec.stderrLog as string | undefined,
      reloadSignal: reload === undefined ? undefined : SIGNAL_NUMBERS[reload],
    },
  };
}
