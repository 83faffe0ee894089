import '../support/task-meta.js';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, test } from 'vitest';
import { cli } from '../support/cli.js';
import { hardLimit } from '../support/openrc.js';
import { describeWithTools } from '../support/tools.js';
import { waitFor } from '../support/probe.js';
import { listening } from './ask.js';
import { diagnosis, openBed, type Action, type Bed, type RealTarget } from './beds.js';
import { fixture, REAL_EXAMPLES, type RealExample } from './examples.js';
import { EXPECTED_FAILURES, cellName } from './expected.js';
import { FREEBSD_INSTALLED_LAYOUT } from '../../src/targets/freebsd-layout.js';

// The real-program matrix: every runnable example of examples/ under every
// target, with Debian's real programs, each cell in a private root of its
// own (test/support/private-root.ts; its network too, so cells never clash
// over a port, with each other or with the host): installed with `init-service install`,
// started, asked something, reloaded, restarted and stopped by the real init
// system, and checked to leave nothing behind. A cell listed in expected.ts
// is a known failure, named with the issue that fixes it: it must fail as
// recorded (so it flips to a failure of this suite the day it is fixed
// without the list being updated); any other cell must pass.

const TARGETS: RealTarget[] = ['openrc', 'rcd', 'systemd'];
const PROGRAMS = ['nginx', 'redis-server', 'memcached', 'sbcl', 'node', 'openrc-run', 'dash', 'gcc', 'unshare', 'nsenter', 'ip', 'systemctl', 'dbus-daemon'];
const isRoot = process.getuid?.() === 0;
const describeReal = describeWithTools(PROGRAMS, { ok: isRoot, why: 'root (namespaces, overlays, accounts)' });

describeReal('real programs under the real init systems', () => {
  for (const example of REAL_EXAMPLES) {
    for (const target of TARGETS) {
      for (const member of example.members) {
        const cell = cellName(example, member.name, target);
        const expected = EXPECTED_FAILURES[cell];
        test(cell, async ({ task }) => {
          task.meta.realCell = cell;
          if (!expected) return runCell(example, member, target);
          task.meta.expectedFailure = expected.reason;
          await expect(runCell(example, member, target)).rejects.toThrow(expected.fails);
        }, 240_000);
      }
    }
  }
});

async function runCell(example: RealExample, member: { name: string; port: number }, target: RealTarget): Promise<void> {
  const bed = await openBed(target);
  const family = example.members.length > 1 ? example.name : undefined;
  const service = bed.service({ name: member.name, family });
  const program = realpathSync(example.program);
  const check = async (what: string, ok: boolean | Promise<boolean>, detail = '') => {
    if (!(await ok)) throw new Error(`${what}${detail ? `: ${detail}` : ''}\n${await diagnosis(bed, service)}`);
  };
  const act = async (action: Action) => {
    const r = await bed.act(service, action);
    await check(`${service} ${action} exited ${r.status}`, r.status === 0, r.output);
  };
  const answers = (probe = example.probe) =>
    waitFor(`${service} to answer on port ${member.port}`, async () => (await probe(bed.root, member.port, member.name)) === undefined, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}; last answer: ${await probe(bed.root, member.port, member.name)}\n${await diagnosis(bed, service)}`);
    });
  const programPids = () => bed.root.processes().filter((p) => p.exe === program);
  // A Debian unit's own configuration names Linux paths, and it is used as it is on every target.
  const at = (path: string) => (example.unit ? path : mapped(target, path));
  const gone = () =>
    waitFor(`${service} and all its processes to be gone`, async () => programPids().length === 0 && (await bed.processesOf(service)).length === 0, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(bed.root.processes())}\n${await diagnosis(bed, service)}`);
    });

  try {
    await prepare(bed, example, target);
    await bed.install(installSource(example));
    // rc.d: what an admin sets in rc.conf reaches the program (issue 18).
    const admin = target === 'rcd' ? example.rcConf : undefined;
    for (const line of admin?.lines ?? []) bed.setting!(line);

    await act('start');
    await answers();
    const uids = new Set(programPids().map((p) => p.uid));
    const wanted = new Set(await Promise.all(example.runsAs.map((u) => uid(bed, u))));
    await check(`runs as ${example.runsAs.join(' and ')}`, uids.size === wanted.size && [...uids].every((u) => wanted.has(u)), `uids seen: ${[...uids].join(' ')}`);
    for (const file of example.writes(member.name).map(at)) await check(`the program wrote ${file}`, existsSync(bed.root.path(file)));
    for (const { path, owner } of declaredDirectories(example, member.name, target)) {
      const stat = statSync(bed.root.path(path), { throwIfNoEntry: false });
      await check(`the declared directory ${path} exists, owned by ${owner}`, stat?.isDirectory() === true && stat.uid === (await uid(bed, owner)), `uid ${stat?.uid}`);
    }
    await act('status');
    if (admin) {
      await answers(admin.probe);
      if (admin.nice !== undefined) await check(`${service} runs at nice ${admin.nice}`, programPids().length > 0 && programPids().every((p) => niceOf(p.pid) === admin.nice), programPids().map((p) => niceOf(p.pid)).join(' '));
    }
    if (target === 'rcd' && !example.unit && description(example, member.name).configCheck) await act('configtest');

    if (example.reload) {
      example.reload.edit(bed.root, (path) => mapped(target, path));
      await act('reload');
      await answers(example.reload.probe);
    }

    const before = new Set(programPids().map((p) => p.pid));
    await act('restart');
    await answers(example.reload?.probe);
    const after = programPids().map((p) => p.pid);
    await check('restart started the program anew', after.length > 0 && after.every((pid) => !before.has(pid)), `pids before ${[...before].join(' ')}, after ${after.join(' ')}`);

    await act('stop');
    await gone();
    await check(`nothing listens on port ${member.port} once stopped`, !(await listening(bed.root, member.port)));

    // The origin launcher's commands, where the description asks for them
    // (systemd has its own: systemctl kill, reset-failed, journalctl -f).
    const commands = target === 'systemd' ? [] : launcherCommands(example, member.name);
    if (commands.includes('kill')) {
      await act('start');
      await answers();
      await act('kill');
      await gone();
    }
    if (commands.includes('zap')) {
      await act('zap');
      const status = await bed.act(service, 'status');
      await check(`${service} status says stopped after zap`, status.status !== 0, status.output);
    }
    if (commands.includes('foreground')) {
      // In the terminal, as the service would run: it answers, and ends with its program.
      const foreground = bed.act(service, 'foreground');
      await answers();
      await check('foreground runs as the service does', programPids().length > 0 && programPids().every((p) => wanted.has(p.uid)));
      for (const p of programPids()) process.kill(p.pid, 'SIGTERM');
      await foreground;
      await gone();
    }
  } finally {
    await bed.close();
  }
}

