import { describe, expect, test } from 'vitest';
import {
  systemdDirectoryName,
  systemdEnvAssignment,
  systemdExecArg,
  systemdLineValue,
  systemdListPath,
  systemdPathProblem,
  systemdQuoted,
} from '../src/escape.js';
import { generate, SpecError } from '../src/index.js';
import { fill } from '../src/spec/placeholders.js';
import { SYSTEMD_BINARY, atExec, decodeCommandLine, dumpUnit, dumpedCommands, unitFiles, verifyUnit } from './support/systemd.js';
import { HOSTILE, NONCHARACTERS } from './support/hostile.js';
import { describeWithTools } from './support/tools.js';

describe('systemd escapers, by the documented rules (systemd.syntax(7), systemd.service(5), systemd.exec(5))', () => {
  test('an Exec*= argument: bare when plain; else double quotes, C escapes, %% and $$', () => {
    expect(systemdExecArg('/usr/bin/x')).toBe('/usr/bin/x');
    expect(systemdExecArg('--a=b,c:d@e+f')).toBe('--a=b,c:d@e+f');
    expect(systemdExecArg('')).toBe('""');
    expect(systemdExecArg('a b')).toBe('"a b"');
    expect(systemdExecArg(';')).toBe('";"');
    expect(systemdExecArg('50% $x')).toBe('"50%% $$x"');
    expect(systemdExecArg('q"\\')).toBe('"q\\"\\\\"');
    expect(systemdExecArg("'")).toBe(`"'"`);
    expect(systemdExecArg('\n\t\r\u0001\u007f')).toBe('"\\n\\t\\r\\x01\\x7f"');
    expect(systemdExecArg('é')).toBe('"é"');
  });

  test('an Environment= assignment: quoted whole, C escapes, %% but $ kept (no variable expansion there)', () => {
    expect(systemdEnvAssignment('A', '50% $x "q" \\\n')).toBe('"A=50%% $x \\"q\\" \\\\\\n"');
    expect(() => systemdEnvAssignment('A B', 'x')).toThrow(/variable name/);
  });

  test('a tmpfiles.d path field is read like Environment=: quotes, C escapes, specifiers', () => {
    expect(systemdQuoted('/var/log/a b%"\\')).toBe('"/var/log/a b%%\\"\\\\"');
  });

  test('a rest-of-line setting doubles % only, and refuses what systemd would strip or join', () => {
    expect(systemdLineValue('a "q" \\x41 $x 100%')).toBe('a "q" \\x41 $x 100%%');
    expect(() => systemdLineValue(' x')).toThrow(/white space/);
    expect(() => systemdLineValue('x\\')).toThrow(/continuation/);
    expect(() => systemdLineValue('a\nb')).toThrow(/one line/);
  });

  test('a path setting also refuses ".." (systemd: "path is not normalized")', () => {
    expect(systemdPathProblem('/a/../b')).toMatch(/\.\./);
    expect(systemdPathProblem('/a/..b/c')).toBeUndefined();
    expect(systemdPathProblem('/a//./b/')).toBeUndefined();
  });

  test('a ReadWritePaths= entry: unquoted but not C-unescaped, so \\ escapes only the next character', () => {
    expect(systemdListPath('/srv/web')).toBe('/srv/web');
    expect(systemdListPath('/srv/my app')).toBe('"/srv/my app"');
    expect(systemdListPath('/a"b\\c%d\'e')).toBe('"/a\\"b\\\\c%%d\'e"');
    expect(() => systemdListPath('/a\nb')).toThrow(/control/);
  });

  test('StateDirectory= and friends take plain relative names only', () => {
    expect(systemdDirectoryName('web/sub')).toBe('web/sub');
    for (const bad of ['', '/abs', 'a/../b', '.', 'a b', 'a%b', 'a\\b']) expect(() => systemdDirectoryName(bad), bad).toThrow();
  });
});

