import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fixtureSpec } from './fixtures.js';
import { DPKG_START_STOP_DAEMON, OpenrcSandbox, describeWithOpenrc, adaptFixture, waitFor, type Expected, type ProbeRecord, type Supervision } from './openrc.js';
import { sleep } from './probe.js';

/**
 * The script reloads with OpenRC's own "start-stop-daemon --signal SIG
 * --pidfile F"; dpkg's start-stop-daemon, first on openrc-run's PATH on
 * Debian, signals only with --stop and refuses the line. Here that refusal
 * is what is seen; the real-program matrix (nginx × openrc) runs the same
 * reload through a wrapper in its private root and checks the signal works.
 */
function expectDpkgRefusesSignal(status: number | null, output: string): void {
  expect(output).toMatch(/start-stop-daemon: need one of --start or --stop/);
  expect(status).not.toBe(0);
}

/** Everything the probe reports that the service description decides. */
function expectSeen(seen: ProbeRecord, expected: Expected): void {
  expect(seen.argv).toEqual(expected.argv);
  expect(seen.uid).toBe(expected.uid);
  expect(seen.gid).toBe(expected.gid);
  expect(seen.cwd).toBe(expected.cwd);
  for (const [name, value] of Object.entries(expected.env)) expect(seen.env.get(name), name).toBe(value);
  if (expected.umask !== undefined) expect(seen.umask).toBe(expected.umask);
  if (expected.nofile !== undefined) expect(seen.nofile).toEqual(expected.nofile);
  expect(seen.nice).toBe(expected.nice);
}

/**
 * The suites of several fixtures run side by side (each has its own probe
 * and service name; most of their time is spent waiting for OpenRC), but
 * the steps of one suite run in order.
 */
const step = test.sequential;

/**
 * The seed launcher's whole command set on one fixture under real OpenRC:
 * start, status, reload, restart, stop, kill, zap and foreground, plus what
 * happens when the program is killed behind OpenRC's back.
 */