/** `--example NAME`, or for a round trip the Debian unit imported into a description (init-service import). */
function installSource(example: RealExample): string[] {
  if (!example.unit) return ['--example', example.name];
  const dir = mkdtempSync(join(tmpdir(), 'init-service-imported-'));
  const spec = join(dir, 'imported.json');
  const r = cli(['import', example.unit, '--out', spec], REPO);
  if (r.status !== 0) throw new Error(`init-service import ${example.unit} failed (${r.status}):\n${r.stderr}`);
  const description = JSON.parse(readFileSync(spec, 'utf8')) as Record<string, unknown>;
  example.handEdit?.(description);
  // This machine's hard limit on open files (20000 in our containers) is
  // below Debian's LimitNOFILE=65535, and root here cannot raise it.
  const limits = description.limits as { nofile?: number } | undefined;
  if (typeof limits?.nofile === 'number') limits.nofile = Math.min(limits.nofile, hardLimit('Max open files'));
  writeFileSync(spec, JSON.stringify(description));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return ['--spec', spec];
}

/** The example's description, as examples/ has it. */
function description(example: RealExample, member: string): ExampleSpec {
  const file = example.members.length > 1 ? `${example.name}/${member}.json` : `${example.name}.json`;
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../examples/${file}`, import.meta.url)), 'utf8')) as ExampleSpec;
}

/** The nice value of a process (field 19 of /proc/PID/stat). */
function niceOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
}

interface ExampleSpec {
  configCheck?: string[];
  user?: string;
  daemonizes?: boolean;
  pidfile?: string;
  switchesUser?: { user: string };
  commands?: string[];
  directories?: Record<string, string[]>;
}

/** Where each init system creates the declared directories, and whose they are: the account the program writes as. */
function declaredDirectories(example: RealExample, member: string, target: RealTarget): Array<{ path: string; owner: string }> {
  if (example.unit) return [];
  const spec = description(example, member);
  const bases: Record<string, string> = target === 'rcd' ? { state: '/var/db', cache: '/var/cache', logs: '/var/log', runtime: '/var/run' } : { state: '/var/lib', cache: '/var/cache', logs: '/var/log', runtime: '/run' };
  const owner = spec.switchesUser?.user ?? spec.user ?? 'root';
  const path = (kind: string, name: string) => `${bases[kind]}/${name.replace(/\{instance\}/g, member)}`;
  // The directory of the own pidfile of a program started as root stays root's (it could point root at any process).
  const pidfile = spec.pidfile?.replace(/^\{(\w+)\}/, (_, kind: string) => path(kind, spec.directories?.[kind]?.[0] ?? ''));
  const pidDir = spec.switchesUser && spec.daemonizes ? pidfile?.slice(0, pidfile.lastIndexOf('/')) : undefined;
  return Object.entries(spec.directories ?? {}).flatMap(([kind, names]) => names.map((n) => ({ path: path(kind, n), owner: path(kind, n) === pidDir ? 'root' : owner })));
}

/** The launcher commands (kill, zap, foreground) the example's description asks for. */
function launcherCommands(example: RealExample, member: string): string[] {
  if (example.unit) return [];
  return (description(example, member).commands ?? []).map((c) => (c === 'nodaemon' ? 'foreground' : c));
}

/** What the package would have installed besides the init files: its configuration, its app, its accounts. */
async function prepare(bed: Bed, example: RealExample, target: RealTarget): Promise<void> {
  // A port's configuration is under %%PREFIX%%/etc (the description reaches it through
  // configFile); the files the examples' arguments name stay there: arguments are never mapped.
  for (const [inside, file] of Object.entries(example.fixtures)) bed.root.write(inside.startsWith('/etc/') ? mapped(target, inside) : inside, fixture(file));
  for (const account of example.accounts) {
    if ((await bed.root.run(['getent', 'passwd', account])).status === 0) continue;
    const r = await bed.root.run(['useradd', '--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', account]);
    if (r.status !== 0) throw new Error(`useradd ${account}: ${r.output}`);
  }
}

async function uid(bed: Bed, account: string): Promise<number> {
  const r = await bed.root.run(['id', '-u', account]);
  if (r.status !== 0) throw new Error(`no account ${account}: ${r.output}`);
  return Number(r.stdout.trim());
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A path of the description where the target's platform has it: FreeBSD's layout with PREFIX /usr/local for rc.d. */
function mapped(target: RealTarget, path: string): string {
  return target === 'rcd' ? FREEBSD_INSTALLED_LAYOUT.path(path) : path;
}
