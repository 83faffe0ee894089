import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { rcSubrParam, shAssign, shWords } from '../src/escape.js';
import { generate, SpecError } from '../src/index.js';
import { describeWithTools } from './support/tools.js';

function rcd(spec: Record<string, unknown>) {
  const { files, warnings } = generate(spec, { targets: ['rcd'] });
  const by = (re: RegExp) => files.find((f) => re.test(f.path))!.content!;
  return { script: by(/^rcd\/files\/.*\.in$/), plist: by(/pkg-plist$/), make: by(/Makefile\.snippet$/), warnings, files };
}

const line = (text: string, re: RegExp) => text.split('\n').find((l) => re.test(l));

describe('FreeBSD rc.d target', () => {
  test('a foreground program run as a user: rc.subr\'s ${name}_user (su -m) starts daemon(8); pidfiles in a directory of the user\'s', () => {
    const { script } = rcd({ name: 'web', command: '/usr/local/bin/web', args: ['--port', '8080'], user: 'www' });
    expect(line(script, /^command_args=/)).toBe(`command_args='-f -P /var/run/web/web.pid -p /var/run/web/web.child.pid -r -S -T web %%PREFIX%%/bin/web --port 8080'`);
    expect(script).toMatch(/^command='\/usr\/sbin\/daemon'$/m);
    expect(script).toMatch(/^pidfile=\/var\/run\/web\/web\.pid$/m);
    expect(script).toContain(': "${web_user="%%WEB_USER%%"}"\n');
    expect(script).toContain(': "${web_group="%%WEB_GROUP%%"}"\n');
    expect(script).toContain('\tinstall -d -o "${web_user:-root}" -g "${web_group:-0}" -m 0750 /var/run/web || return 1\n');
    expect(script).not.toMatch(/chroot| -u |checkquoting/);
    // The handbook's header only: no pragmas (verify leaves out rc.subr's by-design shellcheck findings), no command list.
    expect(script).not.toMatch(/shellcheck|Commands:/);
    expect(script).not.toMatch(/ -t web /);
  });

  test('words su -m cannot carry: chroot(8) -u under a root daemon(8), root-owned pidfiles, no ${name}_user, and a warning', () => {
    const { script, warnings } = rcd({ name: 'web', command: '/usr/local/bin/web', args: ['--port', '8080', "it's"], user: 'www', restart: 'always' });
    expect(line(script, /^command_args=/)).toContain(`-P /var/run/web.pid -p /var/run/web.child.pid -r -S -T web /usr/sbin/chroot -u %%WEB_USER%% -g %%WEB_GROUP%% -G %%WEB_GROUP%% / /bin/sh -c`);
    expect(script).not.toMatch(/web_user=/);
    expect(warnings).toEqual([expect.stringContaining('through chroot(8) -u under daemon(8), not the tree\'s web_user')]);
  });

  test('root: no ${name}_user, pidfiles in /var/run, and no quoting guard for plain arguments', () => {
    const { script } = rcd({ name: 'web', command: '/usr/bin/web', args: ['-v'], user: 'root' });
    expect(line(script, /^command_args=/)).toBe(`command_args='-f -P /var/run/web.pid -p /var/run/web.child.pid -r -S -T web %%PREFIX%%/bin/web -v'`);
    expect(script).not.toMatch(/checkquoting/);
  });

  test('without a log file the output goes to syslog (-S -T NAME): -f alone would discard it (daemon(8))', () => {
    const { script } = rcd({ name: 'web', command: '/usr/bin/web', user: 'root' });
    expect(line(script, /^command_args=/)).toContain(' -S -T web ');
    expect(line(rcd({ name: 'web', command: '/usr/bin/web', user: 'root', stdoutLog: '/var/log/web.log' }).script, /^command_args=/)).not.toContain('-S');
  });

  test('restart "no" drops -r; logs add -o, -m, -H, the directory, and a newsyslog hint', () => {
    const { script } = rcd({ name: 'web', command: '/usr/bin/web', user: 'root', restart: 'no', stdoutLog: '/var/log/web/out.log' });
    expect(line(script, /^command_args=/)).toBe(`command_args='-f -P /var/run/web.pid -p /var/run/web.child.pid -t web -o /var/log/web/out.log -m 1 -H %%PREFIX%%/bin/web'`);
    expect(script).toContain('\tinstall -d -m 0750 /var/log/web || return 1\n');
    expect(script).toContain('(-H reopens it):\t/var/log/web/out.log\t600\t7\t*\t@T00\tJC\t/var/run/web.pid\n');
  });

  test('group: rc.subr gives the program the user\'s groups (_group only with _chroot): a warning when it differs from the user', () => {
    expect(rcd({ name: 'a', command: '/usr/bin/a', user: 'www', group: 'staff', restart: 'always' }).warnings).toEqual([expect.stringContaining('group "staff" is not applied by "start"')]);
    expect(rcd({ name: 'a', command: '/usr/bin/a', user: 'www', group: 'www' }).warnings.filter((w) => w.includes('group'))).toEqual([]);
    const forking = rcd({ name: 'b', command: '/usr/bin/b', user: 'www', group: 'staff', daemonizes: true, pidfile: '/var/run/b/b.pid' });
    expect(forking.warnings).toEqual([expect.stringContaining('group "staff" is not applied by "start"')]);
    // staff (20) and www (80) are the base system's (/etc/group, /etc/master.passwd): no port registers them.
    expect(rcd({ name: 'a', command: '/usr/bin/a', user: 'www', group: 'staff' }).make).not.toMatch(/^(USERS|GROUPS)=/m);
    expect(rcd({ name: 'a', command: '/usr/bin/a', user: 'a', group: 'staff' }).make).toMatch(/^USERS=\t\ta\n(?!GROUPS)/m);
  });

  test('Makefile.snippet: USE_RC_SUBR, USERS/GROUPS and SUB_LIST for the account tokens; nothing for root', () => {
    expect(rcd({ name: 'my-app', command: '/usr/bin/a', user: 'myapp' }).make.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'USE_RC_SUBR=\tmy_app',
      'USERS=\t\tmyapp',
      'GROUPS=\t\tmyapp',
      'SUB_LIST+=\tMY_APP_USER=myapp MY_APP_GROUP=myapp',
    ]);
    const root = rcd({ name: 'a', command: '/usr/bin/a', user: 'root' });
    expect(root.make.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['USE_RC_SUBR=\ta']);
    expect(root.script).not.toMatch(/%%A_USER%%/);
  });

  test('a program that daemonizes: command, its pidfile, ${name}_user, command_interpreter from %%LOCALBASE%%', () => {
    const { script, warnings } = rcd({
      name: 'app',
      command: '/usr/local/libexec/app.py',
      interpreter: '/usr/local/bin/python3.11',
      user: 'app',
      daemonizes: true,
      pidfile: '/var/run/app.pid',
      stopSignal: 'INT',
    });
    expect(script).toMatch(/^command='%%PREFIX%%\/libexec\/app\.py'$/m);
    expect(script).toMatch(/^command_interpreter='%%LOCALBASE%%\/bin\/python3\.11'$/m);
    expect(script).toMatch(/^: "\$\{app_user="%%APP_USER%%"\}"$/m);
    expect(script).toMatch(/^sig_stop=INT$/m);
    // Directly under /var/run, which is root's: the pidfile itself is handed over (checklist item 16).
    expect(script).toContain('\tinstall -o "${app_user:-root}" -m 0644 /dev/null /var/run/app.pid\n');
    expect(warnings).toEqual([]);
  });

  test('under daemon(8) the interpreter is not command_interpreter (rc.subr tracks daemon), said in a comment', () => {
    const { script } = rcd({ name: 'app', command: '/usr/local/libexec/app.js', interpreter: '/usr/local/bin/node', user: 'root' });
    expect(script).not.toMatch(/^command_interpreter=/m);
    expect(script).toContain('# No command_interpreter: rc.subr tracks daemon(8), not %%LOCALBASE%%/bin/node.\n');
  });

  test('a pidfile under /run is /var/run on FreeBSD, with no warning', () => {
    const { script, warnings } = rcd({ name: 'f', command: '/usr/sbin/f', user: 'root', daemonizes: true, pidfile: '/run/f.pid' });
    expect(script).toMatch(/^pidfile=\/var\/run\/f\.pid$/m);
    expect(script).toMatch(/^command='%%PREFIX%%\/sbin\/f'$/m);
    expect(warnings).toEqual([]);
  });

  test('nice in the description is n_prepend="nice -n N" (no sh -c layer), and the guard refuses an admin\'s n_nice', () => {
    const niced = rcd({ name: 'n', command: '/usr/bin/n', user: 'root', nice: 5, args: ['$HOME'] }).script;
    expect(niced).toContain(': "${n_prepend="nice -n 5"}"\n');
    expect(niced).not.toMatch(/^: "\$\{n_nice=/m);
    for (const script of [niced, rcd({ name: 'n', command: '/usr/bin/n', user: 'root', args: ['$HOME'] }).script]) {
      expect(script).toContain('\tif [ -n "${n_nice}" ]; then\n');
      expect(script).toContain('use n_prepend=\\"nice -n N\\" instead');
    }
  });

  test('kill signals only pids rc.subr checked; the child pid is read only while daemon(8) runs', () => {
    const { script } = rcd({ name: 'k', command: '/usr/bin/k', user: 'root', commands: ['kill', 'zap'] });
    const kill = script.slice(script.indexOf('k_kill()'), script.indexOf('k_zap()'));
    expect(kill).toContain('\tif [ -n "${rc_pid}" ]; then\n\t\tkill -KILL "${rc_pid}"\n\t\tif [ -r /var/run/k.child.pid ]; then');
    expect(kill).not.toMatch(/cat \/var\/run\/k\.pid/);
  });

  test('pkg-plist: modern by default, legacy adds @stopdaemon', () => {
    expect(rcd({ name: 'd', command: '/usr/bin/d' }).plist).not.toMatch(/^@stopdaemon/m);
    expect(rcd({ name: 'd', command: '/usr/bin/d', freebsd: { plist: 'legacy' } }).plist).toMatch(/^@stopdaemon d$/m);
  });

  test('an interpreter rc.subr cannot evaluate is refused with the field and the reason', () => {
    expect(() => rcd({ name: 'a', command: '/usr/bin/a.py', interpreter: '/opt/my python/bin/python', daemonizes: true, pidfile: '/var/run/a.pid' })).toThrow(SpecError);
    try {
      rcd({ name: 'a', command: '/usr/bin/a.py', interpreter: '/opt/my python/bin/python', daemonizes: true, pidfile: '/var/run/a.pid' });
    } catch (error) {
      expect((error as SpecError).problems).toEqual([expect.objectContaining({ path: 'interpreter', message: expect.stringContaining('command_interpreter') })]);
    }
  });
});

