import { describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { specProblems } from './support/spec-error.js';

const base = { name: 'web', command: '/usr/bin/web' };
const openrc = (spec: Record<string, unknown>) => generate({ ...base, ...spec }, { targets: ['openrc'] });
const problems = (spec: Record<string, unknown>): string[] => specProblems(() => openrc(spec));
const confd = (spec: Record<string, unknown>) => openrc(spec).files.find((f) => f.path === 'openrc/conf.d/web')!.content!;

describe('OpenRC field mapping', () => {
  test('restart on: supervise-daemon with respawn settings; "no": start-stop-daemon, never respawned', () => {
    for (const line of [/^supervisor='supervise-daemon'$/m, /^respawn_delay='1'$/m, /^respawn_max='5'$/m, /^respawn_period='60'$/m]) {
      expect(confd({ restart: 'always' })).toMatch(line);
    }
    expect(confd({ restart: 'always' })).not.toMatch(/^command_background=/m);
    expect(confd({ restart: 'no' })).toMatch(/^command_background='true'$/m);
    expect(confd({ restart: 'no' })).not.toMatch(/^supervisor=/m);
  });

  test('a program that forks keeps its own pidfile, and the restart it cannot get is said out loud', () => {
    const spec = { daemonizes: true, pidfile: '/run/web.pid', restart: 'always' };
    expect(confd(spec)).toMatch(/^pidfile='\/run\/web.pid'$/m);
    expect(confd(spec)).not.toMatch(/^(supervisor|command_background)=/m);
    expect(openrc(spec).warnings.join('\n')).toMatch(/restart "always" is not carried for a program that daemonizes itself/);
    expect(openrc({ ...spec, restart: 'no' }).warnings).toEqual([]);
  });

  test('on-failure respawns after a clean exit too, and says so', () => {
    expect(openrc({ restart: 'on-failure' }).warnings.join('\n')).toMatch(/respawns after any exit/);
  });

  test('a core size other than 0 or unlimited is refused: its ulimit unit depends on the shell', () => {
    expect(problems({ limits: { core: 1024 } }).join('\n')).toMatch(/^limits\.core: .*512 bytes in dash and 1024 in bash/m);
    expect(problems({ limits: { core: 0, nofile: 10, nproc: 5 } })).toEqual([]);
    expect(problems({ limits: { core: 'unlimited' } })).toEqual([]);
  });

  test.each(['IFS', 'PATH', 'RC_SVCNAME', 'SSD_NICELEVEL', 'command', 'pidfile', 'rc_need', 'supervise_daemon_args', '_n', '_command_arg_1'])(
    'environment name %s is refused: conf.d is sourced by openrc-run itself',
    (name) => {
      expect(problems({ environment: { [name]: 'x' } }).join('\n')).toMatch(new RegExp(`^environment\\.${name}: \\(openrc\\) cannot be set for OpenRC`, 'm'));
    },
  );

  test.each(['_JAVA_OPTIONS', 'LANG', 'Command'])('environment name %s is accepted', (name) => {
    expect(problems({ environment: { [name]: 'x' } })).toEqual([]);
  });

  test('paths that OpenRC would split or expand are refused', () => {
    expect(problems({ workingDirectory: '/srv/my site' }).join('\n')).toMatch(/^workingDirectory: .*eval/m);
    expect(problems({ stdoutLog: '/var/log/$x.log' }).join('\n')).toMatch(/^stdoutLog: /m);
  });

  test('the ebuild snippet depends on the accounts it runs as, not on root', () => {
    const snippet = (spec: Record<string, unknown>) => generate({ ...base, ...spec }, { targets: ['gentoo'] }).files.find((f) => f.path.endsWith('.ebuild-snippet'))!.content!;
    expect(snippet({ user: 'www', group: 'web' })).toContain("RDEPEND+=' acct-user/www acct-group/web'");
    expect(snippet({ user: 'root', group: 'web' })).toContain("RDEPEND+=' acct-group/web'");
    expect(snippet({ user: 'root' })).not.toContain('RDEPEND');
  });
});
