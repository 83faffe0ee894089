import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DPKG_START_STOP_DAEMON, OpenrcSandbox, describeWithOpenrc, liveProcesses, uniqueName, waitFor, type Supervision } from './support/openrc.js';

const HOSTILE_ARGS = ['a b', "it's", '$HOME', '`id`', '50%', '-x', '', 'tab\there', 'line\nbreak', 'back\\', '*', '  two  spaces  '];

// Both supervisors, with logs where the supervisor takes them: dpkg's
// start-stop-daemon (Debian's; upstream OpenRC's has --stdout/--stderr) runs
// without. Both variants run side by side; the steps of each one run in order.
const step = test.sequential;

for (const supervision of ['supervise-daemon', 'start-stop-daemon'] as Supervision[]) {
  describeWithOpenrc().concurrent(
    `real OpenRC (Debian openrc): hostile arguments and environment through a family symlink, ${supervision}`,
    () => {
      let box: OpenrcSandbox;
      const family = uniqueName('isvf');
      const entry = `${family}.web`;
      const logs = !(supervision === 'start-stop-daemon' && DPKG_START_STOP_DAEMON);

      beforeAll(async () => {
        box = new OpenrcSandbox();
        await box.generate({
          name: 'web',
          family,
          command: box.probe,
          args: HOSTILE_ARGS,
          user: 'nobody',
          workingDirectory: box.work,
          environment: { GREETING: 'hello world', QUOTES: `'"$x`, LINES: 'one\ntwo', SPACES: '  a\tb  ' },
          umask: '0027',
          limits: { nofile: 4096 },
          restart: supervision === 'supervise-daemon' ? 'always' : 'no',
          ...(logs ? { stdoutLog: `${box.logs}/out.log`, stderrLog: `${box.logs}/out.log` } : {}),
        });
      });
      afterAll(() => box?.cleanup([entry]));

      step('start runs the program with the exact argv, user, directory, environment, umask and limits', async () => {
        const { status, output } = await box.rc(entry, 'start');
        expect(output).not.toMatch(/ERROR/);
        expect(status).toBe(0);
        const seen = await box.running();
        expect(seen.argv).toEqual([box.probe, ...HOSTILE_ARGS]);
        expect(seen.uid).toBe(65534);
        expect(seen.cwd).toBe(box.work);
        expect(seen.env.get('GREETING')).toBe('hello world');
        expect(seen.env.get('QUOTES')).toBe(`'"$x`);
        expect(seen.env.get('LINES')).toBe('one\ntwo');
        expect(seen.env.get('SPACES')).toBe('  a\tb  ');
        expect(seen.umask).toBe('0027');
        expect(seen.nofile).toEqual([4096, 4096]);
      });

      if (logs) step('standard output and standard error can share one log', async () => {
        const { pid } = await box.running();
        const log = `${box.logs}/out.log`;
        await waitFor('both lines of the program in its log', () => (box.read(log).includes(`probe ${pid} started`) && box.read(log).includes(`probe ${pid} stderr`)) || undefined);
        expect(box.read(log)).toContain(`probe ${pid} started`);
        expect(box.read(log)).toContain(`probe ${pid} stderr`);
      });

      step('restart replaces the process', async () => {
        const before = box.liveProbes();
        expect(before).toHaveLength(1);
        expect((await box.rc(entry, 'restart')).status).toBe(0);
        const seen = await box.running();
        expect(seen.pid).not.toBe(before[0]);
        expect(seen.argv).toEqual([box.probe, ...HOSTILE_ARGS]);
      });

      step('stop leaves no process behind', async () => {
        expect((await box.rc(entry, 'stop')).status).toBe(0);
        await waitFor('no program left running', () => box.liveProbes().length === 0 || undefined);
        expect(box.liveProbes()).toEqual([]);
        expect((await box.rc(entry, 'status')).status).toBe(3);
      });
    },
  );
}

/** Fields of /proc/PID/stat after the command name: state, ppid, ... */
function stat(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => (stat(pid)?.[0] ?? 'Z') !== 'Z';

/** The `sleep 1000` children of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] | undefined {
  const found = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(stat(d)?.[1]) === pid)
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8') === 'sleep\u00001000\u0000';
      } catch {
        return false;
      }
    })
    .map(Number);
  return found.length > 0 ? found : undefined;
}

describeWithOpenrc()(
  'real OpenRC: kill finds a program that is a script by its interpreter\'s argument, and ends its process group',
  () => {
    let box: OpenrcSandbox;
    const name = uniqueName('isvscript');
    let script: string;
    const running = () => liveProcesses((_, argv) => argv[1] === script);
    const helperPids = new Set<number>();
    const helper = () => [...helperPids].filter(alive);

    beforeAll(async () => {
      box = new OpenrcSandbox();
      script = join(box.bin, 'loop.sh');
      // A helper process of its own: kill must end it too (issue 15: the whole service).
      writeFileSync(script, '#!/bin/sh\nsleep 1000 &\nwhile :; do sleep 1; done\n', { mode: 0o755 });
      await box.generate({ name, command: script, user: 'nobody', restart: 'always', commands: ['kill'] });
    });
    afterAll(async () => {
      for (const pid of [...running(), ...helper()]) process.kill(pid, 'SIGKILL');
      await box?.cleanup([name]);
    });

    step('kill sends SIGKILL to the supervisor and to the interpreter running the script', async () => {
      expect((await box.rc(name, 'start')).status).toBe(0);
      const [pid] = await waitFor('the script running', () => running().length === 1 && running());
      for (const p of await waitFor('its helper', () => childrenOf(pid!))) helperPids.add(p);
      expect(helper()).toHaveLength(1);
      expect((await box.rc(name, 'kill')).status).toBe(0);
      await waitFor('no supervisor and no script', () => box.supervisors(name).length === 0 && running().length === 0);
      await waitFor('no helper', () => helper().length === 0);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(running()).toEqual([]);
      expect(pid).toBeGreaterThan(0);
    });
  },
);
