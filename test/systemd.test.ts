import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generate, type ServiceSpec } from '../src/index.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { dumpUnit, dumpedCommands, unitFiles, verifyUnit } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

const PROFILES = ['default', 'strict', 'off'] as const;

function systemdFiles(spec: ServiceSpec | Record<string, unknown> | Array<Record<string, unknown>>) {
  return generate(spec as ServiceSpec, { targets: ['systemd'] });
}

function withProfile(name: string, hardening: (typeof PROFILES)[number]): Record<string, unknown> {
  const spec = fixtureSpec(name);
  return { ...spec, systemd: { ...(spec.systemd as object | undefined), hardening } };
}

describeWithTools(['systemd-analyze'])('systemd-analyze verify (empty stderr required)', () => {
  for (const hardening of PROFILES) {
    test.each(fixtureNames())(`%s, hardening "${hardening}"`, (name) => {
      const { files, unit } = unitFiles(systemdFiles(withProfile(name, hardening)).files);
      const { status, stderr } = verifyUnit(files, unit);
      expect(stderr).toBe('');
      expect(status).toBe(0);
    });
  }

  test('the staged check does fail on a broken unit', () => {
    const { stderr } = verifyUnit({ 'broken.service': '[Service]\nExecStart=/usr/bin/x\nRestart=sometimes\n' }, 'broken.service');
    expect(stderr).toMatch(/restart specifier/);
  });

  test('the staged check reads the drop-in of a template instance', () => {
    const { files, unit } = unitFiles(
      systemdFiles([
        { name: 'a', family: 'fam', command: '/usr/bin/a' },
        { name: 'b', family: 'fam', command: '/usr/bin/b' },
      ]).files,
    );
    expect(unit).toBe('fam@b.service');
    expect(verifyUnit(files, unit).stderr).toBe('');
    const broken = { ...files, [`${unit}.d/instance.conf`]: `${files[`${unit}.d/instance.conf`]}\n[Service]\nRestart=sometimes\n` };
    expect(verifyUnit(broken, unit).stderr).toMatch(/restart specifier/);
  });

  test('any instance of a family template starts from the template alone', () => {
    const { files } = unitFiles(systemdFiles({ name: 'a', family: 'fam', command: '/usr/bin/a', args: ['{instance}'] }).files);
    expect(Object.keys(files)).toEqual(['fam@.service']);
    expect(verifyUnit(files, 'fam@other.service').stderr).toBe('');
  });

  test('hostile but accepted values verify cleanly', () => {
    const spec = {
      name: 'hostile',
      description: 'a "quoted" 100% $x \\ description',
      command: '/opt/my app/bin/run 50%',
      args: ['%n', '%%', '$$', '${X}', ';', '\\;', 'a\\', '"', "'", '', '\t', '\n', '\u0001', '\u007f', 'é ✓'],
      workingDirectory: '/srv/my app/50% "q"',
      environment: { A: '%i $x "q" \\ \n\t\u0001', B: '' },
      environmentFile: '/etc/my app/env 100%',
      daemonizes: true,
      pidfile: '/run/my app/x.pid',
      stdoutLog: '/var/log/my app/out %.log',
      stderrLog: '/srv/logs/err.log',
      configCheck: ['/opt/my app/bin/check', '--x=$HOME 50%'],
      reloadSignal: 'HUP',
      requires: ['network', 'time', 'other.target', 'dep'],
    };
    for (const hardening of PROFILES) {
      const { files, unit } = unitFiles(systemdFiles({ ...spec, systemd: { hardening } }).files);
      expect(verifyUnit(files, unit).stderr, hardening).toBe('');
    }
  });
});

