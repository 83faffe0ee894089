import { describe, expect, test } from 'vitest';
import { generate, SpecError } from '../src/index.js';
import { HOSTILE_PATH_TAILS } from './support/hostile.js';
import { SYSTEMD_BINARY, unitsThroughSystemd } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

// Paths with spaces, quotes, $, %, globs and non-ASCII: systemd carries them
// (quoted where a setting is a list, %% everywhere); OpenRC and rc.subr
// evaluate and split paths, so they refuse them, naming the field.

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

const EVERY = ['command', 'environmentFile', 'pidfile', 'stdoutLog', 'workingDirectory'];
// The command's quotes and backslashes are replaced by _ in spec(), so a tail that is only quotes leaves it plain.
const BUT_COMMAND = ['environmentFile', 'pidfile', 'stdoutLog', 'workingDirectory'];
// OpenRC only ever uses environment_file quoted ("${environment_file}"), so it carries any path there.
const EVERY_OPENRC = ['command', 'pidfile', 'stdoutLog', 'workingDirectory'];
const BUT_COMMAND_OPENRC = ['pidfile', 'stdoutLog', 'workingDirectory'];

/** The fields each target must refuse, per path tail: written out, not derived from the targets' own rule. */
const REFUSED: Record<string, { openrc: string[]; rcd: string[] }> = {
  'my app': { openrc: EVERY_OPENRC, rcd: EVERY },
  "it's": { openrc: BUT_COMMAND_OPENRC, rcd: BUT_COMMAND },
  '"q"': { openrc: BUT_COMMAND_OPENRC, rcd: BUT_COMMAND },
  '$HOME': { openrc: EVERY_OPENRC, rcd: EVERY },
  '`id`': { openrc: EVERY_OPENRC, rcd: EVERY },
  // % is no shell's business (systemd's only, and it writes %%).
  '50%': { openrc: [], rcd: [] },
  '*': { openrc: EVERY_OPENRC, rcd: EVERY },
  '~x': { openrc: EVERY_OPENRC, rcd: EVERY },
  'a;b': { openrc: EVERY_OPENRC, rcd: EVERY },
  'tab\u00a0nbsp': { openrc: EVERY_OPENRC, rcd: EVERY },
  'é✓': { openrc: EVERY_OPENRC, rcd: EVERY },
};

describe('OpenRC and rc.d refuse every path a shell would split or expand, each by its field', () => {
  test('the table has an entry for every path tail', () => {
    expect(Object.keys(REFUSED).sort()).toEqual([...HOSTILE_PATH_TAILS].sort());
  });

  test.each(HOSTILE_PATH_TAILS.map((t, i) => [t, i] as const))('%j', (tail, i) => {
    const s = spec(tail, i);
    for (const target of ['openrc', 'rcd'] as const) {
      const fields = REFUSED[tail]![target];
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
