import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, test } from 'vitest';
import { shAssign, shDefault, shEvalAssign, shWords, systemdEnvAssignment, systemdExecLine, systemdLineProblem, systemdLineValue, systemdNoncharacter } from '../src/escape.js';
import { generate, SpecError, type GeneratedFile } from '../src/index.js';
import { dashEach, EMIT, lists, shellProblems, type ShellFile } from './support/batch.js';
import { applySlist, subListValues } from '../src/targets/rcd.js';
import { HOSTILE } from './support/hostile.js';
import { anyString, property } from './support/property.js';
import { environmentAssignments, execArgv, lineValue } from './support/systemd-syntax.js';
import { verifyUnits } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

// Random service descriptions, hostile values in every field: each outcome
// is either files that pass shellcheck -s sh, dash -n and systemd-analyze
// verify (with empty stderr) and give every value back, or a SpecError
// whose problems name a field and say why; never any other exception.
// Seeded (see support/property.ts); FC_SCALE=10 runs ten times as many.

type TargetId = 'openrc' | 'rcd' | 'systemd';
const TARGETS: readonly TargetId[] = ['openrc', 'rcd', 'systemd'];

/** Absent half the time. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
/** Present once in `n` draws: for values that are refused, so that most cases still generate files. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, n = 20) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
/** A valid value, or (once in `n`) one the schema refuses. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>, n = 20) => fc.oneof({ weight: n - 1, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const SPECIAL = [...` "'\\$\`%;|&<>*?[]{}~#!=+-,.:@/\t\n\r\u0001\u001b\u007fé✓😀\u0085\u2028\ufeff`, 'a', 'Z', '0', '@comment ', '%%PREFIX%%', '/usr/local', '{{', '{instance}'];
const text = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength: 10 }) },
  { weight: 1, arbitrary: anyString(10) },
);
const oneLine = text.map((s) => s.replace(/[\u0000-\u001f\u007f]/g, ' '));
const plainName = fc.stringMatching(/^[a-z0-9_][a-z0-9_.-]{0,7}$/);
const pathPart = fc.oneof({ weight: 6, arbitrary: plainName }, { weight: 1, arbitrary: oneLine.filter((s) => s !== '' && !s.includes('/')) });
const absolute = fc
  .tuple(fc.constantFrom('/srv', '/var/log', '/var/lib', '/var/cache', '/run', '/var/run', '/tmp', '/home/u', '/usr/local/share', '/etc'), fc.array(pathPart, { minLength: 1, maxLength: 2 }))
  .map(([dir, parts]) => `${dir}/${parts.join('/')}`);
const path = mostly(absolute, fc.constantFrom('relative/x', '/a\nb', '~/x', '/srv/../etc', '/srv/x ', '/srv/%%PREFIX%%', '/'), 15);
const envName = fc.oneof(fc.constantFrom('A', 'LANG', 'HOME', 'X_1', '_', 'PATH', 'LD_PRELOAD', 'command_args', 'RC_X', 'a b'), fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/));
const described = fc.record({
  badName: rarely(fc.constantFrom('Web', 'a b', 'web.1', '', '-x')),
  family: fc.boolean(),
  description: maybe(oneLine),
  command: mostly(pathPart, fc.constant('')),
  interpreter: rarely(fc.constantFrom('/usr/bin/python3', '/usr/local/bin/my python'), 6),
  args: fc.array(text, { maxLength: 5 }),
  user: maybe(mostly(fc.constantFrom('root', 'nobody', 'www'), fc.constant('Bad User'))),
  group: rarely(fc.constantFrom('nogroup', 'www'), 4),
  workingDirectory: maybe(path),
  environment: maybe(fc.dictionary(envName, text, { maxKeys: 3 })),
  environmentFile: rarely(path, 4),
  daemonizes: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  pidfile: mostly(fc.constant('default'), fc.oneof(path, fc.constant('none')), 8),
  restart: maybe(mostly(fc.constantFrom('no', 'on-failure', 'always'), fc.constant('sometimes'))),
  reloadSignal: rarely(mostly(fc.constantFrom('HUP', 'SIGUSR1', 'USR2'), fc.constant('FOO')), 3),
  stopSignal: rarely(mostly(fc.constantFrom('QUIT', 'SIGINT', 'TERM'), fc.constant('9')), 4),
  stopTimeout: rarely(mostly(fc.integer({ min: 1, max: 86_400 }), fc.constantFrom(0, 90_000)), 4),
  umask: rarely(mostly(fc.constantFrom('022', '0027', '0077'), fc.constant('0788')), 4),
  nice: maybe(mostly(fc.integer({ min: -20, max: 19 }), fc.constantFrom(-21, 20))),
  nofile: rarely(fc.oneof(fc.nat(), fc.constant('unlimited' as const)), 4),
  requires: fc.array(mostly(fc.constantFrom('network', 'syslog', 'time', 'localfs', 'db', 'my-svc.service', 'constructor'), fc.constant('bad dep')), { maxLength: 2 }),
  after: fc.array(fc.constantFrom('network', 'time', 'cache', 'x.target', 'toString', 'hasOwnProperty'), { maxLength: 2 }),
  stdoutLog: rarely(path, 3),
  stderrLog: rarely(path, 4),
  configCheck: rarely(fc.array(text, { maxLength: 3 }), 4),
  hardening: fc.constantFrom('strict', 'default', 'off'),
  bindPrivilegedPorts: fc.boolean(),
  plist: fc.constantFrom('modern', 'legacy'),
});

type Drawn = typeof described extends fc.Arbitrary<infer T> ? T : never;

/** A description from the drawn fields; case `i` gets its own names and program directory, so cases can share one verify root. */
function spec(i: number, d: Drawn): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: d.badName ?? `p${i}`,
    ...(d.family ? { family: `f${i}` } : {}),
    command: d.command === '' ? 'relative' : `/c${i}/p/${d.command}`,
    args: d.args,
    daemonizes: d.daemonizes,
    requires: d.requires,
    after: d.after,
    systemd: { hardening: d.hardening, bindPrivilegedPorts: d.bindPrivilegedPorts },
    freebsd: { plist: d.plist },
  };
  const optional: Record<string, unknown> = {
    description: d.description,
    restart: d.restart,
    interpreter: d.interpreter,
    user: d.user,
    group: d.group,
    workingDirectory: d.workingDirectory,
    environment: d.environment,
    environmentFile: d.environmentFile,
    reloadSignal: d.reloadSignal,
    stopSignal: d.stopSignal,
    stopTimeout: d.stopTimeout,
    umask: d.umask,
    nice: d.nice,
    limits: d.nofile === undefined ? undefined : { nofile: d.nofile },
    stdoutLog: d.stdoutLog,
    stderrLog: d.stderrLog,
    configCheck: d.configCheck && [`/c${i}/k`, ...d.configCheck],
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) out[key] = value;
  if (d.pidfile === 'default' ? d.daemonizes : d.pidfile !== 'none') out.pidfile = d.pidfile === 'default' ? `/var/run/p${i}/p${i}.pid` : d.pidfile;
  return out;
}