describe('families: one real template unit, a drop-in only where a member differs', () => {
  const family = (members: Array<Record<string, unknown>>) =>
    systemdFiles(members.map((m) => ({ family: 'sites', command: '/usr/bin/site', user: 'sites', ...m }))).files;

  test('members that differ only by {instance} share the template, %i where {instance} stood, and get no drop-in', () => {
    const shared = { args: ['--name={instance}', '50%', '{config}'], configFile: '/etc/sites/{instance}.conf', directories: { state: ['sites/{instance}'] }, workingDirectory: '{state}', environment: { SITE: '{instance} 100%' } };
    const files = family([{ name: 'alpha', description: 'site {instance}', ...shared }, { name: 'beta', description: 'site {instance}', ...shared }]);
    expect(files.map((f) => f.path)).toEqual(['systemd/sites@.service']);
    const text = files[0]!.content!;
    expect(text).toMatch(/^Description=site %I$/m);
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/site --name=%i "50%%" \/etc\/sites\/%i\.conf$/m);
    expect(text).toMatch(/^StateDirectory=sites\/%i$/m);
    expect(text).toMatch(/^WorkingDirectory=\/var\/lib\/sites\/%i$/m);
    expect(text).toMatch(/^Environment="SITE=%i 100%%"$/m);
    expect(text).toMatch(/^EnvironmentFile=-\/etc\/sites\/%i\.conf$/m);
    expect(text).toMatch(/^\[Install\]\nWantedBy=multi-user\.target$/m);
    expect(text).not.toMatch(/alpha|beta/);
  });

  test('what systemd makes of the template for an instance: the member\'s own values', () => {
    const files = family([{ name: 'alpha', args: ['--name={instance}', '50%'], directories: { state: ['sites/{instance}'] } }]);
    const { files: units } = unitFiles(files);
    const { dump } = dumpUnit(units, 'sites@alpha.service');
    expect(dumpedCommands(dump, 'ExecStart')).toEqual([['/usr/bin/site', '--name=alpha', '50%']]);
    expect(dump).toMatch(/StateDirectory: sites\/alpha/);
  });

  test('a member that differs gets a drop-in with only what differs; systemd reads it as that member', () => {
    const files = family([
      { name: 'alpha', args: ['{instance}'] },
      { name: 'beta', args: ['{instance}', '--debug'], environment: { X: '1' }, stopSignal: 'QUIT', requires: ['network'] },
    ]);
    expect(files.map((f) => f.path)).toEqual(['systemd/sites@.service', 'systemd/sites@beta.service.d/instance.conf']);
    const dropIn = files[1]!.content!;
    expect(dropIn.replace(/^#.*\n/gm, '')).toBe(
      ['', '[Unit]', 'Wants=network-online.target', 'After=network-online.target', '', '[Service]', 'ExecStart=', 'ExecStart=/usr/bin/site %i --debug', 'Environment=', 'Environment="X=1"', 'KillSignal=SIGQUIT', 'KillMode=mixed', ''].join('\n'),
    );
    const { files: units } = unitFiles(files);
    expect(verifyUnit(units, 'sites@beta.service').stderr).toBe('');
    const { dump } = dumpUnit(units, 'sites@beta.service');
    expect(dumpedCommands(dump, 'ExecStart')).toEqual([['/usr/bin/site', 'beta', '--debug']]);
    expect(dumpedCommands(dumpUnit(units, 'sites@alpha.service').dump, 'ExecStart')).toEqual([['/usr/bin/site', 'alpha']]);
  });
});

