import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROBE_SOURCE = fileURLToPath(new URL('./probe.c', import.meta.url));

/** What the probe daemon (probe.c) saw, decoded from its record file. */
export interface ProbeRecord {
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
  umask: string;
  nofile: [number, number];
  nice: number;
  cwd: string;
  argv: string[];
  env: Map<string, string>;
}

export function parseRecord(text: string): ProbeRecord {
  const record: ProbeRecord = { pid: 0, ppid: 0, uid: -1, gid: -1, groups: [], umask: '', nofile: [0, 0], nice: 0, cwd: '', argv: [], env: new Map() };
  for (const line of text.split('\n')) {
    const [key, value = ''] = line.split(' ', 2);
    const rest = line.slice((key ?? '').length + 1);
    const hex = () => Buffer.from(value, 'hex').toString('utf8');
    if (key === 'pid') record.pid = Number(value);
    else if (key === 'ppid') record.ppid = Number(value);
    else if (key === 'uid') record.uid = Number(value);
    else if (key === 'gid') record.gid = Number(value);
    else if (key === 'groups') record.groups = rest.trim() ? rest.trim().split(' ').map(Number) : [];
    else if (key === 'umask') record.umask = value;
    else if (key === 'nice') record.nice = Number(value);
    else if (key === 'nofile') record.nofile = rest.split(' ').map(Number) as [number, number];
    else if (key === 'cwd') record.cwd = hex();
    else if (key === 'arg') record.argv.push(hex());
    else if (key === 'env') {
      const entry = hex();
      const eq = entry.indexOf('=');
      record.env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  }
  return record;
}

/** Live (not zombie) processes whose executable and argv `match` accepts. */
export function liveProcesses(match: (exe: string, argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!match(readlinkSync(`/proc/${entry}/exe`), argv)) continue;
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A temporary directory with the compiled probe in bin/ (world-writable, so a
 * probe running as any user can leave its records beside itself) and a
 * world-writable work/ directory: what the OpenRC and rc.subr sandboxes share.
 */
export class ProbeDir {
  readonly dir: string;
  readonly bin: string;
  readonly probe: string;
  readonly work: string;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.bin = join(this.dir, 'bin');
    this.probe = join(this.bin, 'probe');
    this.work = join(this.dir, 'work');
    chmodSync(this.dir, 0o755);
    for (const d of [this.bin, this.work]) {
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o777);
    }
    execFileSync('gcc', ['-O2', '-o', this.probe, PROBE_SOURCE]);
  }

  /** Every record so far, oldest first by write time: pids wrap (pid_max is 32768 here), so pid order is not age. */
  records(): ProbeRecord[] {
    return readdirSync(this.bin)
      .filter((f) => /^probe\.\d+$/.test(f))
      .map((f) => ({ at: statSync(join(this.bin, f)).mtimeMs, record: parseRecord(readFileSync(join(this.bin, f), 'utf8')) }))
      .sort((a, b) => a.at - b.at)
      .map((r) => r.record);
  }

  /** Signal numbers the probe `pid` has logged. */
  signals(pid: number): number[] {
    const file = join(this.bin, `probe.${pid}.signals`);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  }

  /** Waits until `count` records exist; returns the newest. */
  async waitForRecord(count = 1, timeoutMs = 5_000): Promise<ProbeRecord> {
    const records = await waitFor(`${count} probe records`, () => {
      const all = this.records();
      return all.length >= count && all;
    }, timeoutMs);
    return records[records.length - 1]!;
  }

  /** Live (not zombie) processes running this directory's probe. */
  liveProbes(): number[] {
    return liveProcesses((exe) => exe === this.probe);
  }
}
