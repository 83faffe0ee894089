import { afterAll, beforeAll, expect, test } from 'vitest';
import { OpenrcSandbox, isRoot, uniqueName } from './support/openrc.js';
import { describeWithTools } from './support/tools.js';

const HOSTILE_ARGS = ['a b', "it's", '$HOME', '`id`', '50%', '-x', '', 'tab\there', 'line\nbreak', 'back\\'];

describeWithTools(['openrc-run', 'supervise-daemon', 'gcc'], { ok: isRoot, why: 'root (OpenRC switches users)' })(
  'real OpenRC (Debian openrc): a family instance through its symlink',
  () => {
    let box: OpenrcSandbox;
    const family = uniqueName('isvf');
    const entry = `${family}.web`;

    beforeAll(async () => {
      box = new OpenrcSandbox();
      await box.generate({
        name: 'web',
        family,
        command: box.probe,
        args: HOSTILE_ARGS,
        user: 'nobody',
        workingDirectory: box.work,
        environment: { GREETING: 'hello world', QUOTES: `'"$x` },
        umask: '0027',
        limits: { nofile: 4096 },
      });
    });
    afterAll(() => box?.cleanup([entry]));

    test('start runs the program with the exact argv, user, directory, environment, umask and limits', async () => {
      const { status, output } = box.rc(entry, 'start');
      expect(output).not.toMatch(/ERROR/);
      expect(status).toBe(0);
      const seen = await box.waitForRecord(1);
      expect(seen.argv).toEqual([box.probe, ...HOSTILE_ARGS]);
      expect(seen.uid).toBe(65534);
      expect(seen.cwd).toBe(box.work);
      expect(seen.env.get('GREETING')).toBe('hello world');
      expect(seen.env.get('QUOTES')).toBe(`'"$x`);
      expect(seen.umask).toBe('0027');
      expect(seen.nofile).toEqual([4096, 4096]);
    });

    test('status reports it started', () => {
      expect(box.rc(entry, 'status').status).toBe(0);
    });

    test('restart replaces the process', async () => {
      const before = box.liveProbes();
      expect(before).toHaveLength(1);
      expect(box.rc(entry, 'restart').status).toBe(0);
      const seen = await box.waitForRecord(2);
      expect(box.liveProbes()).toEqual([seen.pid]);
      expect(seen.pid).not.toBe(before[0]);
    });

    test('stop leaves no process behind', async () => {
      expect(box.rc(entry, 'stop').status).toBe(0);
      const deadline = Date.now() + 5000;
      while (box.liveProbes().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(box.liveProbes()).toEqual([]);
      expect(box.rc(entry, 'status').status).toBe(3);
    });
  },
);
