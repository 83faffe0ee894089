import { isUtf8 } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { jsonFlaw } from '../src/spec/json-scan.js';
import { invalidUtf8At, loadSpecFile, MAX_SPEC_BYTES } from '../src/spec/load.js';
import { SpecError } from '../src/spec/normalize.js';
import { BIN, cli } from './support/cli.js';
import { describeWithTools } from './support/tools.js';
import { anyString, property, PROPERTY } from './support/property.js';

// The spec file itself is hostile input too: malformed, oversized, not
// UTF-8, with repeated keys, or made to exhaust the parser.

const dir = mkdtempSync(join(tmpdir(), 'init-service-specfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

/** The one refusal line loading the file gives. */
async function refusal(file: string): Promise<string> {
  try {
    await loadSpecFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

const SPEC = '{\n  "name": "web",\n  "command": "/usr/bin/web"\n}\n';

describe('malformed JSON: the line and column of the first error, in words', () => {
  test.each([
    ['a doubled comma', '{\n  "name": "web",\n  "command": "/x",,\n}\n', 'line 3, column 19: invalid JSON: unexpected "," where a key in double quotes should be'],
    ['a trailing comma', '{\n  "name": "web",\n}\n', 'line 3, column 1: invalid JSON: unexpected "}" where a key in double quotes should be'],
    ['a bare word', '{\n  "name": web\n}', 'line 2, column 11: invalid JSON: unexpected "w" where a value should be'],
    ['a misspelt literal', '{\n  "daemonizes": tru\n}', 'line 2, column 17: invalid JSON: unexpected "t" where a value should be'],
    ['single quotes', "{\n  'name': 'web'\n}", `line 2, column 3: invalid JSON: unexpected "'" where a key in double quotes should be`],
    ['an unclosed string', '{\n  "name": "web\n}', 'line 2, column 15: invalid JSON: a string contains a raw control character (U+000a); write it as an escape such as \\n or \\u0009'],
    ['a raw tab in a string', '{"name": "a\tb"}', 'line 1, column 12: invalid JSON: a string contains a raw control character (U+0009); write it as an escape such as \\n or \\u0009'],
    ['a bad escape', '{"name": "a\\qb"}', 'line 1, column 12: invalid JSON: \\q is not a JSON escape; expected one of'],
    ['a short \\u escape', '{"name": "\\u12"}', 'line 1, column 11: invalid JSON: \\u must be followed by four hexadecimal digits'],
    ['a missing colon', '{\n  "name" "web"\n}', 'line 2, column 10: invalid JSON: unexpected "\\"" where ":" should follow the key'],
    ['a truncated file', '{\n  "name": "web",\n', 'line 3, column 1: invalid JSON: the text ends where a key should be'],
    ['an empty file', '', 'line 1, column 1: invalid JSON: the text ends where a value should be'],
    ['two documents', `${SPEC}${SPEC}`, 'line 5, column 1: invalid JSON: unexpected "{" after the end of the JSON value'],
    ['a comment', '// web\n{}', 'line 1, column 1: invalid JSON: unexpected "/" where a value should be'],
    ['a leading zero', '{"nice": 05}', 'line 1, column 11: invalid JSON: unexpected "5" where "," or "}" should be'],
    ['a control character shown as an escape', '{"name": \u001b[31m}', 'line 1, column 10: invalid JSON: unexpected "\\u001b" where a value should be'],
    ['a syntax error after a repeated key (the syntax error wins)', '{"name": "a", "name" "b"}', 'line 1, column 22: invalid JSON: unexpected "\\"" where ":" should follow the key'],
    ['an emoji counted as one column', '{"description": "😀", x}', 'line 1, column 22: invalid JSON: unexpected "x" where a key in double quotes should be'],
  ])('%s', async (_, text, expected) => {
    expect(await refusal(write('broken.json', text))).toContain(`broken.json: ${expected}`);
  });

  test('a byte order mark is not part of the text', async () => {
    expect((await loadSpecFile(write('bom.json', `\ufeff${SPEC}`))).name).toBe('web');
  });
});

describe('a key given twice is refused, naming the line (JSON.parse would keep the last one)', () => {
  test('JSON: where it repeats and where it was first', async () => {
    const text = '{\n  "name": "web",\n  "command": "/usr/bin/web",\n  "name": "evil"\n}\n';
    expect(await refusal(write('twice.json', text))).toBe(
      'twice.json: line 4, column 3: invalid JSON: the key "name" appears again in the same object (first at line 2, column 3); a key may appear once, so remove one of them',
    );
  });

  test('JSON: the same key spelt with an escape, and inside a nested object', async () => {
    expect(await refusal(write('escaped.json', '{"name": "web", "command": "/x", "environment": {"A": "1", "\\u0041": "2"}}'))).toMatch(
      /line 1, column 60: invalid JSON: the key "A" appears again in the same object \(first at line 1, column 50\)/,
    );
  });

  test('JSON: the same key in different objects is fine', async () => {
    const text = '{"name": "web", "command": "/x", "environment": {"name": "1"}, "limits": {"nofile": 1}}';
    expect((await loadSpecFile(write('separate.json', text))).environment).toEqual([['name', '1']]);
  });

  test('YAML: the same refusal, in the same words', async () => {
    expect(await refusal(write('twice.yaml', 'name: web\ncommand: /usr/bin/web\nname: evil\n'))).toBe(
      'twice.yaml: line 3, column 1: invalid YAML: the key "name" appears again in the same mapping; a key may appear once, so remove one of them',
    );
  });
});

describe('unknown fields: an error with a suggestion', () => {
  test.each([
    ['{"name": "web", "command": "/x", "enviroment": {}}', 'unknown.json: enviroment: unknown field in a service description (did you mean "environment"?); known fields: name, family,'],
    ['{"name": "web", "command": "/x", "limits": {"nofiles": 1}}', 'unknown.json: limits.nofiles: unknown field in limits (did you mean "nofile"?)'],
    ['{"name": "web", "command": "/x", "freebsd": {"plst": "legacy"}}', 'unknown.json: freebsd.plst: unknown field in freebsd (did you mean "plist"?)'],
    ['{"name": "web", "command": "/x", "zzzzzz": 1}', 'unknown.json: zzzzzz: unknown field in a service description; known fields: name,'],
    ['{"name": "web", "command": "/x", "\\u001b[2J": 1}', 'unknown.json: "\\u001b[2J": unknown field in a service description;'],
  ])('%s', async (text, expected) => {
    expect(await refusal(write('unknown.json', text))).toContain(expected);
  });
});

describe('encoding: UTF-8 only, every character kept', () => {
  test('an invalid byte is refused at its line and column instead of becoming U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('{\n  "name": "web",\n  "description": "caf'), Buffer.from([0xe9]), Buffer.from('"\n}\n')]);
    expect(await refusal(write('latin1.json', bytes))).toBe(
      'latin1.json: line 3, column 22: is not UTF-8 (bytes e9 22 0a 7d); expected a UTF-8 text file (save it as UTF-8, or write the character as a \\u escape)',
    );
  });

  test('a UTF-16 file is refused at its first byte', async () => {
    expect(await refusal(write('utf16.json', Buffer.from(`\ufeff${SPEC}`, 'utf16le')))).toMatch(/^utf16\.json: line 1, column 1: is not UTF-8 \(bytes ff fe 7b 00\)/);
  });

  test('an encoded surrogate (CESU-8) and an overlong encoding are not UTF-8', async () => {
    expect(await refusal(write('cesu.yaml', Buffer.from([...Buffer.from('name: '), 0xed, 0xa0, 0x80])))).toMatch(/line 1, column 7: is not UTF-8 \(bytes ed a0 80\)/);
    expect(await refusal(write('overlong.yaml', Buffer.from([...Buffer.from('name: '), 0xc0, 0xaf])))).toMatch(/line 1, column 7: is not UTF-8/);
  });

  test('lone surrogates from JSON \\u escapes and YAML escapes are refused by field', async () => {
    expect(await refusal(write('surrogate.json', '{"name": "web", "command": "/x", "args": ["ok", "\\udc00"]}'))).toMatch(
      /^surrogate\.json: args\[1\]: "\\udc00" is not accepted \(it contains \\udc00, half of a UTF-16 surrogate pair/,
    );
    expect(await refusal(write('surrogate.yaml', 'name: web\ncommand: /x\ndescription: "x\\ud800"\n'))).toMatch(/^surrogate\.yaml: description: .*\\ud800, half of a UTF-16 surrogate pair/);
  });

  test('escaped pairs and astral characters are kept', async () => {
    const svc = await loadSpecFile(write('astral.json', '{"name": "web", "command": "/x", "args": ["\\ud83d\\ude00", "😀", "\\uffff"]}'));
    expect(svc.args).toEqual(['😀', '😀', '\uffff']);
  });
});

describe('size and exhaustion', () => {
  test('exactly 1 MiB is read; one byte more is refused before parsing', async () => {
    const pad = (size: number) => SPEC + ' '.repeat(size - Buffer.byteLength(SPEC));
    expect((await loadSpecFile(write('max.json', pad(MAX_SPEC_BYTES)))).name).toBe('web');
    expect(await refusal(write('over.json', pad(MAX_SPEC_BYTES + 1)))).toBe(
      'over.json: (file): is 1048577 bytes; a service description may be at most 1 MiB (1048576 bytes)',
    );
  });

  test('an endless device is refused after 1 MiB, without reading it all', async () => {
    const started = Date.now();
    expect(await refusal('/dev/zero')).toBe('zero: (file): is more than 1 MiB; a service description may be at most 1 MiB (1048576 bytes)');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  describeWithTools(['bash'])('bash process substitution', () => {
    test('a pipe (--spec <(...)) is read to its end', () => {
      const r = spawnSync('bash', ['-c', `"$0" "$1" generate --spec <(cat "$2") --target systemd --dry-run --out "$3"`, process.execPath, BIN, write('piped.json', SPEC), join(dir, 'piped-out')], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/create +0644 systemd\/web\.service/);
    });
  });

  test('JSON nested 100 000 levels deep is an error message, not a crash', async () => {
    expect(await refusal(write('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toBe('deep.json: (top level): must be an object, not a list');
    expect(await refusal(write('deep2.json', `{"name": ${'['.repeat(100_000)}`))).toMatch(/^deep2\.json: line 1, column 100010: invalid JSON: the text ends where a value should be$/);
  });

  test('YAML nested 2 000 levels deep, and an alias bomb, are refusals', async () => {
    expect(await refusal(write('deep.yaml', `name: ${'['.repeat(2_000)}${']'.repeat(2_000)}\n`))).toMatch(/^deep\.yaml: (line \d+, column \d+|\(file\)): invalid YAML: /);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
    expect(await refusal(write('bomb.yaml', `${bomb}\n`))).toMatch(/^bomb\.yaml: \(file\): invalid YAML: Excessive alias count .*; expected a plain service description/);
  });

  test('through the CLI: exit 2, one line, nothing written', () => {
    const r = cli(['generate', '--spec', '/dev/zero', '--out', join(dir, 'never')], dir);
    // Named as given on the command line (issue 17: the same whichever --spec form named it).
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', '/dev/zero: (file): is more than 1 MiB; a service description may be at most 1 MiB (1048576 bytes)\n']);
  });
});

describe('the JSON scanner agrees with JSON.parse (property)', () => {
  /** Strings near JSON: real JSON texts, then cut, spliced or with a character swapped. */
  const nearJson = fc.oneof(
    fc.json(),
    fc.tuple(fc.json(), fc.nat(), fc.nat()).map(([t, a, b]) => t.slice(Math.min(a, b) % (t.length + 1), Math.max(a, b) % (t.length + 1))),
    fc.tuple(fc.json(), fc.nat(), fc.constantFrom(...'{}[]:,"\\ \n\t0-.eE+tfnu\u0000x\u001f')).map(([t, at, c]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + c + t.slice(i + 1);
    }),
    fc.string({ unit: fc.constantFrom(...'{}[]:," 01-.eEtrufalsn\\u\n') }),
  );

  test('a flaw of kind "syntax" exactly when JSON.parse throws', () => {
    fc.assert(
      fc.property(nearJson, (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect(jsonFlaw(text)?.kind === 'syntax').toBe(!parses);
      }),
      PROPERTY,
    );
  });

  test('a repeated key is found exactly when an object has one', () => {
    const members = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'A', '\\u0061', 'é'), fc.jsonValue()), { maxLength: 5 });
    fc.assert(
      fc.property(members, fc.boolean(), (pairs, nested) => {
        const object = `{${pairs.map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}`;
        const text = nested ? `{"outer": [1, ${object}], "a": 2}` : object;
        const keys = pairs.map(([k]) => JSON.parse(`"${k}"`) as string);
        expect(jsonFlaw(text)?.kind === 'duplicate').toBe(new Set(keys).size < keys.length);
      }),
      PROPERTY,
    );
  });
});

test('the UTF-8 checks (native isUtf8, then the scan that finds the byte) agree with a strict decoder (property)', () => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    anyString(12).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
    fc.tuple(anyString(12), fc.nat(), fc.integer({ min: 0x80, max: 0xff })).map(([s, at, b]) => {
      const out = new Uint8Array(Buffer.from(s, 'utf8'));
      if (out.length > 0) out[at % out.length] = b;
      return out;
    }),
  );
  fc.assert(
    fc.property(bytes, (input) => {
      let valid = true;
      try {
        decoder.decode(input);
      } catch {
        valid = false;
      }
      expect(isUtf8(input)).toBe(valid);
      expect(invalidUtf8At(input) === undefined).toBe(valid);
    }),
    property(150),
  );
});