/**
 * What the program must be given: the description's values with `{{` read
 * as a literal "{" and {instance} as the member's name (the other
 * placeholders have nothing to stand for in these cases, and are refused).
 */
function expectedValues(c: Case) {
  const s = c.spec as { command: string; args: string[]; environment?: Record<string, string>; description?: string; name: string; daemonizes: boolean; configCheck?: string[]; environmentFile?: string };
  const value = (v: string) => v.replace(/\{\{|\{instance\}/g, (m) => (m === '{{' ? '{' : s.name));
  return {
    ...s,
    args: s.args.map(value),
    environment: s.environment && Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, value(v)])),
    description: s.description === undefined ? undefined : value(s.description),
    configCheck: s.configCheck?.map(value),
    environmentFile: s.environmentFile === undefined ? undefined : value(s.environmentFile),
  };
}

/** A template unit's text as systemd reads it for one instance: %i and %I put in, %% kept for the unit's own reading. */
function instantiate(text: string, instance: string): string {
  return text.replace(/%[%iI]/g, (m) => (m === '%%' ? m : instance));
}

interface Case {
  index: number;
  spec: Record<string, unknown>;
  files: Partial<Record<TargetId, GeneratedFile[]>>;
}

/** Generates each case for each target alone; a SpecError must name fields; anything else is a failure. */
function generateCases(specs: readonly Record<string, unknown>[]): { cases: Case[]; failures: string[]; refused: number } {
  const failures: string[] = [];
  let refused = 0;
  const cases = specs.map((s, index) => {
    const files: Case['files'] = {};
    for (const target of TARGETS) {
      try {
        files[target] = generate(s, { targets: [target] }).files;
      } catch (error) {
        if (!(error instanceof SpecError)) {
          failures.push(`case ${index} (${target}): ${(error as Error).stack}\n${show(s)}`);
          continue;
        }
        refused++;
        for (const p of error.problems) {
          if (p.path === '' || p.message === '' || /[\u0000-\u001f\u007f-\u009f]/.test(p.path + p.message)) {
            failures.push(`case ${index} (${target}): unclear refusal ${JSON.stringify(p)}`);
          }
        }
      }
    }
    return { index, spec: s, files };
  });
  return { cases, failures, refused };
}

