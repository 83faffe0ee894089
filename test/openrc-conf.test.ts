import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { normalize } from '../src/spec/normalize.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { ONE_ULIMIT_PAIR, OpenrcSandbox, describeWithOpenrc } from './support/openrc.js';
import { describeWithTools } from './support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-confd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = {
  name: 'hostile',
  description: `it's "quoted" $HOME \`id\` \\ 100%`,
  command: '/usr/bin/hostile',
  args: ["it's", '$(id)', '`id`', 'a\tb', 'new\nline', '', '*', 'back\\slash', '"', "--config={config}';$(id)\\", '{config}', '{{config}'],
  environment: { QUOTE: "'", DOUBLE: '"$HOME"', NEWLINE: 'a\nb', DOLLAR: '$(reboot)', SPACES: '  x  ' },
  configFile: "/etc/it's \"$(id)\" `id` \\ *.conf",
  configCheck: ['/usr/bin/hostile', '--check', "it's", '$x', '-c{config}'],
  user: 'nobody',
  limits: { nofile: 1024 },
  nice: 3,
};

const specs: [string, Record<string, unknown>][] = [...fixtureNames().map((n) => [n, fixtureSpec(n)] as [string, Record<string, unknown>]), ['hostile', HOSTILE]];

function files(spec: Record<string, unknown>): { script: string; confd: string; family?: string; path: string } {
  const out = generate(spec, { targets: ['openrc'] }).files;
  const svc = normalize(spec);
  const base = svc.family ?? svc.name;
  const entry = svc.family ? `${svc.family}.${svc.name}` : svc.name;
  const confd = out.find((f) => f.path === `openrc/conf.d/${entry}`)!.content!;
  const family = svc.family && out.find((f) => f.path === `openrc/conf.d/${svc.family}`)!.content!;
  const path = join(dir, entry);
  writeFileSync(path, family ?? confd);
  return { script: out.find((f) => f.path === `openrc/init.d/${base}`)!.content!, confd, family, path };
}