describeWithTools(['dash', 'bash'])('rcSubrParam: an rc.conf reference rc.subr expands when it evaluates the line', () => {
  for (const shell of ['dash', 'bash']) {
    const run = (script: string) => execFileSync(shell, ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    test(shell, () => {
      const doit = `_doit=${shAssign(`${shWords(['printf', '%s\\0', 'a b', '$x'])} ${rcSubrParam('svc_chdir', '/')}`)}`;
      expect(run(`svc_chdir='/var/db/my dir'\n${doit}\neval "$_doit"`)).toEqual(['a b', '$x', '/var/db/my dir']);
      expect(run(`${doit}\neval "$_doit"`)).toEqual(['a b', '$x', '/']);
    });
  }
});

describe('one port, several scripts', () => {
  test('pkg-plist and Makefile.snippet list every script of the tree, each account under its own SUB_LIST tokens', () => {
    const { files } = generate(
      [
        { name: 'web-a', command: '/usr/bin/a', user: 'www' },
        { name: 'b', command: '/usr/bin/b', user: 'root' },
        { name: 'c', command: '/usr/bin/c', user: 'cc', group: 'staff', freebsd: { plist: 'legacy' } },
      ],
      { targets: ['rcd'] },
    );
    const text = (path: string) => files.find((f) => f.path === path)!.content!;
    expect(files.map((f) => f.path)).toEqual(['rcd/Makefile.snippet', 'rcd/files/b.in', 'rcd/files/c.in', 'rcd/files/web_a.in', 'rcd/pkg-plist']);
    expect(text('rcd/Makefile.snippet').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'USE_RC_SUBR=\tb c web_a',
      // www and staff are the base system's: no port registers them in ports/UIDs, ports/GIDs.
      'USERS=\t\tcc',
      'SUB_LIST+=\tC_USER=cc C_GROUP=staff WEB_A_USER=www WEB_A_GROUP=www',
    ]);
    expect(text('rcd/files/web_a.in')).toContain(': "${web_a_user="%%WEB_A_USER%%"}"\n');
    expect(text('rcd/files/c.in')).toContain(': "${c_group="%%C_GROUP%%"}"\n');
    expect(text('rcd/pkg-plist').split('\n').filter((l) => !l.startsWith('@comment'))).toEqual([
      '@preunexec %D/etc/rc.d/b forcestop 2>/dev/null || true',
      '@preunexec %D/etc/rc.d/web_a forcestop 2>/dev/null || true',
      '@stopdaemon c',
      '',
    ]);
  });
});