function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}...(${v.length})` : v));
}

function content(files: readonly GeneratedFile[] | undefined, test: (path: string) => boolean): GeneratedFile[] {
  return (files ?? []).filter((f) => f.content !== undefined && test(f.path));
}

/** The rc.d script as the ports framework installs it (apply-slist), with PREFIX=/usr/local. */
function installedRcd(files: readonly GeneratedFile[]): { path: string; text: string } {
  const script = content(files, (p) => p.startsWith('rcd/files/'))[0]!;
  const make = content(files, (p) => p === 'rcd/Makefile.snippet')[0]!.content!;
  return { path: script.path, text: applySlist(script.content!, { ...subListValues(make), PREFIX: '/usr/local', LOCALBASE: '/usr/local' }) };
}

const spawned: string[] = [];
afterAll(() => spawned.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A stand-in for rc.subr's start, enough to run a script's own defaults and
 * command_args the way run_rc_command builds and evaluates them: env(1)
 * with ${name}_env, then the command line; su -m (as sh -c 'sh -c "..."')
 * for ${name}_user; an extra sh -c "..." for ${name}_nice; eval. The printer
 * takes the place of $command and prints its argv and environment.
 */
function rcSubrStub(printer: string): string {
  return `load_rc_config() { :; }
warn() { :; }
run_rc_command() {
	${EMIT}
	_emit "$desc"
	eval "_env=\\\${\${name}_env}"; eval "_nice=\\\${\${name}_nice}"; eval "_user=\\\${\${name}_user}"
	_doit="env -i $_env ${printer} $rc_flags $command_args"
	if [ -n "$_user" ]; then _doit="sh -c 'sh -c \\"$_doit\\"'"; fi
	if [ -n "$_nice" ] && [ -z "$_user" ]; then _doit="sh -c \\"$_doit\\""; fi
	eval "$_doit"
}`;
}

describeWithTools(['shellcheck', 'dash', 'systemd-analyze'])('random service descriptions (fast-check)', () => {
  test('every outcome is checked files that give each value back, or a clear refusal', () => {
    const drawn = fc.sample(described, property(30));
    const { cases, failures, refused } = generateCases(drawn.map((d, i) => spec(i, d)));
    const problems = [...failures];
    // Both outcomes happen, and every target generates files for some cases (else the checks below check nothing).
    expect(refused).toBeGreaterThan(0);
    for (const target of TARGETS) expect(cases.filter((c) => c.files[target]).length, target).toBeGreaterThan(cases.length / 10);

    // 1. Shell files: shellcheck -s sh and dash -n (the generic OpenRC script once per distinct text).
    const shell = new Map<string, ShellFile>();
    for (const c of cases) {
      for (const f of content(c.files.openrc, (p) => p.startsWith('openrc/'))) shell.set(f.content!, { label: `case ${c.index} ${f.path}`, content: f.content! });
      if (c.files.rcd) {
        const { path: p, text: t } = installedRcd(c.files.rcd);
        shell.set(t, { label: `case ${c.index} ${p} (after apply-slist)`, content: t });
      }
    }
    problems.push(...shellProblems([...shell.values()]));

    // 2. systemd: every unit verified in one staged root; any stderr is a failure.
    const unitTexts: Record<string, string> = {};
    const units: string[] = [];
    for (const c of cases) {
      const files = content(c.files.systemd, (p) => p.startsWith('systemd/') && !p.startsWith('systemd/tmpfiles.d/'));
      for (const f of files) unitTexts[f.path.slice('systemd/'.length)] = f.content!;
      if (files.length > 0) units.push(c.spec.family ? `f${c.index}@p${c.index}.service` : `p${c.index}.service`);
    }
    if (units.length > 0) {
      const { stderr } = verifyUnits(unitTexts, units);
      if (stderr !== '') {
        const named = cases.filter((c) => new RegExp(`\\b[pf]${c.index}[@.]`).test(stderr));
        problems.push(`systemd-analyze verify:\n${stderr}\n${named.map((c) => `case ${c.index}: ${show(c.spec)}\n${content(c.files.systemd, () => true).map((f) => f.content).join('\n')}`).join('\n')}`);
      }
    }

    // 3. systemd, read by the man pages' rules: argv, environment and description come back.
    for (const c of cases) {
      const unit = content(c.files.systemd, (p) => p.endsWith('.service') || p.endsWith('instance.conf')).find((f) => /^ExecStart=/m.test(f.content!));
      if (!unit) continue;
      const s = expectedValues(c);
      // A family's template names the member %i/%I: read it as the member's unit.
      const text = c.spec.family ? instantiate(unit.content!, s.name) : unit.content!;
      // [^\n], not ".": U+2028 in a value is not a line end for systemd, but it is for "." and "$".
      const line = (key: string) => new RegExp(`(?:^|\n)${key}=([^\n]*)`).exec(text)![1]!;
      try {
        expect(execArgv(line('ExecStart'))).toEqual([s.command, ...s.args]);
        const env = [...text.matchAll(/(?:^|\n)Environment=([^\n]*)/g)].flatMap((m) => environmentAssignments(m[1]!));
        expect(env).toEqual(Object.entries(s.environment ?? {}));
        expect(lineValue(line('Description'))).toBe(s.description ?? s.name);
      } catch (error) {
        problems.push(`case ${c.index} systemd: ${(error as Error).message}\n${show(c.spec)}`);
      }
    }

    // 4. OpenRC: conf.d sourced, then the script, as openrc-run does; command_args evaluated once,
    // the config check's words and the environment file's as the script's checkconfig and start_pre read them.
    const withOpenrc = cases.filter((c) => c.files.openrc);
    const script = (c: Case) => content(c.files.openrc, (p) => p.startsWith('openrc/init.d/'))[0]!.content!;
    const sourced = withOpenrc.map((c) => ({
      label: `case ${c.index}`,
      content: [
        `RC_SVCNAME=${c.spec.family === undefined ? String(c.spec.name) : `${String(c.spec.family)}.${String(c.spec.name)}`}`,
        ...content(c.files.openrc, (p) => p.startsWith('openrc/conf.d/'))
          .sort((a, b) => a.path.length - b.path.length)
          .map((f) => f.content),
        script(c),
      ].join('\n'),
    }));
    const names = (c: Case) => Object.keys((c.spec.environment as Record<string, string> | undefined) ?? {});
    const outputs = dashEach(sourced, (file, k) => {
      const c = withOpenrc[k]!;
      const text = script(c);
      const check = /^\tebegin "Checking the configuration of \$\{RC_SVCNAME\}"\n\t([^]*?)\n\teend \$\? /m.exec(text)?.[1];
      const envFile = /^\t\[ -r ([^]*?) \] \|\| \{ eerror "\$\{RC_SVCNAME\}: cannot read its environment file"/m.exec(text)?.[1];
      return [
        EMIT,
        `. '${file}'`,
        `_emit "$description"`,
        `eval "set -- $command_args"; _emit "$@"`,
        `set -- ${check ?? ''}; _emit "$@"`,
        `set -- ${envFile ?? "''"}; _emit "$@"`,
        // Exported (status 0 first), and its value: printenv's newline and the dot keep trailing newlines.
        `set --`,
        ...names(c).map((n) => `set -- "$@" "$(printenv ${n} >/dev/null; echo $?)$(printenv ${n}; echo .)"`),
        `_emit "$@"`,
      ].join('\n');
    });
    withOpenrc.forEach((c, k) => {
      const s = expectedValues(c);
      try {
        const [description, args, check, envFile, env] = lists(outputs[k]!, 5).lists;
        expect(description).toEqual([s.description ?? s.name]);
        expect(args).toEqual(s.args);
        expect(check).toEqual(s.configCheck ?? []);
        expect(envFile).toEqual([s.environmentFile ?? '']);
        expect(env).toEqual(Object.values(s.environment ?? {}).map((v) => `0${v}\n.`));
      } catch (error) {
        problems.push(`case ${c.index} openrc conf.d and script: ${(error as Error).message}\n${show(c.spec)}`);
      }
    });

    // 5. rc.d: the installed script's defaults and command_args through an rc.subr-style start.
    const dir = mkdtempSync(join(tmpdir(), 'init-service-property-'));
    spawned.push(dir);
    const printer = join(dir, 'printer');
    // The environment first, before this shell runs anything that could change it (dash updates an exported $_).
    writeFileSync(printer, `#!/bin/sh\n/usr/bin/env -0\nprintf '\\0'\n${EMIT}\n_emit "$@"\n`);
    chmodSync(printer, 0o755);
    const withRcd = cases.filter((c) => c.files.rcd);
    // A family's script (named after the family) runs its member as a profile: "start NAME", with NAME in _profiles.
    const start = (c: (typeof withRcd)[number]) => {
      const s = c.spec as { name: string; family?: string };
      return s.family === undefined ? 'set -- start' : `${s.family.replaceAll('-', '_')}_profiles=${s.name}\nset -- start ${s.name}`;
    };
    const scripts = withRcd.map((c) => ({ label: `case ${c.index}`, content: `${start(c)}\n${installedRcd(c.files.rcd!).text.replace(/^\. \/etc\/rc\.subr$/m, ':')}` }));
    const rcOutputs = dashEach(scripts, (file) => `${rcSubrStub(printer)}\n. '${file}'`);
    withRcd.forEach((c, k) => {
      const s = expectedValues(c);
      try {
        const output = rcOutputs[k]!;
        const [desc] = lists(output, 1).lists;
        const afterDesc = output.split('\0').slice(desc!.length + 1);
        const env = afterDesc.slice(0, afterDesc.indexOf(''));
        const [words] = lists(afterDesc.slice(env.length + 1).join('\0'), 1).lists;
        expect(desc).toEqual([s.description ?? s.name]);
        if (s.daemonizes) expect(words).toEqual(s.args);
        else expect(words!.slice(-s.args.length - 1)).toEqual([s.command, ...s.args]);
        const seen = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
        for (const [n, v] of Object.entries(s.environment ?? {})) expect(seen.get(n), n).toBe(v);
      } catch (error) {
        problems.push(`case ${c.index} rc.d: ${(error as Error).message}\n${show(c.spec)}`);
      }
    });

    expect(problems, problems.join('\n\n')).toEqual([]);
  });
});

