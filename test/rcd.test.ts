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
  test('a foreground program: daemon(8) as root with -P, -p, -r, -t; no daemon -u, no ${name}_user', () => {
    const { script } = rcd({ name: 'web', command: '/usr/local/bin/web', args: ['--port', '8080'], user: 'www' });
    expect(line(script, /^command_args=/)).toBe(
      `command_args="-f -P /var/run/web.pid -p /var/run/web.child.pid -r -t web /usr/sbin/chroot -u %%WEB_USER%% -g %%WEB_GROUP%% -G %%WEB_GROUP%% / /bin/sh -c 'cd \\"\\$1\\" && shift && exec \\"\\$@\\"' sh \\"\\\${web_chdir:-/}\\" %%PREFIX%%/bin/web --port 8080"`,
    );
    expect(script).toMatch(/^command='\/usr\/sbin\/daemon'$/m);
    expect(script).toMatch(/^pidfile='\/var\/run\/web\.pid'$/m);
    expect(line(script, /^command_args=/)!.split('/usr/sbin/chroot')[0]).not.toContain(' -u ');
    expect(script).not.toMatch(/^: "\$\{web_user/m);
  });

  test('root: no chroot(8), no sh, and no quoting guard for plain arguments', () => {
    const { script } = rcd({ name: 'web', command: '/usr/bin/web', args: ['-v'], user: 'root' });
    expect(line(script, /^command_args=/)).toBe(`command_args='-f -P /var/run/web.pid -p /var/run/web.child.pid -r -t web /usr/bin/web -v'`);
    expect(script).not.toMatch(/checkquoting|start_precmd/);
  });

  test('restart "no" drops -r; logs add -o, -m, -H, the directory, and a newsyslog hint', () => {
    const { script } = rcd({ name: 'web', command: '/usr/bin/web', user: 'root', restart: 'no', stdoutLog: '/var/log/web/out.log' });
    expect(line(script, /^command_args=/)).toBe(`command_args='-f -P /var/run/web.pid -p /var/run/web.child.pid -t web -o /var/log/web/out.log -m 1 -H /usr/bin/web'`);
    expect(script).toContain('\tinstall -d -m 0755 /var/log/web\n');
    expect(script).toContain('#   /var/log/web/out.log\t600\t7\t*\t@T00\tJC\t/var/run/web.pid\n');
  });

  test('group: chroot -g/-G under daemon(8); a warning for a program that daemonizes', () => {
    expect(rcd({ name: 'a', command: '/usr/bin/a', user: 'www', group: 'staff' }).warnings.filter((w) => w.includes('group'))).toEqual([]);
    const forking = rcd({ name: 'b', command: '/usr/bin/b', user: 'www', group: 'staff', daemonizes: true, pidfile: '/var/run/b/b.pid' });
    expect(forking.warnings).toEqual([expect.stringContaining('group "staff" is not applied by "start"')]);
    expect(rcd({ name: 'a', command: '/usr/bin/a', user: 'www', group: 'staff' }).make).toContain('GROUPS=\t\tstaff\n');
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

  test('a pidfile under /run gets a warning: FreeBSD has /var/run', () => {
    expect(rcd({ name: 'f', command: '/usr/sbin/f', user: 'root', daemonizes: true, pidfile: '/run/f.pid' }).warnings).toEqual([
      expect.stringContaining('/run, which FreeBSD does not have'),
    ]);
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
    const { script } = rcd({ name: 'k', command: '/usr/bin/k', user: 'root' });
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
      'USERS=\t\tcc www',
      'GROUPS=\t\tstaff www',
      'SUB_LIST+=\tC_USER=cc C_GROUP=staff WEB_A_USER=www WEB_A_GROUP=www',
    ]);
    expect(text('rcd/files/web_a.in')).toContain('/usr/sbin/chroot -u %%WEB_A_USER%% -g %%WEB_A_GROUP%%');
    expect(text('rcd/pkg-plist').split('\n').filter((l) => l.startsWith('@stopdaemon'))).toEqual(['@stopdaemon c']);
  });
});
