import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';
import { shWords } from '../src/escape.js';
import { generate, TARGET_IDS } from '../src/index.js';
import { SERVICE_SCHEMA, type JsonSchema } from '../src/spec/schema.js';
import { getField } from '../src/wizard/draft.js';
import { realMachine } from '../src/wizard/machine.js';
import { QUESTIONS, type Context } from '../src/wizard/questions.js';
import { splitWords } from '../src/wizard/words.js';
import { DIST, readDist, staticClosure } from './support/bundle.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-wizard-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('splitWords (how a typed list is read)', () => {
  test('blanks separate words; quotes and backslashes group them; nothing is expanded', () => {
    expect(splitWords(`a  "b c" 'd e' f\\ g "$HOME" '' "x\\"y" 'it'\\''s' \`id\``)).toEqual({
      words: ['a', 'b c', 'd e', 'f g', '$HOME', '', 'x"y', "it's", '`id`'],
    });
    expect(splitWords(`"a\\b"`)).toEqual({ words: ['a\\b'] }); // POSIX: \ is literal before other characters
    expect(splitWords('   ')).toEqual({ words: [] });
  });

  test('an unclosed quote or a trailing backslash is refused with the fix', () => {
    expect(splitWords(`a 'b`)).toEqual({ error: expect.stringContaining("a ' quote is not closed") });
    expect(splitWords('a "b')).toEqual({ error: expect.stringContaining('a " quote is not closed') });
    expect(splitWords('a\\')).toEqual({ error: expect.stringContaining('lone backslash') });
  });

  test('reads back exactly what escape.ts shWords() writes, for any text', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['a', 'Z', '0', ' ', '\t', "'", '"', '\\', '$', '`', '%', '*', '-', '=', '\n', 'é', ';', '&', '|'];
    for (let n = 0; n < 500; n++) {
      const words = Array.from({ length: Math.floor(random() * 4) + 1 }, () =>
        Array.from({ length: Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      );
      expect(splitWords(shWords(words)), JSON.stringify(words)).toEqual({ words });
    }
  });
});

describe('the questions', () => {
  const leaves = (schema: JsonSchema, prefix = ''): string[] =>
    Object.entries(schema.properties ?? {}).flatMap(([key, sub]) =>
      key === '$schema' ? [] : sub.type === 'object' && sub.properties && !sub['x-one-question'] ? leaves(sub, `${prefix}${key}.`) : [`${prefix}${key}`],
    );

  test('one question per field of the service description, none for anything else', () => {
    const fields = QUESTIONS.map((q) => q.field);
    expect([...fields].sort()).toEqual(leaves(SERVICE_SCHEMA).sort());
    expect(new Set(fields).size).toBe(fields.length);
  });

  test('required fields come first; limits, umask, nice, hardening and the plist style are advanced', () => {
    const firstOptional = QUESTIONS.findIndex((q) => !(SERVICE_SCHEMA.required as readonly string[]).includes(q.field));
    expect(QUESTIONS.slice(0, firstOptional).map((q) => q.field).sort()).toEqual([...SERVICE_SCHEMA.required].sort());
    const advanced = QUESTIONS.filter((q) => q.advanced).map((q) => q.field);
    for (const field of ['limits.nofile', 'limits.nproc', 'limits.core', 'umask', 'nice', 'systemd.hardening', 'systemd.bindPrivilegedPorts', 'freebsd.plist']) {
      expect(advanced).toContain(field);
    }
    // Nothing basic comes after the first advanced question.
    const firstAdvanced = QUESTIONS.findIndex((q) => q.advanced);
    expect(QUESTIONS.slice(firstAdvanced).every((q) => q.advanced)).toBe(true);
  });

  test.each(fixtureNames())('every value of fixture %s is offered as text that reads back to the same value', (name) => {
    const spec = fixtureSpec(name);
    const ctx: Context = { machine: realMachine(dir), targets: ['openrc', 'rcd', 'systemd'], draft: spec };
    for (const q of QUESTIONS) {
      const value = getField(spec, q.field);
      if (value === undefined || q.kind !== 'text') continue;
      expect(q.parse(q.format(value), ctx), q.field).toEqual({ value });
    }
  });

  test('a bare command is found in the system directories or on PATH; a relative path is kept for the check to refuse', () => {
    const command = QUESTIONS.find((q) => q.field === 'command')!;
    if (command.kind !== 'text') throw new Error('command is a text question');
    const ctx: Context = { machine: realMachine(dir, { PATH: '/nonexistent:/bin:/usr/bin' }), targets: [], draft: {} };
    expect(command.parse('sh', ctx)).toEqual({ value: expect.stringMatching(/^\/(usr\/)?bin\/sh$/) });
    expect(command.parse('./bin/app', ctx)).toEqual({ value: './bin/app' });
    expect(command.parse('no-such-program-here', ctx)).toEqual({ error: expect.stringContaining('is not on PATH') });
  });
});