export function lifecycleSuite(fixture: string, supervision: Supervision): void {
  describeWithOpenrc().concurrent(`real OpenRC: ${fixture} under ${supervision}`, () => {
    let box: OpenrcSandbox;
    let entry: string;
    let expected: Expected;
    let current: ProbeRecord;

    const running = () => box.running();
    const gone = () => waitFor('no probe left', () => box.liveProbes().length === 0 && box.supervisors(entry).length === 0);

    beforeAll(async () => {
      box = new OpenrcSandbox();
      const adapted = adaptFixture(fixtureSpec(fixture), box, supervision);
      entry = adapted.entry;
      expected = adapted.expected;
      await box.generate(adapted.spec);
    });
    afterAll(() => box?.cleanup([entry]));

    step('start runs the program as described: argv, uid/gid, directory, environment, umask, limits, nice', async () => {
      const { status, output } = await box.rc(entry, 'start');
      expect(output).not.toMatch(/ERROR|WARNING/);
      expect(status).toBe(0);
      current = await running();
      expectSeen(current, expected);
    });

    step('the pidfile is root-owned in a root-owned directory and names the process', async () => {
      const file = statSync(expected.pidfile);
      expect(file.uid).toBe(0);
      expect(statSync(dirname(expected.pidfile)).uid).toBe(0);
      const holder = expected.pidfileHolds === 'supervisor' ? box.supervisors(entry) : [current.pid];
      expect(holder).toHaveLength(1);
      expect(Number(box.read(expected.pidfile).trim())).toBe(holder[0]);
    });

    // Only for fixtures that log: for the others this step would check nothing.
    const logs = fixtureSpec(fixture);
    // Not under dpkg's start-stop-daemon, which has no --stdout/--stderr (adaptFixture drops the logs there).
    const dropped = supervision === 'start-stop-daemon' && DPKG_START_STOP_DAEMON;
    if ((logs.stdoutLog !== undefined || logs.stderrLog !== undefined) && !dropped) {
      step('its output goes to the logs, created owned by the user', async () => {
        expect([expected.stdoutLog, expected.stderrLog].filter(Boolean)).not.toEqual([]);
        for (const [log, line] of [
          [expected.stdoutLog, `probe ${current.pid} started`],
          [expected.stderrLog, `probe ${current.pid} stderr`],
        ] as const) {
          if (!log) continue;
          await waitFor(`${line} in ${log}`, () => box.read(log).includes(line));
          expect(statSync(log).uid).toBe(expected.uid);
        }
      });
    }

    step('status reports it started; foreground refuses while it runs', async () => {
      expect((await box.rc(entry, 'status')).status).toBe(0);
      const { status, output } = await box.rc(entry, 'foreground');
      expect(status).toBe(1);
      expect(output).toMatch(/has not been stopped/);
      expect(box.liveProbes()).toEqual([current.pid]);
    });

    step('reload checks the configuration, then signals the running process', async () => {
      const { status, output } = await box.rc(entry, 'reload');
      if (expected.reloadSignal === undefined) {
        expect(status).toBe(1);
        expect(output).toMatch(/unknown function .reload/);
        return;
      }
      if (supervision === 'start-stop-daemon' && DPKG_START_STOP_DAEMON) {
        expectDpkgRefusesSignal(status, output);
        return;
      }
      expect(output).not.toMatch(/ERROR/);
      expect(status).toBe(0);
      await waitFor('the reload signal', () => box.signals(current.pid).includes(expected.reloadSignal!));
      expect(box.liveProbes()).toEqual([current.pid]);
    });

    step('restart replaces the process with one that sees the same', async () => {
      const { status, output } = await box.rc(entry, 'restart');
      expect(output).not.toMatch(/ERROR/);
      expect(status).toBe(0);
      const next = await running();
      expect(next.pid).not.toBe(current.pid);
      expectSeen(next, expected);
      current = next;
    });

    step('stop leaves no process and no pidfile behind', async () => {
      expect((await box.rc(entry, 'stop')).status).toBe(0);
      await gone();
      // dpkg's start-stop-daemon leaves behind the pidfile it made (upstream's removes it).
      if (!(supervision === 'start-stop-daemon' && DPKG_START_STOP_DAEMON)) expect(existsSync(expected.pidfile)).toBe(false);
      expect((await box.rc(entry, 'status')).status).toBe(3);
    });

    if (supervision === 'supervise-daemon') {
      step('restart on: a program killed with SIGKILL is respawned', async () => {
        expect((await box.rc(entry, 'start')).status).toBe(0);
        current = await running();
        const supervisor = box.supervisors(entry);
        process.kill(current.pid, 'SIGKILL');
        const respawned = await waitFor('a respawned probe', () => box.liveProbes().find((p) => p !== current.pid));
        expect(box.supervisors(entry)).toEqual(supervisor);
        current = await running();
        expect(current.pid).toBe(respawned);
        expectSeen(current, expected);
        expect((await box.rc(entry, 'status')).status).toBe(0);
      });
    } else {
      step('no respawn: a program killed with SIGKILL stays dead', async () => {
        expect((await box.rc(entry, 'start')).status).toBe(0);
        current = await running();
        process.kill(current.pid, 'SIGKILL');
        await gone();
        await sleep(1_500);
        expect(box.liveProbes()).toEqual([]);
        expect((await box.rc(entry, 'zap')).status).toBe(0);
      });
    }

    step('kill sends SIGKILL to the program and its supervisor, and marks the service stopped', async () => {
      if ((await box.rc(entry, 'status')).status !== 0) expect((await box.rc(entry, 'start')).status).toBe(0);
      current = await running();
      const { status, output } = await box.rc(entry, 'kill');
      expect(output).not.toMatch(/ERROR/);
      expect(status).toBe(0);
      await gone();
      if (supervision === 'supervise-daemon') {
        // Longer than respawn_delay: a surviving supervisor would have respawned it.
        await sleep(1_500);
        expect(box.liveProbes()).toEqual([]);
      }
      expect((await box.rc(entry, 'status')).status).toBe(3);
    });

    step('zap forgets a service whose processes died behind its back, so that it starts again', async () => {
      expect((await box.rc(entry, 'start')).status).toBe(0);
      current = await running();
      const killed = [...box.supervisors(entry), current.pid];
      for (const pid of killed) process.kill(pid, 'SIGKILL');
      // Until its parent (init) reaps it, a zombie still "runs" for OpenRC.
      await waitFor('the killed processes reaped', () => killed.every((pid) => !existsSync(`/proc/${pid}`)), 15_000);
      expect((await box.rc(entry, 'zap')).status).toBe(0);
      expect((await box.rc(entry, 'status')).status).toBe(3);
      expect((await box.rc(entry, 'start')).status).toBe(0);
      const next = await running();
      expect(next.pid).not.toBe(current.pid);
      expect((await box.rc(entry, 'stop')).status).toBe(0);
      await gone();
    });

    step('foreground runs it in this terminal as the service would, only while stopped', async () => {
      const before = new Set(box.records().map((r) => r.pid));
      const run = box.rcAsync(entry, 'foreground');
      try {
        const fresh = () => box.records().find((r) => !before.has(r.pid));
        const seen = await waitFor('the foreground probe', () => fresh() ?? (run.child.exitCode !== null && 'exited'));
        expect(seen, run.output()).not.toBe('exited');
        const record = seen as ProbeRecord;
        expectSeen(record, expected);
        await waitFor('its output on the terminal', () => run.output().includes(`probe ${record.pid} started`));
        expect((await box.rc(entry, 'status')).status).toBe(3);
        process.kill(record.pid, 'SIGTERM');
        expect(await run.exited).toBe(0);
      } finally {
        run.child.kill('SIGKILL');
      }
      await gone();
    });
  });
}

