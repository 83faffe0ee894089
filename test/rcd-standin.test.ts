import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { canRunStandIn, FreebsdSandbox } from './support/freebsd.js';
import { describeWithTools } from './support/tools.js';

// Generated rc.d scripts run by dash against our stand-in of FreeBSD's
// rc.subr and daemon(8)/chroot(8)/limits(1)/su(1) (test/support/freebsd/).
// What they prove is that the script drives rc.subr(8) as documented; only
// a FreeBSD host can prove the same against FreeBSD's own rc.subr.

const HOSTILE_ARGS = ['a b', "it's", '"dq"', '$HOME', '`id`', '$(id)', '50%', '-x', '', 'tab\there', 'back\\', '*'];
const SIGUSR1 = 10;
const SIGQUIT = 3;
const STAND_IN = { ok: canRunStandIn(), why: 'root with mount namespaces and overlayfs (for the rc.subr stand-in)' };
const describeStandIn = describeWithTools(['gcc', 'dash', 'unshare'], STAND_IN);

function running(output: string): number {
  const pid = /is running as pid (\d+)\./.exec(output)?.[1];
  if (!pid) throw new Error(`not running: ${output}`);
  return Number(pid);
}

// rc.subr's su -m runs daemon(8) as the user: the words pass su's -c string and sh -c, so only plain ones are carried.
const PLAIN_ARGS = ['a,b', '--x=1', '50%', 'c@d+e:f', 'dir/file.x', '-v'];

