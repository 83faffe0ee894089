import { describe, expect, test } from 'vitest';
import { generate, type GeneratedFile } from '../src/index.js';
import { dashEach, EMIT, lists } from './support/batch.js';
import { HOSTILE_DESCRIPTIONS } from './support/hostile.js';
import { SYSTEMD_BINARY, unitsThroughSystemd } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

// The description lands in comments (# Description: in rc.d), in
// description= (OpenRC conf.d), desc= (rc.d) and Description= (systemd).
// A hostile one must neither end a comment nor become code: every file keeps
// its lines, and each reader gets the description back exactly.

const PLAIN = 'A plain description';
const TARGETS = ['openrc', 'rcd', 'systemd'] as const;
/** The lines that carry the description, by target. */
const CARRIERS = /^(description=|desc=|# Description: |Description=)/;

function files(description: string, target: (typeof TARGETS)[number], name = 'web'): GeneratedFile[] {
  return generate({ name, command: '/usr/bin/web', description, user: 'www' }, { targets: [target] }).files.filter((f) => f.content !== undefined);
}

describe('a hostile description changes only the lines that carry it', () => {
  test.each(HOSTILE_DESCRIPTIONS.map((d) => [d.length > 60 ? `${d.slice(0, 57)}... (${d.length})` : d, d]))('%j', (_, description) => {
    for (const target of TARGETS) {
      const plain = files(PLAIN, target);
      const hostile = files(description, target);
      expect(hostile.map((f) => f.path)).toEqual(plain.map((f) => f.path));
      hostile.forEach((file, i) => {
        const before = plain[i]!.content!.split('\n');
        const after = file.content!.split('\n');
        expect(after, `${target} ${file.path}: line count`).toHaveLength(before.length);
        after.forEach((line, n) => {
          if (line !== before[n]) expect(line, `${target} ${file.path}:${n + 1}`).toMatch(CARRIERS);
        });
      });
    }
  });
});

describeWithTools(['dash'])('POSIX sh reads each description back from the generated files', () => {
  test('OpenRC script: description=; rc.d: desc=', () => {
    const scripts = HOSTILE_DESCRIPTIONS.flatMap((d) => [
      // The script's own assignment, as openrc-run's describe reads it (the rest needs openrc-run).
      { label: 'openrc', content: /^description=[^\n]*/m.exec(files(d, 'openrc').find((f) => f.path === 'openrc/init.d/web')!.content!)![0] },
      // The rc.d script's own assignment, as rc.subr's describe reads it (the rest needs rc.subr).
      { label: 'rcd', content: /^desc=.*$/ms.exec(files(d, 'rcd').find((f) => f.path === 'rcd/files/web.in')!.content!.split('\nload_rc_config')[0]!)![0] },
    ]);
    const outputs = dashEach(scripts, (file, k) => `${EMIT}\n. '${file}'\n_emit "${k % 2 === 0 ? '$description' : '$desc'}"`);
    outputs.forEach((output, k) => {
      expect(lists(output, 1).lists[0], scripts[k]!.label).toEqual([HOSTILE_DESCRIPTIONS[Math.floor(k / 2)]]);
    });
  });
});

describeWithTools(['systemd-analyze', 'setpriv'], { ok: SYSTEMD_BINARY !== undefined, why: 'the systemd binary (for systemd --test)' })(
  "systemd's own parser reads each Description= back, and verify is silent",
  () => {
    test('one unit per description, pulled in by one more (one systemd --test run)', () => {
      const specs = HOSTILE_DESCRIPTIONS.map((description, i) => ({ name: `d${i}`, command: '/usr/bin/web', description, user: 'www' }));
      const { verifyStderr, sections } = unitsThroughSystemd(specs);
      expect(verifyStderr).toBe('');
      HOSTILE_DESCRIPTIONS.forEach((description, i) => {
        // An empty Description= leaves it unset: systemd shows the unit name instead (systemd.unit(5)).
        expect(sections.get(`d${i}.service`), `d${i}`).toContain(`\n\t\tDescription: ${description || `d${i}.service`}\n`);
      });
    });
  },
);