function cli(args: string[], options: { interactive?: boolean; cwd?: string } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = {
    stdout: (t: string) => void stdout.push(t),
    stderr: (t: string) => void stderr.push(t),
    cwd: options.cwd ?? dir,
    interactive: options.interactive ?? false,
  };
  return main(args, io).then((status) => ({ status, stdout: stdout.join(''), stderr: stderr.join('') }));
}

test("the wizard page's transcript asks the questions the wizard asks, in its order", () => {
  const page = readFileSync(new URL('../docs/commands/wizard.md', import.meta.url), 'utf8');
  const transcript = /```text\n\$ npx init-service\n([\s\S]*?)```/.exec(page)?.[1];
  expect(transcript).toBeDefined();
  const asked = [...transcript!.matchAll(/^✔ (.*)$/gm)].map(([, line]) => line!);
  const fields = asked.flatMap((line) => QUESTIONS.filter((q) => line.startsWith(`${q.message} `) || line === q.message).map((q) => q.field));
  // The transcript's program stays in the foreground: its conditional questions follow from that.
  const context = { targets: TARGET_IDS, draft: { daemonizes: false } } as unknown as Context;
  expect(fields).toEqual(QUESTIONS.filter((q) => !q.advanced && (!q.when || q.when(context))).map((q) => q.field));
});

