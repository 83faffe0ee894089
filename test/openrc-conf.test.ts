import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { normalize } from '../src/spec/normalize.js';
import { confVars } from '../src/targets/openrc.js';
import { OPENRC_VARIABLES } from '../src/targets/openrc-vars.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { OpenrcSandbox, describeWithOpenrc } from './support/openrc.js';
import { describeWithTools } from './support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-confd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = {
  name: 'hostile',
  description: `it's "quoted" $HOME \`id\` \\ 100%`,
  command: '/usr/bin/hostile',
  args: ["it's", '$(id)', '`id`', 'a\tb', 'new\nline', '', '*', 'back\\slash', '"'],
  environment: { QUOTE: "'", DOUBLE: '"$HOME"', NEWLINE: 'a\nb', DOLLAR: '$(reboot)', SPACES: '  x  ' },
  configCheck: ['/usr/bin/hostile', '--check', "it's", '$x'],
};

const specs: [string, Record<string, unknown>][] = [...fixtureNames().map((n) => [n, fixtureSpec(n)] as [string, Record<string, unknown>]), ['hostile', HOSTILE]];

function confd(spec: Record<string, unknown>): { path: string; text: string; family?: string } {
  const files = generate(spec, { targets: ['openrc'] }).files;
  const svc = normalize(spec);
  const entry = svc.family ? `${svc.family}.${svc.name}` : svc.name;
  const file = files.find((f) => f.path === `openrc/conf.d/${entry}`)!;
  const path = join(dir, entry);
  writeFileSync(path, file.content!);
  const family = svc.family && files.find((f) => f.path === `openrc/conf.d/${svc.family}`)!.content;
  return { path, text: file.content!, family };
}

/** The values `shell` reads back after sourcing `file`, NUL-separated. */
function readBack(shell: string, file: string, names: string[]): string[] {
  const script = `. "$1"; shift; for n in "$@"; do eval "printf '%s\\\\0' \\"\\\${$n}\\""; done`;
  // stderr: bash warns when an exported LC_ALL names a locale this machine lacks.
  return execFileSync(shell, ['-c', script, shell, file, ...names], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\0')
    .slice(0, -1);
}

/** The argv that OpenRC's one eval makes of a words value. */
function evalWords(shell: string, words: string): string[] {
  const script = `eval "set -- $1"; for a in "$@"; do printf '%s\\0' "$a"; done`;
  return execFileSync(shell, ['-c', script, shell, words], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

describe.each(specs)('conf.d of %s', (_, spec) => {
  const vars = confVars(normalize(spec));

  describeWithTools(['dash', 'bash'])('reads back exactly in dash and bash', () => {
    test.each(['dash', 'bash'])('%s', (shell) => {
      const { path } = confd(spec);
      const values = readBack(shell, path, vars.map((v) => v.name));
      vars.forEach((v, i) => {
        if (Array.isArray(v.value)) expect(evalWords(shell, values[i]!), v.name).toEqual(v.value);
        else expect(values[i], v.name).toBe(v.value);
      });
    });
  });

  test('documents every variable: each set one above its value, the others commented out', async () => {
    const { text } = confd(spec);
    for (const v of OPENRC_VARIABLES) {
      expect(text, v.name).toMatch(new RegExp(`^# ${v.name}: \\S`, 'm'));
      const set = vars.some((s) => s.name === v.name);
      expect(text, v.name).toMatch(new RegExp(`^${set ? '' : '#'}${v.name}=`, 'm'));
    }
    for (const v of vars.filter((v) => v.exported)) expect(text).toMatch(new RegExp(`^# ${v.name}: .*\\n^export ${v.name}=`, 'm'));
  });

  test('sets each variable once, on its own line', async () => {
    const { text } = confd(spec);
    const assigned = text.split('\n').flatMap((line) => /^(?:export )?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1] ?? []);
    expect(assigned).toEqual(vars.map((v) => v.name));
  });
});

test("the README's OpenRC section explains every conf.d variable, in the words conf.d uses", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const v of OPENRC_VARIABLES) {
    expect(readme).toContain(`| \`${v.name}\` | ${v.doc.replaceAll('{svc}', '<entry>').replaceAll('|', '\\|')} |`);
  }
});

describe('family defaults, conf.d/<family>', () => {
  const spec = fixtureSpec('homesite');

  test('document every variable, all commented out', async () => {
    const { family } = confd(spec);
    for (const v of OPENRC_VARIABLES) {
      expect(family, v.name).toMatch(new RegExp(`^# ${v.name}: \\S`, 'm'));
      expect(family, v.name).toMatch(new RegExp(`^#${v.name}=`, 'm'));
    }
    expect(family).not.toMatch(/^[A-Za-z_]/m);
  });

  describeWithTools(['dash', 'bash'])('set nothing when sourced', () => {
    test.each(['dash', 'bash'])('%s', (shell) => {
      const path = join(dir, 'family');
      writeFileSync(path, confd(spec).family!);
      const names = OPENRC_VARIABLES.map((v) => v.name);
      const script = `. "$1"; shift; for n in "$@"; do eval "[ -z \\"\\\${$n+set}\\" ]" || echo "$n"; done`;
      expect(execFileSync(shell, ['-c', script, shell, path, ...names], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    });
  });
});

describeWithOpenrc()('what openrc-run reads from the files (no process started)', () => {
  let box: OpenrcSandbox;
  afterEach(() => box?.cleanup([]));

  test('depend: the abstract dependencies as the guide maps them, and conf.d overrides them', async () => {
    box = new OpenrcSandbox();
    await box.generate({ ...fixtureSpec('maximal'), family: 'isvdep', requires: ['network', 'localfs', 'postgresql'], after: ['syslog', 'time'] });
    const depend = async () => (await box.rc('isvdep.max-svc', 'depend')).output.trim().split('\n').sort();
    expect(await depend()).toEqual(['after logger ntp-client', 'need localmount postgresql', 'use net']);
    const conf = join(box.out, 'openrc/conf.d/isvdep.max-svc');
    writeFileSync(conf, `${box.read(conf)}rc_need='net.eth0'\nrc_use='!net logger'\n`);
    expect(await depend()).toEqual(['after logger ntp-client', 'need net.eth0', 'use !net logger']);
  });

  test('describe: the description and every extra command, reload only with a reload signal', async () => {
    box = new OpenrcSandbox();
    await box.generate({ name: 'isvdesc', command: '/usr/bin/x', description: 'Described', reloadSignal: 'HUP' });
    const described = await box.rc('isvdesc', 'describe');
    expect(described.status).toBe(0);
    const withReload = described.output;
    expect(withReload).toContain('Described');
    for (const cmd of ['checkconfig', 'kill', 'foreground', 'reload']) expect(withReload).toMatch(new RegExp(`${cmd}\\S*: \\w`));
    expect(withReload).not.toMatch(/no description/);
    const conf = join(box.out, 'openrc/conf.d/isvdesc');
    writeFileSync(conf, box.read(conf).replace(/^reload_signal=.*$/m, ''));
    const without = await box.rc('isvdesc', 'describe');
    expect(without.status).toBe(0);
    // Still the description and the other commands: only reload is gone.
    expect(without.output).toContain('Described');
    for (const cmd of ['checkconfig', 'kill', 'foreground']) expect(without.output).toMatch(new RegExp(`${cmd}\\S*: \\w`));
    expect(without.output).not.toMatch(/reload/);
  });
});