describe('pkg-plist (issue 18): stop on deinstall in the form current pkg accepts', () => {
  const plist = (style?: string) =>
    generate({ name: 'my-app', command: '/usr/bin/a', user: 'root', ...(style ? { freebsd: { plist: style } } : {}) }, { targets: ['rcd'] }).files.find((f) => f.path === 'rcd/pkg-plist')?.content;

  test('modern (default): @preunexec ... forcestop, with the handbook\'s advice; never the rc script itself', () => {
    const text = plist()!;
    expect(text).toContain('\n@preunexec %D/etc/rc.d/my_app forcestop 2>/dev/null || true\n');
    expect(text).toMatch(/^@comment .*only when really needed/m);
    expect(text).not.toMatch(/^@stopdaemon|^etc\/rc\.d|^%%PREFIX%%/m);
    expect(text.split('\n').filter((l) => l && !l.startsWith('@comment'))).toHaveLength(1);
  });

  test('legacy: @stopdaemon NAME only', () => {
    const text = plist('legacy')!;
    expect(text.split('\n').filter((l) => l && !l.startsWith('@comment'))).toEqual(['@stopdaemon my_app']);
  });

  test('none: no fragment at all', () => {
    expect(plist('none')).toBeUndefined();
  });
});

describe('accounts (issue 18): USERS/GROUPS register system accounts only', () => {
  test('a personal account (the homesite example\'s andrey) is left out, and Makefile.snippet says so once', () => {
    const { make, warnings } = rcd({ name: 'site', command: '/usr/bin/sbcl', user: 'root', switchesUser: { user: 'andrey' } });
    expect(make).not.toMatch(/^(USERS|GROUPS)=/m);
    expect(make).toMatch(/^# ports\/GIDs: andrey looks like a person's login; create it on the host\.$/m);
    expect(warnings.join('\n')).not.toMatch(/andrey/);
  });

  test('an account named for the service is registered; the base system\'s are not', () => {
    expect(rcd({ name: 'memcached', command: '/usr/bin/memcached', user: 'memcache' }).make).toMatch(/^USERS=\t\tmemcache\nGROUPS=\t\tmemcache$/m);
    expect(rcd({ name: 'x', command: '/usr/bin/x', user: 'nobody' }).make).not.toMatch(/^(USERS|GROUPS)=/m);
  });

  test('Debian\'s www-data is FreeBSD\'s www, with a note', () => {
    const { script, warnings } = rcd({ name: 'web', command: '/usr/sbin/web', switchesUser: { user: 'www-data' }, directories: { logs: ['web'] } });
    expect(script).toContain('install -d -o www -g www -m 0750 /var/log/web');
    expect(script).not.toContain('www-data');
    expect(warnings).toContainEqual(expect.stringContaining('"www-data" is Debian\'s web server account; the FreeBSD files use www'));
  });
});

describe('families (issue 18): one script named after the family, its members ${name}_profiles', () => {
  const member = (name: string) => ({ name, family: 'lisp-site', command: '/usr/bin/sbcl', configFile: '/etc/lisp-site/{instance}.lisp', args: ['{config}'], user: 'lisp-site', directories: { cache: ['lisp-site/{instance}'] } });

  test('members share lisp_site.in; no member name becomes an rc name; {instance} is "${profile}"', () => {
    const { files } = generate([member('alpha'), member('beta')], { targets: ['rcd'] });
    expect(files.map((f) => f.path)).toEqual(['rcd/Makefile.snippet', 'rcd/files/lisp_site.in', 'rcd/pkg-plist']);
    const script = files.find((f) => f.path === 'rcd/files/lisp_site.in')!.content!;
    expect(script).toMatch(/^# PROVIDE: lisp_site$/m);
    expect(script).not.toMatch(/alpha|beta/);
    expect(script).toContain('\t[ -n "${lisp_site_config+set}" ] || lisp_site_config=%%PREFIX%%/etc/lisp-site/"${profile}".lisp\n');
    expect(script).toMatch(/^pidfile=\/var\/run\/lisp_site\/"\$\{profile\}"\.pid$/m);
    expect(script).toContain('/var/cache/lisp-site/"${profile}" || return 1\n');
    expect(files.find((f) => f.path === 'rcd/Makefile.snippet')!.content).toMatch(/^USE_RC_SUBR=\tlisp_site$/m);
    expect(files.find((f) => f.path === 'rcd/pkg-plist')!.content).toContain('@preunexec %D/etc/rc.d/lisp_site forcestop');
  });

  test('a member name with - or . is a profile as it is; its rc.conf variables spell them _', () => {
    const script = generate(member('eu-1'), { targets: ['rcd'] }).files.find((f) => f.path === 'rcd/files/lisp_site.in')!.content!;
    expect(script).toContain('\t_p=$(echo "${profile}" | tr .- __)\n');
    expect(script).toMatch(/lisp_site_\$\{_p\}_\$\{_k\}/);
  });
});