describe('init-service without a command word', () => {
  const homesite = fileURLToPath(new URL('../examples/homesite.json', import.meta.url));

  test('without a terminal: usage on standard error, exit 2', async () => {
    const r = await cli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Usage: init-service <command>/m);
    expect(r.stderr).toMatch(/no terminal to ask questions on .*\n$/);
    expect(r.stdout).toBe('');
  });

  test('--spec without a terminal: exit 2 saying what to run instead', async () => {
    const r = await cli(['--spec', homesite]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the wizard needs a terminal; without one, use init-service generate --spec FILE');
  });

  test('--yes alone says which fields have no default', async () => {
    const r = await cli(['--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--yes takes every default, but name and command have none');
    const partial = join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify({ name: 'web' }));
    const p = await cli(['--yes', '--spec', partial]);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('but command has none and partial.json does not set it');
  });

  test('--yes --spec takes the file as it is: the same files as generate, plus the saved description', async () => {
    const out = join(dir, 'yes-out');
    const r = await cli(['--yes', '--spec', homesite, '--out', out]);
    expect(r.stderr).not.toMatch(/Error|\n\s+at /);
    expect(r.status).toBe(0);
    for (const file of generate(fixtureSpec('homesite')).files) {
      if (file.content !== undefined) expect(readFileSync(join(out, file.path), 'utf8'), file.path).toBe(file.content);
    }
    expect(JSON.parse(readFileSync(join(out, 'homesite.service.json'), 'utf8'))).toEqual(fixtureSpec('homesite'));
    expect(r.stdout).toContain('rc-update add restas.homesite default');
    expect(r.stdout).toContain('sysrc restas_enable=YES restas_profiles+=homesite && service restas start homesite');
    expect(r.stdout).toContain('systemctl daemon-reload && systemctl enable --now restas@homesite.service');

    const again = await cli(['--yes', '--spec', homesite, '--out', out]);
    expect(again.status).toBe(0);
    // Every generated file and the saved description.
    expect(again.stdout).toContain(`All ${generate(fixtureSpec('homesite')).files.length + 1} files in`);
    expect(again.stdout).toContain('are already up to date; nothing to write.');

    // A changed file is refused without --force (exit 1), overwritten with it.
    writeFileSync(join(out, 'systemd/restas@.service'), 'local edit\n');
    const refused = await cli(['--yes', '--spec', homesite, '--out', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('systemd/restas@.service');
    expect(refused.stdout).toContain('diff --git a/systemd/restas@.service b/systemd/restas@.service'); // shown before refusing
    expect(readFileSync(join(out, 'systemd/restas@.service'), 'utf8')).toBe('local edit\n');
    expect((await cli(['--yes', '--force', '--spec', homesite, '--out', out])).status).toBe(0);
    expect(readFileSync(join(out, 'systemd/restas@.service'), 'utf8')).toMatch(/^\[Service\]/m);
  });

  test('--yes with an invalid description: exit 2, file and field named, nothing written', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'web', command: 'web' }));
    const out = join(dir, 'bad-out');
    const r = await cli(['--yes', '--spec', bad, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bad\.json: command: "web" is not accepted; expected an absolute path/);
    expect(existsSync(out)).toBe(false);
  });

  test('usage mistakes exit 2 with a hint', async () => {
    expect((await cli(['--force'], { interactive: true })).stderr).toContain('--force goes with --yes');
    const r = await cli(['--frobnicate'], { interactive: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('run init-service --help');
  });

  test('--help lists the wizard; help wizard gives its options', async () => {
    const r = await cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}wizard {5}/m);
    const wizard = await cli(['help', 'wizard']);
    expect(wizard.stdout).toContain('init-service [wizard] [--spec FILE]');
    expect(wizard.stdout).toContain('--yes');
  });
});

describe('start-up cost (the built bundle)', () => {
  const read = readDist;
  const dynamicTarget = (from: string, name: string) => {
    const match = new RegExp(`import\\("\\./(${name}-[A-Z0-9]+\\.js)"\\)`).exec(read(from));
    if (!match) throw new Error(`${from} does not import ${name} lazily`);
    return match[1]!;
  };
  const contains = (files: Set<string>, marker: string) => [...files].filter((f) => read(f).includes(marker));
  // Texts only these libraries have (the minified bundle keeps no file comments).
  const INQUIRER = 'User force closed the prompt';
  const EJS = 'Could not find matching close tag';

  test('the markers this test relies on are in the bundle', () => {
    const all = new Set(readdirSync(DIST).filter((f) => /\.c?js$/.test(f)));
    expect(contains(all, INQUIRER).length).toBeGreaterThan(0);
    expect(contains(all, EJS).length).toBeGreaterThan(0);
  });

  test('generate (dist/cli.cjs, all of it) loads neither the prompt library nor the template engine', () => {
    const loaded = new Set(['cli.cjs']);
    expect(read('cli.cjs')).toContain('import("./cmd-wizard.js")');
    expect(contains(loaded, INQUIRER)).toEqual([]);
    expect(contains(loaded, EJS)).toEqual([]);
  });

  test('the wizard does not load the template engine before its first question', () => {
    const wizard = 'cmd-wizard.js';
    const loaded = staticClosure(dynamicTarget(wizard, 'interview'), staticClosure(wizard));
    expect(contains(loaded, INQUIRER).length).toBeGreaterThan(0);
    expect(contains(loaded, EJS)).toEqual([]);
  });
});