/** The knobs a conf.d shows: `#NAME=default` lines. */
const knobLines = (text: string) => [...text.matchAll(/^#([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);

describe.each(specs)('conf.d of %s (::gentoo shape: knobs in the service\'s terms, defaults commented)', (_, spec) => {
  test('holds comments alone: sourced, it sets nothing; no shellcheck pragma aimed at admins', () => {
    const { confd, family } = files(spec);
    for (const text of [confd, family ?? '']) {
      expect(text).not.toMatch(/^[^#\n]/m);
      expect(text).not.toMatch(/shellcheck/);
    }
  });

  test('every knob it shows is one the script reads, right after a comment saying what it does', () => {
    const { script, confd, family } = files(spec);
    const text = family ?? confd;
    const knobs = knobLines(text);
    expect(knobs.map(([n]) => n)).toContain(`${String(spec.family ?? spec.name).toUpperCase().replace(/[^A-Z0-9]/g, '_')}_OPTS`);
    for (const [name] of knobs) {
      expect(script, name).toContain(`\${${name}`);
      expect(text, name).toMatch(new RegExp(`^# \\S[^\\n]*\\n#${name}=`, 'm'));
    }
  });

  describeWithTools(['dash', 'bash'])('each default, uncommented, is what the script uses anyway', () => {
    test.each(['dash', 'bash'])('%s', (shell) => {
      const { script, confd, family } = files(spec);
      const knobs = knobLines(family ?? confd);
      // The script sourced as openrc-run sources it (functions are only defined), with and without the knobs at their defaults.
      const path = join(dir, `script-${shell}`);
      writeFileSync(path, script);
      const run = (pre: string) =>
        execFileSync(shell, ['-c', `RC_SVCNAME=fam.one\n${pre}\n. "$1"\nprintf '%s\\0' "$command" "$command_args" "\${command_user-}" "\${rc_ulimit-}" "\${supervise_daemon_args-}\${start_stop_daemon_args-}"`, shell, path], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      // As openrc-run does: conf.d (here, its defaults uncommented) first, then the script.
      expect(run(knobs.map(([n, v]) => `${n}=${v}`).join('\n'))).toBe(run(''));
    });
  });
});

test('docs/targets/openrc.md shows one whole generated pair (redis) as generate writes it', () => {
  const readme = readFileSync(new URL('../docs/targets/openrc.md', import.meta.url), 'utf8');
  const out = generate(JSON.parse(readFileSync(new URL('../examples/redis.json', import.meta.url), 'utf8')), { targets: ['openrc'] }).files;
  for (const path of ['openrc/init.d/redis', 'openrc/conf.d/redis']) expect(readme, path).toContain(out.find((f) => f.path === path)!.content!);
});

describeWithOpenrc()('what openrc-run reads from the files (no process started)', () => {
  let box: OpenrcSandbox;
  afterEach(() => box?.cleanup([]));

  test("depend: the abstract dependencies as the guide maps them, in the script's depend(), and conf.d adds to them", async () => {
    box = new OpenrcSandbox();
    // openrc-run applies rc_ulimit for depend too: one limit where old openrc-run.sh meets dash.
    const limits = ONE_ULIMIT_PAIR ? { nofile: 1024 } : { nofile: 1024, nproc: 512, core: 0 };
    await box.generate({ ...fixtureSpec('maximal'), family: 'isvdep', limits, requires: ['network', 'localfs', 'postgresql'], after: ['syslog', 'time'] });
    const depend = async () => (await box.rc('isvdep.max-svc', 'depend')).output.trim().split('\n').sort();
    expect(await depend()).toEqual(['after logger ntp-client', 'need localmount postgresql', 'use net']);
    const conf = join(box.out, 'openrc/conf.d/isvdep.max-svc');
    writeFileSync(conf, `${box.read(conf)}rc_need='net.eth0'\nrc_use='!net logger'\n`);
    // openrc-run prints depend()'s lines, then conf.d's; "!net" drops net when the tree is built.
    expect(await depend()).toEqual(['after logger ntp-client', 'need localmount postgresql', 'need net.eth0', 'use !net logger', 'use net']);
  });

  test('command_args are evaluated by start alone: depend, describe and status leave them be', async () => {
    box = new OpenrcSandbox();
    await box.generate({ name: 'isvlazy', command: '/usr/bin/x' });
    const marker = join(box.dir, 'evaluated');
    const conf = join(box.out, 'openrc/conf.d/isvlazy');
    writeFileSync(conf, `${box.read(conf)}ISVLAZY_OPTS='"$(touch ${marker})"'\n`);
    for (const cmd of ['depend', 'describe', 'status']) await box.rc('isvlazy', cmd);
    expect(existsSync(marker)).toBe(false);
  });

  test('describe: without commands or a config check, no extra command; kill and foreground are unknown functions (issue 14: opt-in)', async () => {
    box = new OpenrcSandbox();
    await box.generate({ name: 'isvbare', command: '/usr/bin/x', description: 'Bare' });
    const described = await box.rc('isvbare', 'describe');
    expect(described.status).toBe(0);
    expect(described.output).not.toMatch(/checkconfig|kill|foreground|zap/);
    for (const cmd of ['kill', 'foreground']) {
      const run = await box.rc('isvbare', cmd);
      expect(run.status, cmd).not.toBe(0);
      expect(run.output, cmd).toMatch(/unknown function/);
    }
  });

  test('describe: the description and every extra command, reload only with a reload signal', async () => {
    box = new OpenrcSandbox();
    await box.generate({ name: 'isvdesc', command: '/usr/bin/x', description: 'Described', reloadSignal: 'HUP', configCheck: ['/bin/true'], commands: ['kill', 'zap', 'foreground'] });
    const described = await box.rc('isvdesc', 'describe');
    expect(described.status).toBe(0);
    const withReload = described.output;
    expect(withReload).toContain('Described');
    for (const cmd of ['checkconfig', 'kill', 'foreground', 'reload']) expect(withReload).toMatch(new RegExp(`${cmd}\\S*: \\w`));
    expect(withReload).not.toMatch(/no description/);
  });
});