describeStandIn('a foreground program under daemon(8), run as nobody by rc.subr\'s su -m', () => {
  let box: FreebsdSandbox;
  let rc: string;
  let log: string;

  beforeAll(() => {
    box = new FreebsdSandbox();
    log = join(box.dir, 'log/web/out.log');
    ({ rc } = box.install({
      name: 'web-app',
      description: 'Web app "quoted" $x',
      command: box.probe,
      args: PLAIN_ARGS,
      user: 'nobody',
      group: 'nogroup',
      workingDirectory: box.work,
      environment: { GREETING: 'hello', LIST: 'a,b:c' },
      umask: '0027',
      limits: { nofile: 4096 },
      reloadSignal: 'USR1',
      restart: 'always',
      stdoutLog: log,
      configCheck: ['/bin/sh', '-c', 'test ! -e "$1"', 'sh', join(box.dir, 'broken')],
      commands: ['kill', 'zap', 'foreground'],
    }));
  });
  afterAll(() => box?.cleanup());

  test('start is refused while web_app_enable is not YES, as rc.subr(8) says', () => {
    const r = box.service(rc, 'start');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Cannot 'start' web_app. Set web_app_enable to YES in /etc/rc.conf or use 'onestart' instead of 'start'.");
    expect(box.liveProbes()).toEqual([]);
  });

  test('rcvar and describe answer while disabled; extracommands passes the rcvar gate with "one"', () => {
    expect(box.service(rc, 'rcvar').stdout).toBe('# web_app : Web app "quoted" $x\n#\nweb_app_enable="NO"\n#   (default: "")\n\n');
    expect(box.service(rc, 'describe').stdout).toBe('Web app "quoted" $x\n');
    expect(box.service(rc, 'extracommands').stdout).toMatch(/^Cannot 'extracommands' web_app\./);
    expect(box.service(rc, 'oneextracommands').stdout).toBe('reload configtest kill zap foreground\n');
  });

  test('start runs the program with the exact argv, user, group, directory, environment, umask, limits and an admin\'s nice', async () => {
    box.rcConf('web_app_enable="YES"\nweb_app_nice=5\n');
    const r = box.service(rc, 'start');
    expect(r.output).toBe('Checking the configuration of web_app.\nStarting web_app.\n');
    expect(r.status).toBe(0);
    const seen = await box.waitForRecord(1);
    expect(seen.argv).toEqual([box.probe, ...PLAIN_ARGS]);
    expect([seen.uid, seen.gid, seen.groups]).toEqual([65534, 65534, [65534]]);
    expect(seen.cwd).toBe(box.work);
    expect(seen.env.get('GREETING')).toBe('hello');
    expect(seen.env.get('LIST')).toBe('a,b:c');
    // su(1) -m keeps them (platforms.md A.4): the reason for rc.subr's switch over daemon(8) -u.
    expect(seen.umask).toBe('0027');
    expect(seen.nofile).toEqual([4096, 4096]);
    expect(seen.nice).toBe(5);
  });

  test('status names daemon(8), whose pidfile is in a directory start_precmd made for the user; the child pidfile names the program', async () => {
    const r = box.service(rc, 'status');
    expect(r.status).toBe(0);
    const daemonPid = running(r.stdout);
    expect(readFileSync(box.runFile('web_app/web_app.pid'), 'utf8').trim()).toBe(String(daemonPid));
    expect([statSync(box.runFile('web_app')).uid, statSync(box.runFile('web_app')).mode & 0o777]).toEqual([65534, 0o750]);
    const seen = await box.waitForRecord(1);
    expect(readFileSync(box.runFile('web_app/web_app.child.pid'), 'utf8').trim()).toBe(String(seen.pid));
    expect(seen.ppid).toBe(daemonPid);
    expect(readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0')[0]).toBe(`daemon: web_app[${seen.pid}]`);
  });

  test('the output goes to stdoutLog, in a directory start_precmd created with install(1)', async () => {
    const seen = await box.waitForRecord(1);
    expect(await box.waitFor(() => readFileSync(log, 'utf8').includes(`probe ${seen.pid} started`))).toBe(true);
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  test('reload checks the configuration, then sends reloadSignal to the program (not to daemon)', async () => {
    const seen = await box.waitForRecord(1);
    const r = box.service(rc, 'reload');
    expect(r.output).toBe('Checking the configuration of web_app.\n');
    expect(r.status).toBe(0);
    expect(await box.waitFor(() => box.signals(seen.pid).includes(SIGUSR1))).toBe(true);
    expect(box.liveProbes()).toEqual([seen.pid]);
  });

  test('a broken configuration blocks reload and restart, and the service keeps running', () => {
    const before = box.liveProbes();
    writeFileSync(join(box.dir, 'broken'), '');
    try {
      expect(box.service(rc, 'reload').status).toBe(1);
      expect(box.service(rc, 'restart').status).toBe(1);
      expect(box.liveProbes()).toEqual(before);
      expect(before).toHaveLength(1);
    } finally {
      rmSync(join(box.dir, 'broken'), { force: true });
    }
  });

  test('restart replaces the program', async () => {
    const before = box.liveProbes();
    expect(before).toHaveLength(1);
    expect(box.service(rc, 'restart').status).toBe(0);
    const seen = await box.waitForRecord(2);
    expect(await box.waitFor(() => box.liveProbes().length === 1 && box.liveProbes()[0] === seen.pid)).toBe(true);
    expect(seen.pid).not.toBe(before[0]);
  });

  test('daemon(8) -r restarts the program when it dies', async () => {
    const [pid] = box.liveProbes();
    process.kill(pid!, 'SIGKILL');
    const seen = await box.waitForRecord(3, 5_000);
    expect(seen.pid).not.toBe(pid);
    expect(seen.argv).toEqual([box.probe, ...PLAIN_ARGS]);
  });

  test('zap refuses while the service runs; kill ends daemon(8) and the program and removes the pidfiles', async () => {
    expect(box.service(rc, 'zap').status).toBe(1);
    expect(box.service(rc, 'kill').status).toBe(0);
    expect(await box.waitFor(() => box.liveProcesses().length === 0)).toBe(true);
    expect(box.service(rc, 'status').stdout).toBe('web_app is not running.\n');
    expect(() => statSync(box.runFile('web_app/web_app.pid'))).toThrow();
  });

  test('zap removes stale pidfiles when nothing runs', () => {
    writeFileSync(box.runFile('web_app/web_app.pid'), '999999\n');
    writeFileSync(box.runFile('web_app/web_app.child.pid'), '999998\n');
    expect(box.service(rc, 'zap').status).toBe(0);
    expect(() => statSync(box.runFile('web_app/web_app.pid'))).toThrow();
    expect(() => statSync(box.runFile('web_app/web_app.child.pid'))).toThrow();
  });

  test('configtest runs the check and reports its failure', () => {
    expect(box.service(rc, 'configtest')).toMatchObject({ status: 0, stdout: 'Checking the configuration of web_app.\n' });
    writeFileSync(join(box.dir, 'broken'), '');
    try {
      expect(box.service(rc, 'configtest').status).toBe(1);
    } finally {
      rmSync(join(box.dir, 'broken'), { force: true });
    }
  });

  test('disabled: onestart starts, status answers, and stop still stops what runs', async () => {
    box.rcConf('web_app_enable="NO"\n');
    try {
      expect(box.service(rc, 'start').stdout).toMatch(/^Cannot 'start' web_app\./);
      const records = box.records().length;
      expect(box.service(rc, 'onestart').status).toBe(0);
      await box.waitForRecord(records + 1);
      expect(box.service(rc, 'status').status).toBe(0);
      expect(box.service(rc, 'stop').status).toBe(0);
      expect(await box.waitFor(() => box.liveProcesses().length === 0)).toBe(true);
      expect(box.service(rc, 'stop').stdout).toMatch(/^Cannot 'stop' web_app\./);
    } finally {
      box.rcConf('web_app_enable="YES"\n');
    }
  });

  test('start then stop leaves nothing behind', async () => {
    const records = box.records().length;
    expect(box.service(rc, 'start').status).toBe(0);
    await box.waitForRecord(records + 1);
    const r = box.service(rc, 'stop');
    expect(r.stdout).toMatch(/^Stopping web_app\.\n/);
    expect(r.status).toBe(0);
    expect(await box.waitFor(() => box.liveProcesses().length === 0)).toBe(true);
    expect(box.service(rc, 'status').status).toBe(1);
    expect(box.service(rc, 'stop').stderr).toBe(`web_app not running? (check /var/run/web_app/web_app.pid).\n`);
  });
});

describeStandIn('foreground, and the nice layer rc.subr adds', () => {
  let box: FreebsdSandbox;
  beforeAll(() => {
    box = new FreebsdSandbox();
  });
  afterAll(() => box?.cleanup());

  test('foreground runs the program in the terminal as daemon(8) would; a failure fails the command', async () => {
    const { rc } = box.install({
      name: 'fg',
      command: box.probe,
      args: [...PLAIN_ARGS, 'probe:exit=7'],
      user: 'nobody',
      group: 'nogroup',
      workingDirectory: box.work,
      umask: '0077',
      environment: { A: 'b,c' },
      commands: ['foreground'],
    });
    box.rcConf('fg_enable=YES\n');
    const r = box.service(rc, 'foreground');
    // rc.subr reports a failed <cmd>_cmd as status 1, whatever the program's status (7 here).
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^probe \d+ started\n$/);
    const seen = await box.waitForRecord(1);
    expect(seen.argv).toEqual([box.probe, ...PLAIN_ARGS, 'probe:exit=7']);
    expect([seen.uid, seen.gid, seen.cwd, seen.umask, seen.env.get('A')]).toEqual([65534, 65534, box.work, '0077', 'b,c']);
  });

  test('with nice in the description (nicely_prepend, no sh -c layer), the arguments arrive; an admin may change the priority', async () => {
    const { rc } = box.install({ name: 'nicely', command: box.probe, args: HOSTILE_ARGS, user: 'root', nice: 5, environment: { Q: '$HOME "x"' } });
    box.rcConf('nicely_enable=YES\n');
    expect(box.service(rc, 'start').status).toBe(0);
    const seen = await box.waitForRecord(2);
    expect(seen.argv).toEqual([box.probe, ...HOSTILE_ARGS]);
    expect(seen.env.get('Q')).toBe('$HOME "x"');
    expect(seen.nice).toBe(5);
    expect(box.service(rc, 'stop').status).toBe(0);

    box.rcConf('nicely_enable=YES\nnicely_prepend="nice -n 9"\n');
    expect(box.service(rc, 'start').status).toBe(0);
    const again = await box.waitForRecord(3);
    expect([again.argv, again.nice]).toEqual([[box.probe, ...HOSTILE_ARGS], 9]);
    expect(box.service(rc, 'stop').status).toBe(0);
  });

  test('without nice, an admin\'s nicely_nice is refused (it would re-read the arguments); _prepend works', async () => {
    const { rc } = box.install({ name: 'plain', command: box.probe, args: HOSTILE_ARGS, user: 'root' });
    box.rcConf('plain_enable=YES\nplain_nice=3\n');
    const r = box.service(rc, 'start');
    expect(r.stderr).toContain('use plain_prepend="nice -n N" instead');
    expect(r.status).toBe(1);
    box.rcConf('plain_enable=YES\nplain_prepend="nice -n 3"\n');
    expect(box.service(rc, 'start').status).toBe(0);
    const seen = await box.waitForRecord(4);
    expect(seen.argv).toEqual([box.probe, ...HOSTILE_ARGS]);
    expect([seen.nice, seen.uid]).toEqual([3, 0]);
    expect(box.service(rc, 'stop').status).toBe(0);
  });

  test('restart "no": daemon(8) without -r lets the program end, then removes its pidfiles', async () => {
    const { rc } = box.install({ name: 'once', command: box.probe, args: ['probe:exit=0'], user: 'root', restart: 'no' });
    box.rcConf('once_enable=YES\n');
    expect(box.service(rc, 'start').status).toBe(0);
    const seen = await box.waitForRecord(5);
    expect(seen.argv).toEqual([box.probe, 'probe:exit=0']);
    expect(await box.waitFor(() => box.service(rc, 'status').status === 1, 5_000)).toBe(true);
    expect(box.records()).toHaveLength(5);
  });
});

describeStandIn('a program that daemonizes itself, run by rc.subr as ${name}_user', () => {
  let box: FreebsdSandbox;
  let rc: string;
  beforeAll(() => {
    box = new FreebsdSandbox();
    ({ rc } = box.install({
      name: 'forker',
      command: box.probe,
      args: ['--config', '/etc/forker.conf', 'probe:daemonize=/var/run/forker/forker.pid'],
      user: 'nobody',
      daemonizes: true,
      pidfile: '/var/run/forker/forker.pid',
      reloadSignal: 'USR1',
      commands: ['kill', 'zap', 'foreground'],
      stopSignal: 'QUIT',
      workingDirectory: box.work,
      umask: '0007',
    }));
    box.rcConf('forker_enable=YES\n');
  });
  afterAll(() => box?.cleanup());

  test('start: install(1) gives the user the pidfile directory, su -m switches, the program writes its pidfile', async () => {
    const r = box.service(rc, 'start');
    expect(r.output).toBe('Starting forker.\n');
    expect(r.status).toBe(0);
    const seen = await box.waitForRecord(1);
    expect([seen.uid, seen.cwd, seen.umask]).toEqual([65534, box.work, '0007']);
    expect(statSync(box.runFile('forker')).uid).toBe(65534);
    expect(running(box.service(rc, 'status').stdout)).toBe(seen.pid);
  });

  test('reload sends sig_reload; stop sends sig_stop and waits', async () => {
    const seen = await box.waitForRecord(1);
    expect(box.service(rc, 'reload').status).toBe(0);
    expect(await box.waitFor(() => box.signals(seen.pid).includes(SIGUSR1))).toBe(true);
    expect(box.service(rc, 'stop').status).toBe(0);
    expect(box.signals(seen.pid)).toContain(SIGQUIT);
    expect(box.liveProbes()).toEqual([]);
  });

  test('kill does not trust a pid that rc.subr did not match to the program', async () => {
    // A pidfile the user could have written, naming a process that is not the program:
    // a throwaway sleep (the test's own pid could never be seen dead by the test).
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => stranger.on('exit', resolve));
    try {
      const pid = stranger.pid!;
      writeFileSync(box.runFile('forker/forker.pid'), `${pid}\n`);
      expect(box.service(rc, 'kill').status).toBe(0);
      // Give a signal, had one been sent, time to land and be reaped.
      await new Promise((r) => setTimeout(r, 300));
      expect([stranger.exitCode, stranger.signalCode]).toEqual([null, null]);
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(() => statSync(box.runFile('forker/forker.pid'))).toThrow();
    } finally {
      stranger.kill('SIGKILL');
      await exited;
    }
  });
});

describeStandIn('command_interpreter for a script that daemonizes itself', () => {
  let box: FreebsdSandbox;
  let pids: number[] = [];
  // A shell script that daemonizes: the child is "/bin/sh .../app.sh child PIDFILE".
  const script = `#!/bin/sh
if [ "$1" != child ]; then
	/bin/sh "$0" child "$1" </dev/null >/dev/null 2>&1 &
	n=0
	while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	exit 0
fi
trap 'rm -f "$2"; exit 0' TERM
echo $$ > "$2"
while :; do sleep 0.1; done
`;
  beforeAll(() => {
    box = new FreebsdSandbox();
    writeFileSync(join(box.bin, 'app.sh'), script, { mode: 0o755 });
    box.rcConf('app_enable=YES\nbare_enable=YES\n');
  });
  afterAll(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    box?.cleanup();
  });

  const spec = (name: string, interpreter?: string) => ({
    name,
    command: join(box.bin, 'app.sh'),
    ...(interpreter ? { interpreter } : {}),
    args: [`/var/run/${name}.pid`],
    user: 'root',
    daemonizes: true,
    pidfile: `/var/run/${name}.pid`,
  });

  test('with interpreter, status finds the script and stop ends it', async () => {
    const { rc, script: text } = box.install(spec('app', '/bin/sh'));
    expect(text).toMatch(/^command_interpreter='\/bin\/sh'$/m);
    expect(box.service(rc, 'start').status).toBe(0);
    const pid = Number(readFileSync(box.runFile('app.pid'), 'utf8'));
    pids.push(pid);
    expect(running(box.service(rc, 'status').stdout)).toBe(pid);
    expect(box.service(rc, 'stop').status).toBe(0);
    expect(await box.waitFor(() => !isAlive(pid))).toBe(true);
  });

  test('without it, rc.subr cannot see the process: the reason for checklist item 6', () => {
    const { rc } = box.install(spec('bare'));
    expect(box.service(rc, 'start').status).toBe(0);
    const pid = Number(readFileSync(box.runFile('bare.pid'), 'utf8'));
    pids.push(pid);
    expect(isAlive(pid)).toBe(true);
    expect(box.service(rc, 'status').stdout).toBe('bare is not running.\n');
    expect(box.service(rc, 'stop').status).toBe(1);
  });
});

