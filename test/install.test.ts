import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { shWord } from '../src/escape.js';
import { disableCommand, enableSteps } from '../src/install/enable.js';
import { placeFiles } from '../src/install/place.js';
import { generate } from '../src/index.js';
import { cli, treeRecord } from './support/cli.js';
import { OpenrcSandbox, isRoot, uniqueName } from './support/openrc.js';
import { describeWithTools } from './support/tools.js';

const base = mkdtempSync(join(tmpdir(), 'init-service-install-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(base, `root${n++}`);
const mode = (path: string) => statSync(path).mode & 0o777;

describe('install --root (file placement)', () => {
  test('places each file where its init system reads it, with the right modes; port files stay out', () => {
    const root = fresh();
    const r = cli(['install', '--example', 'homesite', '--root', root], base);
    expect(r.stderr).not.toMatch(/init-service:/);
    expect(r.status).toBe(0);
    expect(Object.keys(treeRecord(root))).toEqual([
      'etc/conf.d/restas',
      'etc/conf.d/restas.homesite',
      'etc/init.d/restas',
      'etc/init.d/restas.homesite',
      'etc/systemd/system/restas@.service',
      'usr/local/etc/rc.d/restas',
    ]);
    expect(mode(join(root, 'etc/init.d/restas'))).toBe(0o755);
    expect(readlinkSync(join(root, 'etc/init.d/restas.homesite'))).toBe('restas');
    expect(mode(join(root, 'etc/conf.d/restas.homesite'))).toBe(0o644);
    expect(mode(join(root, 'etc/systemd/system/restas@.service'))).toBe(0o644);
    expect(mode(join(root, 'usr/local/etc/rc.d/restas'))).toBe(0o755);
    expect(r.stdout).toMatch(new RegExp(`^created +${root}/etc/init\\.d/restas\\.homesite -> restas$`, 'm'));
    // Only printed, not run, without --enable.
    expect(r.stdout).toContain(`To enable at boot (or install with --enable):\n  ln -s /etc/init.d/restas.homesite ${root}/etc/runlevels/default/restas.homesite\n`);
    expect(r.stdout).toContain(`  systemctl --root=${root} enable restas@homesite.service\n`);
    expect(r.stdout).toContain(`  sysrc -R ${root} restas_enable=YES restas_profiles+=homesite\n`);
    expect(existsSync(join(root, 'etc/runlevels'))).toBe(false);
  });

  test('rc.d scripts get %%PREFIX%% and %%LOCALBASE%% substituted, under --prefix too', () => {
    const spec = join(base, 'portish.json');
    writeFileSync(spec, JSON.stringify({ name: 'portish', command: '/usr/local/bin/portish', args: ['--config', '/usr/local/etc/portish.conf'] }));
    const generated = generate(JSON.parse(readFileSync(spec, 'utf8')), { targets: ['rcd'] }).files.find((f) => f.path === 'rcd/files/portish.in')!;
    expect(generated.content).toContain('%%PREFIX%%/bin/portish');
    const root = fresh();
    expect(cli(['install', '--spec', spec, '--root', root, '--target', 'rcd', '--prefix', '/opt/pkg'], base).status).toBe(0);
    const script = readFileSync(join(root, 'opt/pkg/etc/rc.d/portish'), 'utf8');
    expect(script).toContain('/opt/pkg/bin/portish');
    expect(script).not.toMatch(/%%[A-Z]+%%/);
    expect(cli(['install', '--spec', spec, '--root', fresh(), '--target', 'rcd', '--prefix', '/opt/my pkg'], base).status).toBe(2);
  });

  test('a generated DIR installs whole, systemd drop-in directories included; overlays and port files are left out', () => {
    const out = join(base, 'generated');
    expect(cli(['generate', '--example', 'homesite', '--out', out], base).status).toBe(0);
    mkdirSync(join(out, 'systemd/web@blog.service.d'), { recursive: true });
    writeFileSync(join(out, 'systemd/web@.service'), '[Service]\nExecStart=/usr/bin/web %i\n[Install]\nWantedBy=multi-user.target\n');
    writeFileSync(join(out, 'systemd/web@blog.service.d/10-blog.conf'), '[Service]\nEnvironment=PORT=1\n');
    mkdirSync(join(out, 'gentoo/www-apps/web'), { recursive: true });
    writeFileSync(join(out, 'gentoo/www-apps/web/web-1.ebuild'), 'EAPI=8\n');
    const root = fresh();
    const r = cli(['install', out, '--root', root, '--target', 'systemd'], base);
    expect(r.status).toBe(0);
    expect(Object.keys(treeRecord(root))).toEqual([
      'etc/systemd/system/restas@.service',
      'etc/systemd/system/web@.service',
      'etc/systemd/system/web@blog.service.d/10-blog.conf',
    ]);
    expect(r.stdout).toContain(`  systemctl --root=${root} enable web@blog.service\n`);
    expect(cli(['install', join(base, 'portish.json'), '--root', fresh()], base).status).toBe(2);
  });

  test('a tmpfiles.d file goes to usr/lib/tmpfiles.d, where its header says and systemd-tmpfiles reads it', () => {
    const spec = join(base, 'logged.json');
    writeFileSync(spec, JSON.stringify({ name: 'logged', command: '/usr/bin/logged', stdoutLog: '/var/log/logged/out.log' }));
    const root = fresh();
    const r = cli(['install', '--spec', spec, '--root', root, '--target', 'systemd'], base);
    expect(r.status).toBe(0);
    expect(Object.keys(treeRecord(root))).toEqual(['etc/systemd/system/logged.service', 'usr/lib/tmpfiles.d/logged.conf']);
    const tmpfiles = readFileSync(join(root, 'usr/lib/tmpfiles.d/logged.conf'), 'utf8');
    expect(tmpfiles).toContain('installed as /usr/lib/tmpfiles.d/logged.conf');
    expect(tmpfiles).toMatch(/^d "?\/var\/log\/logged"? /m);
    expect(mode(join(root, 'usr/lib/tmpfiles.d/logged.conf'))).toBe(0o644);
  });

  test('never overwrites a file that differs without --force; identical files are left alone', async () => {
    const root = fresh();
    expect(cli(['install', '--example', 'homesite', '--root', root], base).status).toBe(0);
    const conf = join(root, 'etc/conf.d/restas.homesite');
    const script = join(root, 'etc/init.d/restas');
    const mtime = statSync(script).mtimeMs;
    writeFileSync(conf, 'rc_need="net.eth1"  # the admin\'s edit\n');
    const before = treeRecord(root);
    const refused = cli(['install', '--example', 'homesite', '--root', root], base);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(conf);
    expect(refused.stderr).toMatch(/nothing was written/);
    expect(treeRecord(root)).toEqual(before);
    await new Promise((r) => setTimeout(r, 20));
    const forced = cli(['install', '--example', 'homesite', '--root', root, '--force'], base);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/^updated +.*conf\.d\/restas\.homesite$/m);
    expect(forced.stdout).toMatch(/^unchanged +.*init\.d\/restas$/m);
    // The generated conf.d again: the admin's edit is gone.
    expect(readFileSync(conf, 'utf8')).toMatch(/^# Settings of restas\.homesite alone\./m);
    expect(readFileSync(conf, 'utf8')).not.toContain('net.eth1');
    expect(statSync(script).mtimeMs).toBe(mtime);
  });

  test('--dry-run prints files, a diff and the enable commands, and changes nothing', () => {
    const root = fresh();
    const r = cli(['install', '--example', 'homesite', '--root', root, '--dry-run', '--enable'], base);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^create +0755 ${root}/etc/init\\.d/restas$`, 'm'));
    expect(r.stdout).toMatch(/^would run:\n {2}ln -s \/etc\/init\.d\/restas\.homesite /m);
    expect(existsSync(root)).toBe(false);
    cli(['install', '--example', 'homesite', '--root', root], base);
    const unit = join(root, 'etc/systemd/system/restas@.service');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('RestartSec=1', 'RestartSec=9'));
    const before = treeRecord(root);
    const diff = cli(['install', '--example', 'homesite', '--root', root, '--dry-run'], base);
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('--- a/etc/systemd/system/restas@.service\n');
    expect(diff.stdout).toMatch(/^-RestartSec=9\n\+RestartSec=1$/m);
    expect(treeRecord(root)).toEqual(before);
  });

  test('into / it picks the init system running here, or asks for --target (shown with --dry-run: nothing is written)', () => {
    const r = cli(['install', '--example', 'homesite', '--dry-run'], base);
    if (existsSync('/run/openrc') || existsSync('/run/systemd/system')) {
      expect(r.status === 0 || r.status === 1).toBe(true);
      expect(r.stderr).toMatch(/^installing for (openrc|systemd)/m);
      expect(r.stdout).not.toMatch(/usr\/local\/etc\/rc\.d/);
    } else {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/pass --target/);
    }
  });

  test('usage errors exit 2', () => {
    expect(cli(['install'], base).status).toBe(2);
    expect(cli(['install', base, '--example', 'homesite'], base).status).toBe(2);
    expect(cli(['install', base, '--root', fresh()], base).status).toBe(2);
    expect(cli(['install', base, '--templates', base, '--root', fresh()], base).status).toBe(2);
  });
});

describe('install --enable under --root', () => {
  test('OpenRC gets its runlevel link, reported; exit 0; enabling again is fine', () => {
    const root = fresh();
    const r = cli(['install', '--example', 'homesite', '--root', root, '--target', 'openrc', '--enable'], base);
    expect(r.stderr).not.toMatch(/init-service:/);
    expect(r.status).toBe(0);
    expect(readlinkSync(join(root, 'etc/runlevels/default/restas.homesite'))).toBe('/etc/init.d/restas.homesite');
    expect(r.stdout).toMatch(/^enabled +restas\.homesite: ln -s /m);
    expect(cli(['install', '--example', 'homesite', '--root', root, '--target', 'openrc', '--enable'], base).status).toBe(0);
  });

  // A machine with sysrc (FreeBSD) would enable for real: an empty PATH hides it, so this checks the failure report everywhere.
  test('a step that fails (sysrc is not on Linux) is reported and makes the exit status 1; the files stay installed', () => {
    const root = fresh();
    const noTools = join(base, 'no-sysrc-path');
    mkdirSync(noTools, { recursive: true });
    const r = cli(['install', '--example', 'homesite', '--root', root, '--target', 'rcd', '--enable'], base, { PATH: noTools });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAILED +restas: sysrc -R .* restas_enable=YES restas_profiles\+=homesite\n +sysrc is not installed here$/m);
    expect(r.stderr).toMatch(/the files are installed, but 1 of 1 enable steps failed/);
    expect(existsSync(join(root, 'usr/local/etc/rc.d/restas'))).toBe(true);
  });
});

describeWithTools(['systemctl'])('install --enable under --root, systemd', () => {
  test('the template instance gets its wants link (systemctl --root), reported; exit 0', () => {
    const root = fresh();
    const r = cli(['install', '--example', 'homesite', '--root', root, '--target', 'openrc,systemd', '--enable'], base);
    expect(r.stderr).not.toMatch(/init-service:/);
    expect(r.status).toBe(0);
    expect(lstatSync(join(root, 'etc/systemd/system/multi-user.target.wants/restas@homesite.service')).isSymbolicLink()).toBe(true);
    expect(r.stdout).toMatch(/^enabled +restas@homesite\.service: systemctl --root=/m);
  });
});

describe('enabling a family whose members the files alone do not name', () => {
  test('from the descriptions: systemd instances of the template, rc.d profiles of the family script', () => {
    const r = cli(['install', '--example', 'lisp-site', '--root', fresh(), '--target', 'systemd,rcd', '--dry-run'], base);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}sysrc -R \S+ lisp_site_enable=YES lisp_site_profiles\+=alpha lisp_site_profiles\+=beta$/m);
    expect(r.stdout).toMatch(/^ {2}systemctl --root=\S+ enable lisp-site@alpha\.service$/m);
    expect(r.stdout).toMatch(/^ {2}systemctl --root=\S+ enable lisp-site@beta\.service$/m);
  });

  test('from a generated tree: the members named by its OpenRC instance links', () => {
    const placed = placeFiles(generate([{ name: 'a', family: 'f', command: '/usr/bin/f' }, { name: 'b', family: 'f', command: '/usr/bin/f' }]).files, ['openrc', 'rcd', 'systemd']);
    expect(placed.services.filter((s) => s.target !== 'openrc')).toEqual([
      { target: 'rcd', name: 'f', profiles: ['a', 'b'] },
      { target: 'systemd', name: 'f@a.service' },
      { target: 'systemd', name: 'f@b.service' },
    ]);
  });
});

describe('disabling, the inverse of enabling', () => {
  test('a family\'s rc.d profiles are taken back with its enable knob', () => {
    expect(disableCommand({ target: 'rcd', name: 'lisp_site', profiles: ['alpha', 'beta'] })).toBe('service lisp_site onestop; sysrc -x lisp_site_enable lisp_site_profiles');
    expect(disableCommand({ target: 'rcd', name: 'redis' })).toBe('service redis onestop; sysrc -x redis_enable');
    expect(disableCommand({ target: 'openrc', name: 'web' })).toBe('rc-service web stop; rc-update del web default');
  });
});

describe('placeFiles', () => {
  test('the enable commands shown are shell words: pasted into sh they give back each argument', () => {
    const root = "/tmp/it's a root\\";
    const steps = enableSteps([{ target: 'openrc', name: 'web' }, { target: 'rcd', name: 'web' }, { target: 'systemd', name: 'web.service' }], root);
    const words = (shown: string) => spawnSync('sh', ['-c', `printf '%s\\n' ${shown}`], { encoding: 'utf8' }).stdout.split('\n').slice(0, -1);
    expect(words(steps[0]!.shown)).toEqual(['ln', '-s', '/etc/init.d/web', `${root}/etc/runlevels/default/web`]);
    for (const step of steps.slice(1)) expect(words(step.shown)).toEqual(step.argv);
    expect(steps[1]!.shown).toBe(`sysrc -R ${shWord(root)} web_enable=YES`);
  });

  test('refuses a link OpenRC could not follow and an rc.d variable only the ports tree knows', () => {
    expect(() => placeFiles([{ path: 'openrc/init.d/x.y', mode: 0o777, linkTarget: '../x' }], ['openrc'])).toThrow(/same|beside/);
    expect(() => placeFiles([{ path: 'rcd/files/x.in', mode: 0o755, content: '%%DATADIR%%/x\n' }], ['rcd'])).toThrow(/%%DATADIR%%/);
  });
});

const openrcReady = { ok: isRoot, why: 'root (OpenRC switches users; installing into /etc)' };

describeWithTools(['openrc-run', 'supervise-daemon', 'rc-update', 'rc-service', 'gcc'], openrcReady)('real OpenRC', () => {
  test('an installed family instance starts and stops when run from the temporary root', async () => {
    const box = new OpenrcSandbox();
    const family = uniqueName('isvi');
    const entry = `${family}.web`;
    const root = join(box.dir, 'root');
    const script = join(root, 'etc/init.d', entry);
    const rc = (command: string) => spawnSync(script, [command], { cwd: '/', encoding: 'utf8', timeout: 20_000 });
    try {
      const spec = join(box.dir, 'web.json');
      writeFileSync(spec, JSON.stringify({ name: 'web', family, command: box.probe, args: ['installed'], user: 'nobody', workingDirectory: box.work }));
      expect(cli(['install', '--spec', spec, '--root', root, '--target', 'openrc'], base).status).toBe(0);
      const start = rc('start');
      expect(`${start.stdout}${start.stderr}`).not.toMatch(/ERROR/);
      expect(start.status).toBe(0);
      const seen = await box.waitForRecord(1);
      expect(seen.argv).toEqual([box.probe, 'installed']);
      expect(seen.uid).toBe(65534);
      expect(rc('stop').status).toBe(0);
    } finally {
      rc('stop');
      rc('zap');
      box.cleanup([]);
    }
  });

  test('install --enable into / runs rc-update add; the service starts with rc-service; then everything is removed', async () => {
    const box = new OpenrcSandbox();
    const family = uniqueName('isvl');
    const entry = `${family}.web`;
    const placed = [`/etc/init.d/${family}`, `/etc/init.d/${entry}`, `/etc/conf.d/${family}`, `/etc/conf.d/${entry}`];
    const rcService = (command: string) => spawnSync('rc-service', [entry, command], { encoding: 'utf8', timeout: 20_000 });
    try {
      const spec = join(box.dir, 'web.json');
      writeFileSync(spec, JSON.stringify({ name: 'web', family, command: box.probe, args: ['live'], user: 'nobody', workingDirectory: box.work }));
      const r = cli(['install', '--spec', spec, '--target', 'openrc', '--enable'], base);
      expect(r.stderr).not.toMatch(/init-service:/);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^enabled +${entry}: rc-update add ${entry} default`, 'm'));
      expect(r.stdout).toContain(`To start now:\n  rc-service ${entry} start\n`);
      for (const path of placed) expect(existsSync(path), path).toBe(true);
      expect(readlinkSync(`/etc/runlevels/default/${entry}`)).toBe(`/etc/init.d/${entry}`);
      const start = rcService('start');
      expect(`${start.stdout}${start.stderr}`).not.toMatch(/ERROR/);
      expect(start.status).toBe(0);
      expect((await box.waitForRecord(1)).argv).toEqual([box.probe, 'live']);
      expect(rcService('stop').status).toBe(0);
    } finally {
      rcService('stop');
      rcService('zap');
      spawnSync('rc-update', ['del', entry, 'default'], { encoding: 'utf8' });
      for (const path of placed) rmSync(path, { force: true });
      box.cleanup([]);
    }
    expect(existsSync(`/etc/runlevels/default/${entry}`)).toBe(false);
    for (const path of placed) expect(existsSync(path)).toBe(false);
  });
});
