import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canRunStandIn, FreebsdSandbox } from './support/freebsd.js';
import type { ProbeRecord } from './support/probe.js';
import { HOSTILE_ARGV, HOSTILE_DESCRIPTION, recorder, type Recorded } from './support/hostile.js';
import { describeWithTools } from './support/tools.js';

// The hostile corpus through generated rc.d scripts, run by dash against the
// rc.subr stand-in (test/support/freebsd/): the script's own defaults and
// command_args, evaluated the way run_rc_command does (eval; with
// ${name}_nice a second sh -c layer; su -m for a program run as another
// user, which takes plain words only, else chroot(8) -u under daemon(8)),
// then the daemon(8) and chroot(8) stand-ins.

const ARGS = HOSTILE_ARGV;
const ENV = Object.fromEntries([...ARGS.map((value, i): [string, string] => [`V${i}`, value]), ['_', '$(id)']]);
const DESCRIPTION = HOSTILE_DESCRIPTION;
const PLAIN_ARGS = ['--config=/etc/x.conf', '-v', '50%', 'a,b:c@d+e'];
const describeStandIn = describeWithTools(['gcc', 'dash', 'unshare'], { ok: canRunStandIn(), why: 'root with mount namespaces and overlayfs (for the rc.subr stand-in)' });

function expectEnvironment(seen: ProbeRecord | Recorded, env: Record<string, string> = ENV): void {
  for (const [name, value] of Object.entries(env)) expect(seen.env.get(name), name).toBe(value);
}

/** The newest record, once there are `count`. */
async function newestRecord(box: FreebsdSandbox, count: number): Promise<ProbeRecord> {
  await box.waitForRecord(count);
  return box.records().at(-1)!;
}


