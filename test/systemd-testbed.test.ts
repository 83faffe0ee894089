import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { waitFor } from './support/probe.js';
import { bootSystemd } from './support/systemd-testbed.js';
import { describeWithTools } from './support/tools.js';

// The real-program matrix starts generated units under a real systemd; these
// tests hold its test bed to shared/docs/systemd-testbed.md: it boots without
// touching the host (the first careless boot emptied the host's /tmp and
// started every installed daemon), units really run, and closing it leaves
// neither a process nor a cgroup behind.

const describeBed = describeWithTools(['unshare', 'nsenter', 'gcc', 'systemctl'], { ok: process.getuid?.() === 0, why: 'root (namespaces, overlays, cgroups)' });

/** Executables of the daemons installed on our machines with enabled units. */
const HOST_DAEMONS = [/^\/usr\/sbin\/nginx$/, /^\/usr\/bin\/redis-server$/, /^\/usr\/bin\/memcached$/, /postgres/];

/** Inode of a path without following links, or undefined when there is nothing there. */
function inode(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Host pids of live processes in a PID namespace. */
function processesIn(pidNamespace: string): number[] {
  return readdirSync('/proc').filter((entry) => {
    try {
      return /^\d+$/.test(entry) && readlinkSync(`/proc/${entry}/ns/pid`) === pidNamespace && !/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'));
    } catch {
      return false;
    }
  }).map(Number);
}

const SLEEPER = `[Unit]
Description=test bed check

[Service]
Type=simple
ExecStart=/bin/sleep 300
User=nobody
StateDirectory=bedtest
ProtectSystem=strict
`;

describeBed('the systemd test bed', () => {
  test('boots to testbed.target without touching the host or starting its daemons', async () => {
    const marker = join(tmpdir(), `init-service-bed-marker-${process.pid}`);
    writeFileSync(marker, 'still here\n');
    const host = { name: hostname(), devLog: inode('/dev/log') };
    try {
      const bed = await bootSystemd();
      try {
        expect(['running', 'degraded']).toContain((await bed.systemctl('is-system-running')).stdout.trim());
        expect(await bed.show('systemd-journald.service', 'ActiveState')).toBe('active');
        expect(await bed.show('dbus.socket', 'ActiveState')).toBe('active');
        expect(existsSync(marker)).toBe(true);
        expect(bed.root.processes().filter((p) => HOST_DAEMONS.some((daemon) => daemon.test(p.exe)))).toEqual([]);
        expect(await bed.show('nginx.service', 'LoadState')).toBe('masked');
        expect(hostname()).toBe(host.name);
        expect(inode('/dev/log')).toBe(host.devLog);
      } finally {
        await bed.close();
      }
      expect(readFileSync(marker, 'utf8')).toBe('still here\n');
    } finally {
      rmSync(marker, { force: true });
    }
  });

  test('runs a unit for real: its user, its state directory, restart and stop', async () => {
    expect(existsSync('/var/lib/bedtest')).toBe(false);
    const bed = await bootSystemd();
    try {
      await bed.installUnits({ 'bedtest.service': SLEEPER });
      const start = await bed.systemctl('start', 'bedtest.service');
      expect(start.output).toBe('');
      expect(start.status).toBe(0);

      const first = bed.hostPid(await bed.mainPid('bedtest.service'));
      expect(readFileSync(`/proc/${first}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
      expect(await bed.unitProcesses('bedtest.service')).toEqual([first]);
      expect((await bed.root.sh('stat -c %U:%u /var/lib/bedtest')).stdout).toBe('nobody:65534\n');
      expect(existsSync('/var/lib/bedtest')).toBe(false);

      expect((await bed.systemctl('restart', 'bedtest.service')).status).toBe(0);
      const second = bed.hostPid(await bed.mainPid('bedtest.service'));
      expect(second).not.toBe(first);
      expect(existsSync(`/proc/${first}`)).toBe(false);

      expect((await bed.systemctl('stop', 'bedtest.service')).status).toBe(0);
      expect(await bed.mainPid('bedtest.service')).toBe(0);
      expect(await bed.unitProcesses('bedtest.service')).toEqual([]);
      expect(existsSync(`/proc/${second}`)).toBe(false);
      expect(await bed.journal('bedtest.service')).toMatch(/Stopped bedtest\.service/);
    } finally {
      await bed.close();
    }
  });

  test('closing it leaves no process of the namespace and no cgroup', async () => {
    const bed = await bootSystemd();
    const pidNamespace = readlinkSync(`/proc/${bed.root.pid}/ns/pid`);
    let unitPids: number[] = [];
    try {
      await bed.installUnits({ 'bedtest.service': SLEEPER });
      expect((await bed.systemctl('start', 'bedtest.service')).status).toBe(0);
      unitPids = await bed.unitProcesses('bedtest.service');
      expect(unitPids).toHaveLength(1);
      expect(processesIn(pidNamespace).length).toBeGreaterThan(3);
      expect(existsSync(join(bed.cgroup, 'system.slice/bedtest.service'))).toBe(true);
    } finally {
      await bed.close();
    }
    await waitFor('the namespace to be empty', () => processesIn(pidNamespace).length === 0);
    for (const pid of unitPids) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(bed.cgroup)).toBe(false);
  });
});
