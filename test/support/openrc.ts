import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../src/index.js';
import { plan, writePlanned } from '../../src/write.js';

const PROBE_SOURCE = fileURLToPath(new URL('./probe.c', import.meta.url));

export const isRoot = process.getuid?.() === 0;

/** What the probe daemon saw, decoded from its record file. */
export interface ProbeRecord {
  pid: number;
  uid: number;
  gid: number;
  umask: string;
  nofile: [number, number];
  nice: number;
  cwd: string;
  argv: string[];
  env: Map<string, string>;
}

export function parseRecord(text: string): ProbeRecord {
  const record: ProbeRecord = { pid: 0, uid: -1, gid: -1, umask: '', nofile: [0, 0], nice: 0, cwd: '', argv: [], env: new Map() };
  for (const line of text.split('\n')) {
    const [key, value = ''] = line.split(' ', 2);
    const rest = line.slice((key ?? '').length + 1);
    const hex = () => Buffer.from(value, 'hex').toString('utf8');
    if (key === 'pid') record.pid = Number(value);
    else if (key === 'uid') record.uid = Number(value);
    else if (key === 'gid') record.gid = Number(value);
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

/** A sandbox for one OpenRC service: probe binary, output tree, cleanup. */
export class OpenrcSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'init-service-openrc-'));
  readonly bin = join(this.dir, 'bin');
  readonly probe = join(this.bin, 'probe');
  readonly work = join(this.dir, 'work');
  readonly out = join(this.dir, 'out');

  constructor() {
    chmodSync(this.dir, 0o755);
    mkdirSync(this.bin, { mode: 0o777 });
    mkdirSync(this.work, { mode: 0o777 });
    chmodSync(this.bin, 0o777);
    chmodSync(this.work, 0o777);
    execFileSync('gcc', ['-O2', '-o', this.probe, PROBE_SOURCE]);
    mkdirSync('/run/openrc', { recursive: true });
    if (!existsSync('/run/openrc/softlevel')) writeFileSync('/run/openrc/softlevel', '');
  }

  /** Generates the spec's OpenRC files into `out`, as the CLI writes them. */
  async generate(spec: Record<string, unknown>): Promise<void> {
    const { files } = generate(spec, { targets: ['openrc'] });
    await writePlanned(await plan(files, this.out));
  }

  /** Runs `init.d/<service> <command>` from `/`, as an admin would from any directory. */
  rc(service: string, command: string, timeoutMs = 20_000) {
    const result = spawnSync(join(this.out, 'openrc/init.d', service), [command], { cwd: '/', encoding: 'utf8', timeout: timeoutMs });
    return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  }

  records(): ProbeRecord[] {
    return readdirSync(this.bin)
      .filter((f) => /^probe\.\d+$/.test(f))
      .map((f) => parseRecord(readFileSync(join(this.bin, f), 'utf8')))
      .sort((a, b) => a.pid - b.pid);
  }

  /** Waits until `count` records exist; returns the newest. */
  async waitForRecord(count = 1, timeoutMs = 5_000): Promise<ProbeRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = this.records();
      if (records.length >= count) return records[records.length - 1]!;
      if (Date.now() > deadline) throw new Error(`no probe record after ${timeoutMs} ms (have ${records.length})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Live (not zombie) processes running this sandbox's probe. */
  liveProbes(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/exe`) !== this.probe) continue;
        const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
        if (state !== 'Z') pids.push(Number(entry));
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    return pids;
  }

  /** Stops everything this sandbox started and removes it. */
  cleanup(services: string[]): void {
    for (const service of services) {
      this.rc(service, 'stop', 10_000);
      this.rc(service, 'zap', 10_000);
    }
    for (const pid of this.liveProbes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A service name unique to this test run, so parallel runs never share OpenRC state. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
