import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { unitFiles } from './support/systemd.js';
import { bootSystemd } from './support/systemd-testbed.js';
import { describeWithTools } from './support/tools.js';

// switchesUser under systemd as PID 1: the unit starts the program as root
// inside its sandbox; it writes into its directories as root, then switches
// to its account itself (setpriv: setgroups, setresgid, setresuid), which the
// bounding set and the system-call filter must both allow; the directories
// end up owned by that account, not by root as StateDirectory= would leave them.

const describeBed = describeWithTools(['unshare', 'nsenter', 'gcc', 'systemctl', 'setpriv'], { ok: process.getuid?.() === 0, why: 'root (namespaces, overlays, cgroups)' });

const SWITCHER = {
  name: 'switcher',
  command: '/bin/sh',
  args: ['-c', 'touch {state}/by-root {logs}/by-root && exec setpriv --reuid=daemon --regid=daemon --init-groups sh -c "touch {state}/by-daemon && exec sleep 300"'],
  switchesUser: { user: 'daemon' },
  directories: { state: ['switcher'], logs: ['switcher'] },
};

describeBed('switchesUser under the real systemd', () => {
  test('directories owned by the account, written as root first, then the switch to it', async () => {
    const { files, unit } = unitFiles(generate(SWITCHER, { targets: ['systemd'] }).files);
    const bed = await bootSystemd();
    try {
      await bed.installUnits(files);
      const start = await bed.systemctl('start', unit);
      expect(start.status, `${start.output}\n${await bed.journal(unit)}`).toBe(0);
      let pid = 0;
      for (let i = 0; i < 50 && !pid; i++) {
        const [main] = await bed.unitProcesses(unit);
        if (main && /^Uid:\s+1\s/m.test(readFileSync(`/proc/${main}/status`, 'utf8'))) pid = main;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(pid, await bed.journal(unit)).toBeGreaterThan(0);
      const stat = await bed.root.sh('stat -c "%n %U:%G %a" /var/lib/switcher /var/log/switcher /var/lib/switcher/by-daemon');
      expect(stat.stdout).toBe(['/var/lib/switcher daemon:daemon 750', '/var/log/switcher daemon:daemon 750', '/var/lib/switcher/by-daemon daemon:daemon 644', ''].join('\n'));
      expect((await bed.systemctl('restart', unit)).status).toBe(0);
      expect((await bed.root.sh('stat -c %U /var/lib/switcher')).stdout).toBe('daemon\n');
      expect((await bed.systemctl('stop', unit)).status).toBe(0);
    } finally {
      await bed.close();
    }
  }, 60_000);

  test('the check can fail: as StateDirectory= with User= root, the directory is root\'s', async () => {
    const { switchesUser: _, ...asRoot } = SWITCHER;
    const { files, unit } = unitFiles(generate({ ...asRoot, user: 'root', args: ['-c', 'exec sleep 300'] }, { targets: ['systemd'] }).files);
    const bed = await bootSystemd();
    try {
      await bed.installUnits(files);
      expect((await bed.systemctl('start', unit)).status).toBe(0);
      expect((await bed.root.sh('stat -c %U /var/lib/switcher')).stdout).toBe('root\n');
      expect((await bed.systemctl('stop', unit)).status).toBe(0);
    } finally {
      await bed.close();
    }
  }, 60_000);
});