/** The same for a program that forks and writes its own pidfile (no supervisor, no foreground). */
export function forkingSuite(fixture: string): void {
  describeWithOpenrc().concurrent(`real OpenRC: ${fixture}, a program that forks and writes its own pidfile`, () => {
    let box: OpenrcSandbox;
    let entry: string;
    let expected: Expected;
    let current: ProbeRecord;

    const running = () => box.running();
    const gone = () => waitFor('no probe left', () => box.liveProbes().length === 0);

    beforeAll(async () => {
      box = new OpenrcSandbox();
      const adapted = adaptFixture(fixtureSpec(fixture), box, 'start-stop-daemon');
      entry = adapted.entry;
      expected = adapted.expected;
      await box.generate(adapted.spec);
    });
    afterAll(() => box?.cleanup([entry]));

    step('start waits for the fork; stop, status and reload find it through its pidfile', async () => {
      const started = await box.rc(entry, 'start');
      expect(started.output).not.toMatch(/ERROR|WARNING/);
      expect(started.status).toBe(0);
      current = await running();
      expectSeen(current, expected);
      expect(Number(box.read(expected.pidfile).trim())).toBe(current.pid);
      expect((await box.rc(entry, 'status')).status).toBe(0);
      const reload = await box.rc(entry, 'reload');
      if (DPKG_START_STOP_DAEMON) {
        expectDpkgRefusesSignal(reload.status, reload.output);
      } else {
        expect(reload.status).toBe(0);
        await waitFor('the reload signal', () => box.signals(current.pid).includes(expected.reloadSignal!));
      }
      expect((await box.rc(entry, 'restart')).status).toBe(0);
      const next = await running();
      expect(next.pid).not.toBe(current.pid);
      current = next;
      expect((await box.rc(entry, 'stop')).status).toBe(0);
      await gone();
      expect(box.signals(current.pid)).toEqual([3]);
      expect((await box.rc(entry, 'status')).status).toBe(3);
    });

    step('kill and zap', async () => {
      expect((await box.rc(entry, 'start')).status).toBe(0);
      current = await running();
      expect((await box.rc(entry, 'kill')).status).toBe(0);
      await gone();
      expect((await box.rc(entry, 'status')).status).toBe(3);
      expect((await box.rc(entry, 'start')).status).toBe(0);
      current = await running();
      process.kill(current.pid, 'SIGKILL');
      await gone();
      expect((await box.rc(entry, 'zap')).status).toBe(0);
      expect((await box.rc(entry, 'status')).status).toBe(3);
    });

    step('foreground refuses: the program would fork away from the terminal', async () => {
      const { status, output } = await box.rc(entry, 'foreground');
      expect(status).toBe(1);
      expect(output).toMatch(/daemonizes itself/);
      await sleep(300);
      expect(box.liveProbes()).toEqual([]);
    });
  });
}
