import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DPKG_START_STOP_DAEMON, OpenrcSandbox, describeWithOpenrc, uniqueName, waitFor, type ProbeRecord, type Supervision } from './support/openrc.js';

const HUP = 1;

// Installed in /etc/init.d, where openrc-run marks a service whose stop
// failed started again; one variant after the other, since a restart of any
// service restarts the services it saw started (openrc-run.c, start_services).
const step = test;

for (const supervision of ['supervise-daemon', 'start-stop-daemon'] as Supervision[]) {
  describeWithOpenrc()(
    `real OpenRC: a broken configuration never takes the service down (${supervision})`,
    () => {
      let box: OpenrcSandbox;
      let current: ProbeRecord;
      const name = uniqueName('isvcc');
      const breakConfig = () => rmSync(box.configOk);
      const fixConfig = () => writeFileSync(box.configOk, '');

      beforeAll(async () => {
        box = new OpenrcSandbox();
        await box.generate({
          name,
          command: box.probe,
          user: 'nobody',
          restart: supervision === 'supervise-daemon' ? 'always' : 'no',
          reloadSignal: 'HUP',
          configCheck: ['/usr/bin/test', '-e', box.configOk],
        });
        box.install();
      });
      afterAll(() => box?.cleanup([name]));

      step('checkconfig runs config_check', async () => {
        expect((await box.rc(name, 'checkconfig')).status).toBe(0);
        breakConfig();
        const { status, output } = await box.rc(name, 'checkconfig');
        expect(status).toBe(1);
        expect(output).toMatch(/configuration check failed/);
      });

      step('start refuses a broken configuration and starts nothing', async () => {
        expect((await box.rc(name, 'start')).status).toBe(1);
        await new Promise((r) => setTimeout(r, 300));
        expect(box.liveProbes()).toEqual([]);
        await box.rc(name, 'zap');
        fixConfig();
        expect((await box.rc(name, 'start')).status).toBe(0);
        current = await box.running();
      });

      step('restart with a broken configuration fails before stopping: the old process keeps running', async () => {
        breakConfig();
        const { status, output } = await box.rc(name, 'restart');
        expect(status).toBe(1);
        expect(output).toMatch(/configuration check failed/);
        await new Promise((r) => setTimeout(r, 500));
        expect(box.liveProbes()).toEqual([current.pid]);
        expect(box.signals(current.pid)).toEqual([]);
        expect((await box.rc(name, 'status')).status).toBe(0);
      });

      step('reload with a broken configuration sends nothing', async () => {
        expect((await box.rc(name, 'reload')).status).toBe(1);
        await new Promise((r) => setTimeout(r, 300));
        expect(box.signals(current.pid)).toEqual([]);
      });

      step('once fixed, reload signals and restart replaces the process', async () => {
        fixConfig();
        // The script reloads with OpenRC's "start-stop-daemon --signal HUP";
        // dpkg's start-stop-daemon (Debian's, first on openrc-run's PATH here)
        // signals only with --stop. The real-program matrix (nginx × openrc)
        // runs that reload through a wrapper in its private root.
        if (!(supervision === 'start-stop-daemon' && DPKG_START_STOP_DAEMON)) {
          expect((await box.rc(name, 'reload')).status).toBe(0);
          await waitFor('SIGHUP', () => box.signals(current.pid).includes(HUP));
        }
        expect((await box.rc(name, 'restart')).status).toBe(0);
        const next = await box.running();
        expect(next.pid).not.toBe(current.pid);
        expect((await box.rc(name, 'stop')).status).toBe(0);
        box.uninstall();
        await waitFor('no probe left', () => box.liveProbes().length === 0);
      });
    },
  );
}