function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}


describeStandIn('${name}_flags and ${name}_config under daemon(8)', () => {
  let box: FreebsdSandbox;
  beforeAll(() => {
    box = new FreebsdSandbox();
  });
  afterAll(() => box?.cleanup());

  test('an admin\'s _flags reach the program after its arguments, not daemon(8); _config replaces {config}', async () => {
    const conf = join(box.dir, 'flagged.conf');
    const other = join(box.dir, 'other.conf');
    writeFileSync(conf, '');
    writeFileSync(other, '');
    const { rc } = box.install({ name: 'flagged', command: box.probe, configFile: conf, args: ['--config', '{config}', 'a,b'], user: 'nobody', group: 'nogroup', restart: 'always' });
    box.rcConf(`flagged_enable=YES\nflagged_flags="--extra c,d"\nflagged_config=${other}\n`);
    const r = box.service(rc, 'start');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const seen = await box.waitForRecord(1);
    expect(seen.argv).toEqual([box.probe, '--config', other, 'a,b', '--extra', 'c,d']);
    expect(box.service(rc, 'stop').status).toBe(0);

    // required_files: no configuration, no start.
    rmSync(other);
    const missing = box.service(rc, 'start');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`${other} is not readable.`);
    expect(box.records()).toHaveLength(1);
  });
});

