import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OpenrcSandbox, describeWithOpenrc, uniqueName, waitFor, type ProbeRecord } from './support/openrc.js';
import { HOSTILE_ARGV, HOSTILE_DESCRIPTION, recorder, type Recorded } from './support/hostile.js';

// The hostile corpus through Debian's real OpenRC: openrc-run sources
// conf.d, evaluates command_args (supervise-daemon.sh / start-stop-daemon.sh)
// and config_check; the probe records what the program got.

const ARGS = HOSTILE_ARGV;
/** Environment names that are valid and left alone by OpenRC's supervisors (which set HOME, USER, ... themselves). */
const ENV = Object.fromEntries([...ARGS.map((value, i): [string, string] => [`V${i}`, value]), ['_X', '$(id)'], ['x_y', `it's "x"`]]);
const DESCRIPTION = HOSTILE_DESCRIPTION;
/** Hostile text around the instance: quotes, substitutions, a tab and a glob, with the instance twice. */
const INSTANCE_HOSTILE = `'"$(id)"{instance}\`id\`\t* \${instance}{instance}\\`;

function expectEnvironment(seen: ProbeRecord | Recorded): void {
  for (const [name, value] of Object.entries(ENV)) expect(seen.env.get(name), name).toBe(value);
}

describeWithOpenrc()(
  'the hostile corpus under real OpenRC',
  () => {
    describe('supervise-daemon: a family instance run as nobody, with a config check', () => {
      let box: OpenrcSandbox;
      let check: ReturnType<typeof recorder>;
      let config: string;
      const family = uniqueName('isvh');
      const entry = `${family}.web`;
      beforeAll(async () => {
        box = new OpenrcSandbox();
        check = recorder(box.dir);
        config = join(box.dir, "it's \"$(id)\" `id` \\ *.conf");
        writeFileSync(config, '');
        await box.generate({
          name: 'web',
          family,
          description: DESCRIPTION,
          command: box.probe,
          // {instance} is the generic script's ${instance}, next to hostile literal text that stays literal.
          args: [...ARGS, '{config}', "-c{config}';$(id)", '{instance}', INSTANCE_HOSTILE],
          configFile: config,
          user: 'nobody',
          workingDirectory: box.work,
          environment: { ...ENV, SITE: INSTANCE_HOSTILE },
          configCheck: [check.path, ...ARGS, '{config}'],
        });
      });
      afterAll(async () => box?.cleanup([entry]));

      test('start: the config check, then the program, each gets every argument and variable byte for byte', async () => {
        const { status, output } = await box.rc(entry, 'start');
        expect(output).not.toMatch(/ERROR|WARNING/);
        expect(status).toBe(0);
        const [checked] = check.read();
        // {config} reaches both as the config file knob's value, byte for byte.
        expect(checked!.argv).toEqual([check.path, ...ARGS, config]);
        expectEnvironment(checked!);
        const program = await box.waitForRecord(1);
        expect(program!.argv).toEqual([box.probe, ...ARGS, config, `-c${config}';$(id)`, 'web', INSTANCE_HOSTILE.replaceAll('{instance}', 'web')]);
        expect(program!.env.get('SITE')).toBe(INSTANCE_HOSTILE.replaceAll('{instance}', 'web'));
        expect([program!.uid, program!.cwd]).toEqual([65534, box.work]);
        expectEnvironment(program!);
      });

      test('describe prints the description as it is', async () => {
        const { status, output } = await box.rc(entry, 'describe');
        expect(status).toBe(0);
        expect(output).toContain(DESCRIPTION);
      });

      test('stop ends it', async () => {
        expect((await box.rc(entry, 'stop')).status).toBe(0);
        await waitFor('no program left running', () => box.liveProbes().length === 0 || undefined);
        expect(box.liveProbes()).toEqual([]);
      });
    });

    describe('start-stop-daemon: a program that daemonizes itself, with nice; then foreground', () => {
      let box: OpenrcSandbox;
      const name = uniqueName('isvd');
      let pidfile: string;
      beforeAll(async () => {
        box = new OpenrcSandbox();
        pidfile = join(box.dir, 'run.pid');
        await box.generate({
          name,
          command: box.probe,
          args: [...ARGS, `probe:daemonize=${pidfile}`],
          user: 'root',
          daemonizes: true,
          pidfile,
          nice: 5,
          commands: ['foreground'],
          environment: ENV,
        });
      });
      afterAll(async () => box?.cleanup([name]));

      test('start: every argument and variable arrives, and the nice level', async () => {
        const { status, output } = await box.rc(name, 'start');
        expect(output).not.toMatch(/ERROR/);
        expect(status).toBe(0);
        const seen = await box.waitForRecord(1);
        expect(seen.argv).toEqual([box.probe, ...ARGS, `probe:daemonize=${pidfile}`]);
        expect(seen.nice).toBe(5);
        expectEnvironment(seen);
        expect((await box.rc(name, 'stop')).status).toBe(0);
      });

      test('foreground refuses a program that forks itself (it would leave the terminal at once) and says what to do', async () => {
        await waitFor('no program left running', () => box.liveProbes().length === 0 || undefined);
        const { status, output } = await box.rc(name, 'foreground');
        expect(status).toBe(1);
        expect(output).toMatch(/own foreground option/);
        expect(box.liveProbes()).toEqual([]);
      });
    });
  },
);