describeStandIn('the hostile corpus through rc.d scripts (rc.subr stand-in)', () => {
  let box: FreebsdSandbox;
  let check: ReturnType<typeof recorder>;
  beforeAll(() => {
    box = new FreebsdSandbox();
    check = recorder(box.bin);
  });
  afterAll(() => box?.cleanup());

  describe('daemon(8) runs it as nobody:nogroup through chroot(8) -u (words su -m could not carry), without nice', () => {
    let rc: string;
    let warnings: string[];
    beforeAll(() => {
      ({ rc, warnings } = box.install({
        name: 'hostile',
        description: DESCRIPTION,
        command: box.probe,
        args: ARGS,
        user: 'nobody',
        group: 'nogroup',
        workingDirectory: box.work,
        environment: ENV,
        configCheck: [check.path, ...ARGS],
      }));
      box.rcConf('hostile_enable=YES\n');
    });

    test('the script says why it does not use ${name}_user', () => {
      expect(warnings).toContainEqual(expect.stringContaining('through chroot(8) -u under daemon(8), not the tree\'s hostile_user'));
    });

    test('start: the config check and the program get every argument and every variable', async () => {
      const r = box.service(rc, 'start');
      expect(r.stderr).not.toMatch(/WARNING|ERROR|not found|Syntax/);
      expect(r.status).toBe(0);
      const [checked] = check.read();
      expect(checked!.argv).toEqual([check.path, ...ARGS]);
      expectEnvironment(checked!);
      const program = await box.waitForRecord(1);
      expect(program.argv).toEqual([box.probe, ...ARGS]);
      expect([program.uid, program.gid, program.cwd]).toEqual([65534, 65534, box.work]);
      expectEnvironment(program);
    });

    test('configtest: the same (here rc.subr has exported ${name}_env itself)', () => {
      expect(box.service(rc, 'configtest').status).toBe(0);
      const checked = check.read().at(-1)!;
      expect(checked.argv).toEqual([check.path, ...ARGS]);
      expectEnvironment(checked);
    });

    test('describe and rcvar print the description as it is', () => {
      const described = box.service(rc, 'describe');
      expect(described.status).toBe(0);
      expect(described.stdout).toBe(`${DESCRIPTION}\n`);
      const rcvar = box.service(rc, 'rcvar');
      expect(rcvar.status).toBe(0);
      expect(rcvar.stdout).toContain(`# hostile : ${DESCRIPTION}\n`);
    });

    test('an admin who sets hostile_nice is stopped before anything runs: it would re-read the arguments', () => {
      expect(box.service(rc, 'stop').status).toBe(0);
      box.rcConf('hostile_enable=YES\nhostile_nice=5\n');
      const before = box.records().length;
      const r = box.service(rc, 'start');
      expect(r.stderr).toContain('hostile_nice would change the arguments (rc.subr adds a sh -c layer for it); use hostile_prepend="nice -n N" instead');
      expect(r.status).toBe(1);
      expect(box.records()).toHaveLength(before);
      expect(box.liveProbes()).toEqual([]);
    });
  });

  describe('with nice in the description: nice -n N in ${name}_prepend, which adds no layer', () => {
    let rc: string;
    beforeAll(() => {
      ({ rc } = box.install({ name: 'nicely', command: box.probe, args: ARGS, user: 'root', nice: 5, environment: ENV, configCheck: [check.path, ...ARGS], commands: ['kill', 'zap', 'foreground'] }));
      box.rcConf('nicely_enable=YES\n');
    });

    test('start: every argument, every variable, and the nice level', async () => {
      const before = box.records().length;
      const r = box.service(rc, 'start');
      expect(r.stderr).not.toMatch(/WARNING|ERROR|not found|Syntax/);
      expect(r.status).toBe(0);
      const program = await newestRecord(box, before + 1);
      expect(program.argv).toEqual([box.probe, ...ARGS]);
      expect(program.nice).toBe(5);
      expectEnvironment(program);
    });

    test('every custom command survives rc.subr\'s eval "export -- $nicely_env"; configtest sees every variable', async () => {
      expect(box.service(rc, 'configtest').status).toBe(0);
      expectEnvironment(check.read().at(-1)!);
      // zap, with the program still running, refuses (exit 1) with its own message: it got past the eval.
      const zap = box.service(rc, 'zap');
      expect(zap.stderr, 'zap').not.toMatch(/Syntax|eval/);
      expect(zap.status, 'zap').toBe(1);
      expect(zap.output).toMatch(/^nicely is running as pid \d+; not removing \/var\/run\/nicely\.pid\.$/m);
      const kill = box.service(rc, 'kill');
      expect(kill.stderr, 'kill').not.toMatch(/Syntax|eval/);
      expect(kill.status, 'kill').toBe(0);
      expect(await box.waitFor(() => box.liveProbes().length === 0)).toBe(true);
    });

    test('an admin who also sets nicely_nice is stopped before anything runs', () => {
      box.rcConf('nicely_enable=YES\nnicely_nice=3\n');
      const before = box.records().length;
      const r = box.service(rc, 'start');
      expect(r.stderr).toContain('nicely_nice would change the arguments');
      expect(r.status).toBe(1);
      expect(box.records()).toHaveLength(before);
    });
  });

  test('plain arguments need no guard: an admin may set nice, and nothing changes', async () => {
    const { rc, script } = box.install({ name: 'calm', command: box.probe, args: PLAIN_ARGS, user: 'root', environment: { A: 'plain' } });
    expect(script).not.toContain('calm_checkquoting');
    box.rcConf('calm_enable=YES\ncalm_nice=7\n');
    const before = box.records().length;
    expect(box.service(rc, 'start').status).toBe(0);
    const seen = await newestRecord(box, before + 1);
    expect([seen.argv, seen.nice, seen.env.get('A')]).toEqual([[box.probe, ...PLAIN_ARGS], 7, 'plain']);
    expect(box.service(rc, 'stop').status).toBe(0);
  });

  test('a program that daemonizes itself, as root with nice: command_args through rc.subr\'s eval and sh -c', async () => {
    const pidfile = '/var/run/selfish.pid';
    const args = [...ARGS, `probe:daemonize=${pidfile}`];
    const { rc } = box.install({ name: 'selfish', command: box.probe, args, user: 'root', daemonizes: true, pidfile, nice: 3, environment: ENV });
    box.rcConf('selfish_enable=YES\n');
    const before = box.records().length;
    const r = box.service(rc, 'start');
    expect(r.stderr).not.toMatch(/WARNING|ERROR|not found|Syntax/);
    expect(r.status).toBe(0);
    const seen = await newestRecord(box, before + 1);
    expect([seen.argv, seen.nice]).toEqual([[box.probe, ...args], 3]);
    expectEnvironment(seen);
    expect(box.service(rc, 'stop').status).toBe(0);
  });

  test('a program that daemonizes itself as nobody (su -m): plain words arrive as they are', async () => {
    const pidfile = '/var/run/suish/suish.pid';
    const args = [...PLAIN_ARGS, `probe:daemonize=${pidfile}`];
    const { rc } = box.install({ name: 'suish', command: box.probe, args, user: 'nobody', daemonizes: true, pidfile, environment: { A: 'x,y:z', B: '' }, workingDirectory: join(box.dir, 'work') });
    box.rcConf('suish_enable=YES\n');
    const before = box.records().length;
    expect(box.service(rc, 'start').status).toBe(0);
    const seen = await newestRecord(box, before + 1);
    expect([seen.argv, seen.uid]).toEqual([[box.probe, ...args], 65534]);
    expectEnvironment(seen, { A: 'x,y:z', B: '' });
    expect(box.service(rc, 'stop').status).toBe(0);
  });
});
