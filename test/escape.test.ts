import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  subListWords,
  shAssign,
  shDefault,
  shEvalAssign,
  shWord,
  shWords,
  systemdEnvAssignment,
  systemdExecArg,
  systemdExecLine,
  systemdLineProblem,
} from '../src/escape.js';
import { subListValues } from '../src/targets/rcd.js';
import { HOSTILE } from './support/hostile.js';
import { describeWithTools } from './support/tools.js';

/** Runs `script` in `shell` and returns what it printed as NUL-separated fields. */
function fields(shell: string, script: string): string[] {
  const out = execFileSync(shell, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return out.split('\0').slice(0, -1);
}

describeWithTools(['dash', 'bash'])('POSIX sh escapers, proven by dash and bash', () => {
  for (const shell of ['dash', 'bash']) {
    test(`${shell}: shWord and shWords give back every value as one word`, () => {
      expect(fields(shell, `printf '%s\\0' ${shWords(HOSTILE)}`)).toEqual(HOSTILE);
    });

    test(`${shell}: shAssign assigns every value exactly`, () => {
      for (const value of HOSTILE) {
        expect(fields(shell, `v=${shAssign(value)}\nprintf '%s\\0' "$v"`)).toEqual([value]);
      }
    });

    test(`${shell}: shEvalAssign survives one eval (OpenRC command_args, rc.subr command_args)`, () => {
      expect(fields(shell, `v=${shEvalAssign(HOSTILE)}\neval "set -- $v"\nprintf '%s\\0' "$@"`)).toEqual(HOSTILE);
    });

    test(`${shell}: shDefault sets a default only when the variable is unset`, () => {
      for (const value of HOSTILE) {
        expect(fields(shell, `${shDefault('v', value)}\nprintf '%s\\0' "$v"`)).toEqual([value]);
        expect(fields(shell, `v=admin\n${shDefault('v', value)}\nprintf '%s\\0' "$v"`)).toEqual(['admin']);
        expect(fields(shell, `v=\n${shDefault('v', value)}\nprintf '%s\\0' "$v"`)).toEqual(['']);
      }
    });
  }

  test('plain words stay readable', () => {
    expect(shWord('/usr/bin/sbcl')).toBe('/usr/bin/sbcl');
    expect(shWord('--load')).toBe('--load');
    expect(shWord("it's")).toBe(`'it'\\''s'`);
  });
});

describe('systemd command lines (systemd.service(5) COMMAND LINES, systemd.syntax(7) QUOTING)', () => {
  test.each([
    ['plain', 'plain'],
    ['/usr/bin/x', '/usr/bin/x'],
    ['', '""'],
    ['two words', '"two words"'],
    ['50%', '"50%%"'],
    ['%n', '"%%n"'],
    ['$HOME', '"$$HOME"'],
    ['${X}', '"$${X}"'],
    ['$$', '"$$$$"'],
    ["it's", `"it's"`],
    ['"q"', '"\\"q\\""'],
    ['back\\', '"back\\\\"'],
    ['tab\there', '"tab\\there"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['cr\r', '"cr\\r"'],
    ['\u0001', '"\\x01"'],
    [';', '";"'],
    ['héllo', '"héllo"'],
  ])('%j -> %s', (value, expected) => {
    expect(systemdExecArg(value)).toBe(expected);
  });

  test('a command line is one word per argument', () => {
    expect(systemdExecLine(['/bin/echo', 'a b', '%i'])).toBe('/bin/echo "a b" "%%i"');
  });

  test('Environment= doubles % but keeps $ (it does not expand variables)', () => {
    expect(systemdEnvAssignment('A', '50% $x "q"\n')).toBe('"A=50%% $x \\"q\\"\\n"');
  });

  test('values systemd cannot carry on a settings line are named', () => {
    expect(systemdLineProblem(' padded')).toMatch(/white space/);
    expect(systemdLineProblem('ends\\')).toMatch(/continuation/);
    expect(systemdLineProblem('fine %i')).toBeUndefined();
  });
});

test('SUB_LIST words: KEY=value pairs of plain identifiers, read back by subListValues; anything else is refused', () => {
  const words = subListWords([
    { key: 'WEB_USER', value: 'www' },
    { key: 'WEB_GROUP', value: 'www-data' },
  ]);
  expect(words).toBe('WEB_USER=www WEB_GROUP=www-data');
  expect(subListValues(`SUB_LIST+=\t${words}\n`)).toEqual({ WEB_USER: 'www', WEB_GROUP: 'www-data' });
  expect(() => subListWords([{ key: 'WEB_USER', value: 'a b' }])).toThrow(/not a plain identifier/);
  expect(() => subListWords([{ key: 'WEB_USER', value: 'a!b' }])).toThrow(/not a plain identifier/);
});
