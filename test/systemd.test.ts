import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generate, type ServiceSpec } from '../src/index.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { unitFiles, verifyUnit } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

const PROFILES = ['default', 'strict', 'off'] as const;

function systemdFiles(spec: ServiceSpec | Record<string, unknown>) {
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
    const { files, unit } = unitFiles(systemdFiles({ name: 'a', family: 'fam', command: '/usr/bin/a' }).files);
    expect(verifyUnit(files, unit).stderr).toBe('');
    const broken = { ...files, [`${unit}.d/instance.conf`]: `${files[`${unit}.d/instance.conf`]}\n[Service]\nRestart=sometimes\n` };
    expect(verifyUnit(broken, unit).stderr).toMatch(/restart specifier/);
  });

  test('a family instance without its drop-in is refused by systemd (the template holds no ExecStart=)', () => {
    const { files } = unitFiles(systemdFiles({ name: 'a', family: 'fam', command: '/usr/bin/a' }).files);
    const { stderr } = verifyUnit({ 'fam@.service': files['fam@.service']! }, 'fam@other.service');
    expect(stderr).toMatch(/no ExecStart=/);
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

describe('families: a template unit plus one drop-in per instance', () => {
  test('two services of one family share a byte-identical template; each drop-in carries its own ExecStart=', () => {
    const a = systemdFiles({ name: 'alpha', family: 'sites', command: '/usr/bin/a', args: ['x y'], user: 'root' }).files;
    const b = systemdFiles({ name: 'beta', family: 'sites', command: '/usr/bin/b', restart: 'no', systemd: { hardening: 'strict' } }).files;
    expect(a.map((f) => f.path)).toEqual(['systemd/sites@.service', 'systemd/sites@alpha.service.d/instance.conf']);
    expect(b.map((f) => f.path)).toEqual(['systemd/sites@.service', 'systemd/sites@beta.service.d/instance.conf']);
    expect(a[0]!.content).toBe(b[0]!.content);
    expect(a[0]!.content).not.toMatch(/^Exec/m);
    expect(a[1]!.content).toMatch(/^ExecStart=\/usr\/bin\/a "x y"$/m);
    expect(b[1]!.content).toMatch(/^ExecStart=\/usr\/bin\/b$/m);
    expect(a[1]!.content).not.toMatch(/^\[Install\]/m);
    expect(a[0]!.content).toMatch(/^\[Install\]\nWantedBy=multi-user\.target$/m);
  });

  test('a family of two generates into one tree', () => {
    const { files } = generate(
      [
        { name: 'alpha', family: 'sites', command: '/usr/bin/a' },
        { name: 'beta', family: 'sites', command: '/usr/bin/b' },
      ],
      { targets: ['systemd'] },
    );
    expect(files.map((f) => f.path)).toEqual([
      'systemd/sites@.service',
      'systemd/sites@alpha.service.d/instance.conf',
      'systemd/sites@beta.service.d/instance.conf',
    ]);
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

  test('the default profile leaves out what breaks JIT runtimes and /proc readers; strict adds it', () => {
    expect(unit({})).not.toMatch(/^(MemoryDenyWriteExecute|ProcSubset)=/m);
    expect(unit({ systemd: { hardening: 'strict' } })).toMatch(/^MemoryDenyWriteExecute=yes$/m);
    expect(unit({ systemd: { hardening: 'strict' } })).toMatch(/^ProcSubset=pid$/m);
    expect(unit({ systemd: { hardening: 'off' } })).not.toMatch(/^(ProtectSystem|NoNewPrivileges|CapabilityBoundingSet)=/m);
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
    expect(unitFiles(pid.files).files['p.service']).toMatch(/^ReadWritePaths=-\/run$/m);
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