/** Any text a description can hold: no NUL, no lone surrogate. */
const anyText = anyString(16).filter((s) => !s.includes('\0') && !/\p{Surrogate}/u.test(s));
const anyList = fc.array(fc.oneof(anyText, fc.constantFrom(...HOSTILE)), { maxLength: 4 });

describeWithTools(['dash', 'bash'])('the shell escapers, for random values (fast-check, one shell run each)', () => {
  const samples = fc.sample(anyList, property(150));
  const dir = mkdtempSync(join(tmpdir(), 'init-service-escapers-'));
  spawned.push(dir);

  for (const shell of ['dash', 'bash']) {
    test(`${shell}: shWords, shAssign, shEvalAssign and shDefault give back every value`, () => {
      const script = [EMIT, ...samples.flatMap((list) => {
        const joined = list.join('');
        return [
          `_emit ${shWords(list)}`,
          `v=${shAssign(joined)}; _emit "$v"`,
          `v=${shEvalAssign(list)}; eval "set -- $v"; _emit "$@"`,
          `unset v; ${shDefault('v', joined)}; _emit "$v"`,
        ];
      })].join('\n');
      writeFileSync(join(dir, 'run.sh'), script);
      const result = spawnSync(shell, [join(dir, 'run.sh')], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const { lists: got } = lists(result.stdout, samples.length * 4);
      samples.forEach((list, k) => {
        const joined = list.join('');
        expect(got.slice(k * 4, k * 4 + 4), JSON.stringify(list)).toEqual([list, [joined], list, [joined]]);
      });
    });
  }
});

test('the systemd escapers, read back by the documented rules (systemd.syntax(7), fast-check)', () => {
  const program = fc.tuple(fc.constantFrom('/usr/bin/x', '/opt/my app/50%/bin', '/opt/$HOME/x', '/opt/é ✓'), anyText.filter((s) => !/["'\\/]/.test(s))).map(([d, f]) => `${d}/${f}x`);
  fc.assert(
    fc.property(program, anyList, anyText, (prog, args, value) => {
      expect(execArgv(systemdExecLine([prog, ...args]))).toEqual([prog, ...args]);
      if (systemdNoncharacter(value) === undefined) expect(environmentAssignments(systemdEnvAssignment('A', value))).toEqual([['A', value]]);
      if (systemdLineProblem(value) === undefined) expect(lineValue(systemdLineValue(value))).toBe(value);
    }),
    property(500),
  );
});