describe('the unit', () => {
  const unit = (spec: Record<string, unknown>) => {
    const { files, unit: name } = unitFiles(systemdFiles({ name: 'web', command: '/usr/bin/web', ...spec }).files);
    return files[name.includes('@') ? `${name}.d/instance.conf` : name]!;
  };

  test('foreground programs are Type=exec; daemonizing ones Type=forking with PIDFile= and RuntimeDirectory=', () => {
    expect(unit({})).toMatch(/^Type=exec$/m);
    expect(unit({})).not.toMatch(/^PIDFile=/m);
    const forking = unit({ daemonizes: true, pidfile: '/var/run/web/web.pid' });
    expect(forking).toMatch(/^Type=forking$/m);
    // systemd itself rewrites /var/run to /run, with a warning on every load.
    expect(forking).toMatch(/^PIDFile=\/run\/web\/web\.pid$/m);
    expect(forking).toMatch(/^RuntimeDirectory=web$/m);
  });

  test('dependencies map to systemd.special(7) targets', () => {
    const text = unit({ requires: ['network', 'time', 'localfs', 'db', 'x.socket'], after: ['syslog', 'other'] });
    expect(text).toMatch(/^Wants=network-online\.target$/m);
    expect(text).toMatch(/^After=network-online\.target$/m);
    expect(text).toMatch(/^After=time-sync\.target$/m);
    expect(text).not.toMatch(/^Wants=time-sync\.target$/m); // passive: order after it, never pull it in
    expect(text).toMatch(/^Requires=local-fs\.target$/m);
    expect(text).toMatch(/^Requires=db\.service$/m);
    expect(text).toMatch(/^Requires=x\.socket$/m);
    expect(text).toMatch(/^After=other\.service$/m);
    expect(text).not.toMatch(/syslog/);
  });

  test('restart policy comes with RestartSec= and a start limit; "no" with neither', () => {
    expect(unit({ restart: 'always' })).toMatch(/^Restart=always\nRestartSec=1$/m);
    expect(unit({})).toMatch(/^StartLimitIntervalSec=60\nStartLimitBurst=5$/m);
    expect(unit({ restart: 'no' })).not.toMatch(/^(RestartSec|StartLimit)/m);
  });

  test('configCheck runs before start and before the reload signal', () => {
    const text = unit({ configCheck: ['/usr/bin/web', '--check'], reloadSignal: 'HUP' });
    expect(text).toMatch(/^ExecStartPre=\/usr\/bin\/web --check$/m);
    expect(text).toMatch(/^ExecReload=\/usr\/bin\/web --check\nExecReload=\/bin\/kill -s HUP \$MAINPID$/m);
  });

  test('working directory, logs and pidfile stay writable under ProtectSystem=strict', () => {
    const text = unit({
      workingDirectory: '/var/lib/web',
      stdoutLog: '/var/log/web/out.log',
      stderrLog: '/srv/web/logs/err.log',
      daemonizes: true,
      pidfile: '/run/web/web.pid',
    });
    expect(text).toMatch(/^ProtectSystem=strict$/m);
    expect(text).toMatch(/^StateDirectory=web$/m);
    expect(text).toMatch(/^LogsDirectory=web$/m);
    expect(text).toMatch(/^RuntimeDirectory=web$/m);
    expect(text).toMatch(/^ReadWritePaths=-\/srv\/web\/logs$/m);
    expect(unit({ workingDirectory: '/srv/my app' })).toMatch(/^ReadWritePaths=-"\/srv\/my app"$/m);
    expect(unit({ workingDirectory: '/var/cache/web' })).toMatch(/^CacheDirectory=web$/m);
  });

  test('bindPrivilegedPorts is the capability, ambient for a user, bounding only for root', () => {
    expect(unit({ systemd: { bindPrivilegedPorts: true } })).toMatch(
      /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE$/m,
    );
    expect(unit({})).toMatch(/^CapabilityBoundingSet=$/m);
    expect(unit({ user: 'root', systemd: { bindPrivilegedPorts: true } })).not.toMatch(/^AmbientCapabilities=/m);
    // A user namespace would take the capability away on the host.
    expect(unit({ systemd: { hardening: 'strict', bindPrivilegedPorts: true } })).not.toMatch(/^PrivateUsers=/m);
    expect(unit({ systemd: { hardening: 'strict' } })).toMatch(/^PrivateUsers=yes$/m);
  });

  test('MemoryDenyWriteExecute= except for JIT runtimes, whose interpreter it aborts; systemd.memoryDenyWriteExecute decides', () => {
    expect(unit({})).toMatch(/^MemoryDenyWriteExecute=yes$/m);
    for (const jit of ['/usr/bin/node', '/usr/bin/sbcl', '/usr/lib/jvm/bin/java', '/usr/bin/luajit', '/usr/bin/pypy3', '/usr/bin/dotnet']) {
      expect(unit({ command: jit }), jit).not.toMatch(/^MemoryDenyWriteExecute=/m);
      expect(unit({ command: jit, systemd: { hardening: 'strict' } }), jit).not.toMatch(/^MemoryDenyWriteExecute=/m);
    }
    expect(unit({ command: '/opt/app/run.js', interpreter: '/usr/bin/node' })).not.toMatch(/^MemoryDenyWriteExecute=/m);
    expect(unit({ command: '/usr/bin/node', systemd: { memoryDenyWriteExecute: true } })).toMatch(/^MemoryDenyWriteExecute=yes$/m);
    expect(unit({ systemd: { memoryDenyWriteExecute: false } })).not.toMatch(/^MemoryDenyWriteExecute=/m);
    expect(unit({})).not.toMatch(/^ProcSubset=/m);
    expect(unit({ systemd: { hardening: 'strict' } })).toMatch(/^ProcSubset=pid$/m);
    expect(unit({ systemd: { hardening: 'off' } })).not.toMatch(/^(ProtectSystem|NoNewPrivileges|CapabilityBoundingSet|MemoryDenyWriteExecute)=/m);
  });

  test('PrivateUsers= when the program keeps no capability; RemoveIPC= only for the service\'s own account', () => {
    expect(unit({})).toMatch(/^PrivateUsers=yes$/m);
    expect(unit({ systemd: { bindPrivilegedPorts: true } })).not.toMatch(/^PrivateUsers=/m);
    expect(unit({ switchesUser: { user: 'www-data' } })).not.toMatch(/^PrivateUsers=/m);
    expect(unit({})).toMatch(/^RemoveIPC=yes$/m); // user "web", the default
    expect(unit({ name: 'memcached', user: 'memcache' })).toMatch(/^RemoveIPC=yes$/m);
    // A person's login account: their IPC objects would go at every stop.
    expect(unit({ user: 'andrey' })).not.toMatch(/^RemoveIPC=/m);
    expect(unit({ user: 'root' })).not.toMatch(/^RemoveIPC=/m);
  });

  test('no setting that repeats a default; a graceful stop through the master gets KillMode=mixed', () => {
    expect(unit({})).not.toMatch(/^(KillSignal|KillMode)=/m);
    expect(unit({ stopSignal: 'QUIT' })).toMatch(/^KillSignal=SIGQUIT\n(#.*\n)?KillMode=mixed$/m);
  });

  test('paths under /home keep ProtectHome= read-only; /tmp work directories keep the real /tmp', () => {
    expect(unit({ workingDirectory: '/home/web/site' })).toMatch(/^ProtectHome=read-only$/m);
    expect(unit({})).toMatch(/^ProtectHome=yes$/m);
    expect(unit({ workingDirectory: '/tmp/web' })).not.toMatch(/^PrivateTmp=/m);
    expect(unit({})).toMatch(/^PrivateTmp=yes$/m);
  });

  test('what systemd cannot do exactly is said as a warning', () => {
    expect(systemdFiles({ name: 'r', command: '/usr/bin/r', user: 'root' }).warnings.join('\n')).toMatch(/runs as root.*no capabilities/);
    expect(systemdFiles({ name: 'r', command: '/usr/bin/r', user: 'root', systemd: { hardening: 'off' } }).warnings).toEqual([]);
    const pid = systemdFiles({ name: 'p', command: '/usr/bin/p', daemonizes: true, pidfile: '/run/p.pid' });
    expect(pid.warnings.join('\n')).toMatch(/lies directly in \/run/);
  });

  test('a pidfile directly in /run: never all of /run writable, the program writes it through a link into RuntimeDirectory=', () => {
    const text = unit({ daemonizes: true, pidfile: '/var/run/web.pid' });
    expect(text).not.toMatch(/^ReadWritePaths=/m);
    expect(text).toMatch(/^RuntimeDirectory=web$/m);
    expect(text).toMatch(/^PIDFile=\/run\/web\/web\.pid$/m);
    expect(text).toMatch(/^ExecStartPre=\+\/usr\/bin\/ln -sfn \/run\/web\/web\.pid \/run\/web\.pid$/m);
    expect(unit({ daemonizes: true, pidfile: '/run/web.pid', systemd: { hardening: 'off' } })).toMatch(/^PIDFile=\/run\/web\.pid$/m);
  });
});

describeWithTools(['systemd-tmpfiles'])('log directories: created by tmpfiles.d, since systemd opens the log first', () => {
  test('the generated tmpfiles.d file creates every log directory (real systemd-tmpfiles in a staged root)', () => {
    const dirs = ['/var/log/web', '/srv/my app/50% "q" \\ logs'];
    const { files } = systemdFiles({
      name: 'web',
      command: '/usr/bin/web',
      stdoutLog: `${dirs[0]}/out.log`,
      stderrLog: `${dirs[1]}/err.log`,
    });
    const conf = files.find((f) => f.path === 'systemd/tmpfiles.d/web.conf');
    expect(conf).toBeDefined();
    expect(files.find((f) => f.path === 'systemd/web.service')!.content).toMatch(/install tmpfiles\.d\/web\.conf too/);
    const root = mkdtempSync(join(tmpdir(), 'init-service-tmpfiles-'));
    try {
      const file = join(root, 'web.conf');
      writeFileSync(file, conf!.content!);
      const r = spawnSync('systemd-tmpfiles', ['--create', `--root=${root}`, file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const dir of dirs) expect(statSync(join(root, dir)).isDirectory(), dir).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('no tmpfiles.d file when the logs go straight into /var/log', () => {
    const { files } = systemdFiles({ name: 'web', command: '/usr/bin/web', stdoutLog: '/var/log/web.log' });
    expect(files.map((f) => f.path)).toEqual(['systemd/web.service']);
  });
});

describe('writing directly under / never makes the whole file system writable', () => {
  test('a log in / is opened by systemd itself: no ReadWritePaths=-/', async () => {
    const { generate } = await import('../src/index.js');
    const unit = generate({ name: 'web', command: '/usr/bin/web', stdoutLog: '/web.log' }, { targets: ['systemd'] }).files[0]!.content!;
    expect(unit).toContain('StandardOutput=append:/web.log');
    expect(unit).not.toMatch(/^ReadWritePaths=-?\/$/m);
  });

  test('a pidfile the program writes in / is refused under a sandbox, accepted without one', async () => {
    const { generate } = await import('../src/index.js');
    const spec = { name: 'web', command: '/usr/bin/web', daemonizes: true, pidfile: '/web.pid' };
    expect(() => generate(spec, { targets: ['systemd'] })).toThrow(/pidfile: .* cannot be written to a unit: the program writes it in \//);
    expect(generate({ ...spec, systemd: { hardening: 'off' } }, { targets: ['systemd'] }).files).toHaveLength(1);
  });
});

describe('the v2 description: directories, readiness, switching users, commands, configFile', () => {
  const unit = (spec: Record<string, unknown>) => {
    const { files, unit: name } = unitFiles(systemdFiles({ name: 'web', command: '/usr/bin/web', ...spec }).files);
    return files[name.includes('@') ? `${name}.d/instance.conf` : name]!;
  };

  test('declared directories are created by systemd, mode 0750 unless directoriesMode says otherwise', () => {
    const text = unit({ directories: { state: ['web'], cache: ['web/c'], logs: ['web'], runtime: ['web'] } });
    for (const setting of ['StateDirectory=web', 'CacheDirectory=web/c', 'LogsDirectory=web', 'RuntimeDirectory=web']) expect(text).toMatch(new RegExp(`^${setting}$`, 'm'));
    for (const kind of ['State', 'Cache', 'Logs', 'Runtime']) expect(text).toMatch(new RegExp(`^${kind}DirectoryMode=0750$`, 'm'));
    const open = unit({ directories: { state: ['web'] }, directoriesMode: '755' });
    expect(open).toMatch(/^StateDirectory=web$/m);
    expect(open).not.toMatch(/DirectoryMode=/);
    expect(unit({ directories: { state: ['web'] }, directoriesMode: '0700' })).toMatch(/^StateDirectoryMode=0700$/m);
    // Not writable twice: a working directory inside a declared one needs nothing more.
    const inside = unit({ directories: { cache: ['web'] }, workingDirectory: '{cache}' });
    expect(inside.match(/^CacheDirectory=/gm)).toHaveLength(1);
    expect(inside).not.toMatch(/^ReadWritePaths=/m);
  });

  test('ready "notify" is Type=notify; a foreground program without it Type=exec', () => {
    expect(unit({ ready: 'notify' })).toMatch(/^Type=notify$/m);
    expect(unit({ ready: 'started' })).toMatch(/^Type=exec$/m);
  });

  test('{config} is the configFile in ExecStart= and the config check', () => {
    const text = unit({ configFile: '/etc/web/50% web.conf', args: ['-c', '{config}'], configCheck: ['/usr/bin/web', '-t', '{config}'] });
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/web -c "\/etc\/web\/50%% web\.conf"$/m);
    expect(text).toMatch(/^ExecStartPre=\/usr\/bin\/web -t "\/etc\/web\/50%% web\.conf"$/m);
  });

  test('no table of the origin launcher\'s commands, even when the description opts into them', () => {
    const text = unit({ commands: ['kill', 'zap', 'foreground'] });
    expect(text).not.toMatch(/Commands:|zap|nodaemon|foreground/);
  });

  test('switchesUser: root with setuid/setgid kept, the switch allowed by the system-call filter, no warning', () => {
    const { files, warnings } = systemdFiles({ name: 'web', command: '/usr/bin/web', switchesUser: { user: 'www-data' } });
    const text = unitFiles(files).files['web.service']!;
    expect(warnings.join('\n')).not.toMatch(/runs as root/);
    expect(text).not.toMatch(/^(User|Group|AmbientCapabilities)=/m);
    expect(text).toMatch(/^CapabilityBoundingSet=CAP_SETUID CAP_SETGID$/m);
    expect(text).toMatch(/^SystemCallFilter=@system-service$/m);
    expect(text).not.toMatch(/@privileged/);
    expect(unit({ switchesUser: { user: 'www-data' }, systemd: { hardening: 'strict' } })).toMatch(/^SystemCallFilter=~@resources$/m);
    expect(unit({ switchesUser: { user: 'www-data' }, systemd: { bindPrivilegedPorts: true } })).toMatch(/^CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_NET_BIND_SERVICE$/m);
  });

  test('switchesUser: declared directories are made and handed to that account before start, and writable', () => {
    const text = unit({ switchesUser: { user: 'www-data' }, directories: { state: ['web'], logs: ['web'] }, systemd: { bindPrivilegedPorts: true } });
    // systemd would own StateDirectory= by root (User=) and chown it back on every start.
    expect(text).not.toMatch(/^(State|Logs)Directory/m);
    expect(text).toMatch(/^ExecStartPre=\+\/usr\/bin\/install -d -m 0750 \/var\/lib\/web \/var\/log\/web\nExecStartPre=\+\/usr\/bin\/chown www-data: \/var\/lib\/web \/var\/log\/web$/m);
    expect(text).toMatch(/^ReadWritePaths=-\/var\/lib\/web$/m);
    expect(text).toMatch(/^ReadWritePaths=-\/var\/log\/web$/m);
    // The root master creates in and chowns within directories it no longer owns (nginx: /var/lib/nginx/body).
    expect(text).toMatch(/^CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_CHOWN CAP_DAC_OVERRIDE CAP_NET_BIND_SERVICE$/m);
    expect(unit({ switchesUser: { user: 'www-data', group: 'web' }, directories: { state: ['web'] } })).toMatch(/^ExecStartPre=\+\/usr\/bin\/chown www-data:web \/var\/lib\/web$/m);
  });
});