describe('values systemd cannot carry are refused with the field and the reason', () => {
  const refused = (spec: Record<string, unknown>): string => {
    try {
      generate({ name: 'web', command: '/usr/bin/web', ...spec }, { targets: ['systemd'] });
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  test.each([
    ['leading space', { description: ' padded' }, /^description: \(systemd\) .*white space/],
    ['trailing backslash', { description: 'ends in \\' }, /^description: .*continuation/],
    ['.. in workingDirectory', { workingDirectory: '/srv/../etc' }, /^workingDirectory: .*"\.\." component/],
    ['.. in command', { command: '/usr/bin/../sbin/web' }, /^command: .*"\.\." component/],
    ['trailing space in a path', { stdoutLog: '/var/log/web.log ' }, /^stdoutLog: .*white space/],
    ['.. in configCheck', { configCheck: ['/usr/bin/../bin/check'] }, /^configCheck\[0\]: .*"\.\."/],
    ['/etc/conf.d', { environmentFile: '/etc/conf.d/web' }, /^environmentFile: .*must not read \/etc\/conf\.d.*expected a file such as \/etc\/default\/web/],
    ['a 1 MiB argument', { args: ['x'.repeat(1024 * 1024)] }, /^args: \(systemd\) is too long for one unit file line/],
    ['600 000 % in a value (doubled)', { environment: { BIG: '%'.repeat(600_000) } }, /^environment\.BIG: \(systemd\) is too long/],
  ])('%s', (_, spec, message) => {
    expect(refused(spec)).toMatch(message);
  });

  test('refusal is for systemd only: other targets are not asked', () => {
    expect(() => generate({ name: 'web', command: '/usr/bin/web', environmentFile: '/etc/conf.d/web' }, { targets: ['openrc'] })).not.toThrow();
  });
});

test('decodeCommandLine reads systemd quote_command_line() output', () => {
  expect(decodeCommandLine('/bin/x "a b" "\\$\\$x" "line\\nbreak" "\\001" é "" \\;')).toEqual(['/bin/x', 'a b', '$$x', 'line\nbreak', '\u0001', 'é', '', '\\;']);
});

describeWithTools(['systemd-analyze', 'setpriv'], { ok: SYSTEMD_BINARY !== undefined, why: 'the systemd binary (for systemd --test)' })(
  "systemd's own parser gives back every value (systemd --test prints each unit as parsed)",
  () => {
    const PLAIN_HOSTILE = 'a "q" \'x\' \\x41 \\\\ 100% %i $x ; é';
    const spec = {
      name: 'hostile',
      description: PLAIN_HOSTILE,
      command: '/opt/my app/bin/run 50%',
      args: [...HOSTILE, ...NONCHARACTERS],
      workingDirectory: `/srv/${PLAIN_HOSTILE}`,
      environment: Object.fromEntries(HOSTILE.map((value, i) => [`V${i}`, value])),
      environmentFile: `/etc/${PLAIN_HOSTILE}`,
      stdoutLog: `/srv/logs/${PLAIN_HOSTILE}.log`,
      configCheck: ['/usr/bin/check', ...HOSTILE],
      reloadSignal: 'HUP',
      systemd: { hardening: 'strict' },
    };

    test.each([
      ['a unit', undefined],
      ['a family instance (the template unit)', 'fam'],
    ])('%s', (_, family) => {
      const { files, unit } = unitFiles(generate(family ? { ...spec, family } : spec, { targets: ['systemd'] }).files);
      expect(verifyUnit(files, unit).stderr).toBe('');
      const { dump } = dumpUnit(files, unit);
      if (family) expect(dump).toMatch(/Fragment Path: .*\/fam@\.service\n/);

      const [start] = dumpedCommands(dump, 'ExecStart');
      expect(start!.map(atExec)).toEqual([spec.command, ...HOSTILE, ...NONCHARACTERS]);
      const [check] = dumpedCommands(dump, 'ExecStartPre');
      expect(check!.map(atExec)).toEqual(spec.configCheck);
      const [reloadCheck, reload] = dumpedCommands(dump, 'ExecReload');
      expect(reloadCheck!.map(atExec)).toEqual(spec.configCheck);
      expect(reload).toEqual(['/bin/kill', '-s', 'HUP', '$MAINPID']);

      HOSTILE.forEach((value, i) => expect(dump, `V${i}`).toContain(`\n\t\tEnvironment: V${i}=${value}\n\t\t`));
      expect(dump).toContain(`\t\tDescription: ${PLAIN_HOSTILE}\n`);
      expect(dump).toContain(`\t\tWorkingDirectory: ${spec.workingDirectory}\n`);
      expect(dump).toContain(`\t\tEnvironmentFile: ${spec.environmentFile}\n`);
      expect(dump).toContain(`\t\tStandardOutputFileToAppend: ${spec.stdoutLog}\n`);
      expect(dump).toContain(`\t\tReadWritePaths: -${spec.workingDirectory} -/srv/logs\n`);
    });

    test('{instance} in a template: %i beside hostile text, given back with the instance by systemd itself', () => {
      const around = (v: string) => `${v}{instance}${v}`;
      const member = {
        name: 'alpha',
        family: 'fam',
        description: `${PLAIN_HOSTILE} {instance}`,
        command: '/usr/bin/run',
        user: 'fam',
        args: HOSTILE.map(around),
        environment: Object.fromEntries(HOSTILE.map((value, i) => [`V${i}`, around(value)])),
        workingDirectory: `/srv/${PLAIN_HOSTILE}/{instance}`,
        directories: { state: ['fam/{instance}'] },
        systemd: { hardening: 'strict' },
      };
      const files = generate([member, { ...member, name: 'beta' }], { targets: ['systemd'] }).files;
      expect(files.map((f) => f.path)).toEqual(['systemd/fam@.service']);
      const units = { 'fam@.service': files[0]!.content! };
      for (const instance of ['alpha', 'beta']) {
        const unit = `fam@${instance}.service`;
        expect(verifyUnit(units, unit).stderr).toBe('');
        const { dump } = dumpUnit(units, unit);
        const filled = (v: string) => fill(v, { instance });
        expect(dumpedCommands(dump, 'ExecStart')[0]!.map(atExec)).toEqual(['/usr/bin/run', ...HOSTILE.map((v) => filled(around(v)))]);
        HOSTILE.forEach((value, i) => expect(dump, `V${i}`).toContain(`\n\t\tEnvironment: V${i}=${filled(around(value))}\n\t\t`));
        expect(dump).toContain(`\t\tDescription: ${PLAIN_HOSTILE} ${instance}\n`);
        expect(dump).toContain(`\t\tWorkingDirectory: /srv/${PLAIN_HOSTILE}/${instance}\n`);
        expect(dump).toMatch(new RegExp(`StateDirectory: fam/${instance}\\n`));
      }
    });

    test('the check can fail: the dump shows what systemd made of the text, not the text', () => {
      const naive = '[Service]\nExecStart=/bin/x %n "a\\x41" "$HOME"\nEnvironment="A=%n"\n';
      const { dump } = dumpUnit({ 'naive.service': naive }, 'naive.service');
      expect(dumpedCommands(dump, 'ExecStart')[0]).toEqual(['/bin/x', 'naive.service', 'aA', '$HOME']);
      expect(() => atExec('$HOME')).toThrow(/expand/);
      expect(dump).toContain('\t\tEnvironment: A=naive.service\n');
    });
  },
);

describe('reading Exec*= words back (the staged root stubs each program)', () => {
  test('unquoteExecWord inverts systemdExecArg for every hostile value', async () => {
    const { systemdExecArg } = await import('../src/escape.js');
    const { unquoteExecWord } = await import('../src/verify/systemd-root.js');
    const values = ['/usr/bin/x', '', 'a b', '50%', '%%n', '$HOME', '$$', 'it\'s', '"q"', 'back\\', 'tab\there', 'line\nbreak', '\u0001', 'héllo ✓', ';'];
    for (const value of values) expect(unquoteExecWord(systemdExecArg(value))).toBe(value);
  });
});