describeStandIn('a family: one script named after it, its members profiles (www/nginx, databases/redis-devel)', () => {
  let box: FreebsdSandbox;
  let rc: string;
  beforeAll(() => {
    box = new FreebsdSandbox();
    for (const p of ['alpha', 'be-ta']) writeFileSync(join(box.dir, `${p}.conf`), '');
    // The script is the same for every member: one member's description installs it.
    ({ rc } = box.install({
      name: 'alpha',
      family: 'my-fam',
      command: box.probe,
      configFile: join(box.dir, '{instance}.conf'),
      args: ['--name', '{instance}', '--config', '{config}'],
      user: 'nobody',
      group: 'nogroup',
      restart: 'always',
    }));
  });
  afterAll(() => box?.cleanup());

  test('start without a profile starts each of _profiles with its own {instance}, {config} and _PROFILE_flags (- as _)', async () => {
    expect(rc).toBe('my_fam');
    box.rcConf('my_fam_enable=YES\nmy_fam_profiles="alpha be-ta"\nmy_fam_be_ta_flags="--extra x"\n');
    const r = box.service(rc, 'start');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    await box.waitForRecord(2);
    const argv = box.records().map((s) => s.argv).sort((a, b) => (a[2]! < b[2]! ? -1 : 1));
    expect(argv).toEqual([
      [box.probe, '--name', 'alpha', '--config', join(box.dir, 'alpha.conf')],
      [box.probe, '--name', 'be-ta', '--config', join(box.dir, 'be-ta.conf'), '--extra', 'x'],
    ]);
    expect(readFileSync(box.runFile('my_fam/alpha.pid'), 'utf8').trim()).toBe(String(running(box.service(rc, ['status', 'alpha']).stdout)));
  });

  test('one profile stops alone; a profile not in _profiles, or not a plain name, is refused', () => {
    expect(box.service(rc, ['stop', 'be-ta']).status).toBe(0);
    expect(box.liveProbes()).toHaveLength(1);
    expect(box.service(rc, ['status', 'alpha']).status).toBe(0);
    const other = box.service(rc, ['start', 'gamma']);
    expect([other.status, other.stderr]).toEqual([1, expect.stringContaining('no gamma in my_fam_profiles')]);
    const odd = box.service(rc, ['start', 'a;id']);
    expect([odd.status, odd.stderr]).toEqual([1, expect.stringContaining('not a profile name')]);
    expect(box.service(rc, 'stop').status).toBe(0);
    expect(box.liveProbes()).toEqual([]);
  });
});
