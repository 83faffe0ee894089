import { describe, expect, test } from 'vitest';
import { generate, SpecError } from '../src/index.js';
import { HOSTILE_PATH_TAILS } from './support/hostile.js';
import { SYSTEMD_BINARY, unitsThroughSystemd } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

// Paths with spaces, quotes, $, %, globs and non-ASCII: systemd carries them
// (quoted where a setting is a list, %% everywhere); OpenRC and rc.subr
// evaluate and split paths, so they refuse them, naming the field.

const PATH_FIELDS = ['workingDirectory', 'environmentFile', 'stdoutLog'] as const;

function spec(tail: string, i: number) {
  return {
    name: `p${i}`,
    command: `/opt/${tail.replace(/["'\\]/g, '_')}/bin/run`,
    user: 'www',
    workingDirectory: `/srv/${tail}`,
    environmentFile: `/etc/${tail}.env`,
    stdoutLog: `/var/log/${tail}/out.log`,
    daemonizes: true,
    pidfile: `/run/${tail}/p.pid`,
  };
}

/** What neither shell splits, globs nor expands (the targets' own test). */
const SHELL_PLAIN = /^\/[A-Za-z0-9_@%+=:,./-]*$/;

describe('OpenRC and rc.d refuse every path a shell would split or expand, each by its field', () => {
  test.each(HOSTILE_PATH_TAILS.map((t, i) => [t, i] as const))('%j', (tail, i) => {
    const s = spec(tail, i);
    for (const target of ['openrc', 'rcd'] as const) {
      // OpenRC only ever uses environment_file quoted ("${environment_file}"), so it carries any path there.
      const fields = (['command', ...PATH_FIELDS, 'pidfile'] as const).filter((f) => !SHELL_PLAIN.test(s[f]) && !(target === 'openrc' && f === 'environmentFile'));
      let problems: SpecError['problems'] = [];
      try {
        generate(s, { targets: [target] });
      } catch (error) {
        problems = (error as SpecError).problems;
      }
      expect(problems.map((p) => p.path).sort(), target).toEqual([...fields].sort());
      for (const p of problems) expect(p.message).toMatch(/cannot be carried: .*; expected a path of letters, digits/);
    }
  });
});

describeWithTools(['systemd-analyze', 'setpriv'], { ok: SYSTEMD_BINARY !== undefined, why: 'the systemd binary (for systemd --test)' })(
  'systemd carries them: verify is silent and its own parser reads each path back',
  () => {
    test('one unit per path tail, pulled in by one more (one systemd --test run)', () => {
      const specs = HOSTILE_PATH_TAILS.map(spec);
      const { verifyStderr, sections } = unitsThroughSystemd(specs);
      expect(verifyStderr).toBe('');
      specs.forEach((s) => {
        const dump = sections.get(`${s.name}.service`)!;
        expect(dump, s.name).toContain(`\n\t\tWorkingDirectory: ${s.workingDirectory}\n`);
        expect(dump, s.name).toContain(`\n\t\tEnvironmentFile: ${s.environmentFile}\n`);
        expect(dump, s.name).toContain(`\n\t\tStandardOutputFileToAppend: ${s.stdoutLog}\n`);
        expect(dump, s.name).toContain(`\n\t\tPIDFile: ${s.pidfile}\n`);
        expect(dump, s.name).toMatch(/\n\t\tReadWritePaths: /);
      });
    });
  },
);
