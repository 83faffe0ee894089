import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { cli } from './support/cli.js';
import { SCHEMA_REFUSALS, TARGET_REFUSALS, type Refusal } from './support/hostile.js';
import { specProblems } from './support/spec-error.js';

// Every value a target cannot carry is refused before anything is written:
// exit 2, the file, the field path, the reason and what would be accepted.

const base = { name: 'web', command: '/usr/bin/web' };
const dir = mkdtempSync(join(tmpdir(), 'init-service-refusals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(spec: Record<string, unknown>, targets?: Array<'openrc' | 'rcd' | 'systemd'>): string[] {
  return specProblems(() => generate(spec, targets ? { targets } : {}));
}

/** JSON text of a spec; Infinity is written 1e400, the number JSON.parse turns into it. */
function json(spec: Record<string, unknown>): string {
  return JSON.stringify(spec, (_, v: unknown) => (v === Number.POSITIVE_INFINITY ? '\u0000inf' : v)).replace('"\\u0000inf"', '1e400');
}

/** The refusal as printed, `[<file>: ]<path>: <message>`; a message pattern without ^ may start later in the line. */
function lineFor(file: string | undefined, refusal: Refusal): RegExp {
  const prefix = `${file === undefined ? '' : `${file}: `}${refusal.path}: `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const { source } = refusal.message;
  return new RegExp(`^${prefix}${source.startsWith('^') ? source.slice(1) : `.*${source}`}`);
}

describe('the schema refuses, whatever the target', () => {
  test.each(SCHEMA_REFUSALS.map((r) => [r.what, r] as const))('%s', (_, refusal) => {
    const found = problemsOf({ ...base, ...refusal.spec });
    expect(found, found.join('\n')).toHaveLength(1);
    expect(found[0]).toMatch(lineFor(undefined, refusal));
  });
});

describe('a target refuses what it cannot carry; the others are not asked', () => {
  test.each(TARGET_REFUSALS.map((r) => [`${r.target}: ${r.what}`, r] as const))('%s', (_, refusal) => {
    const spec = { ...base, ...refusal.spec };
    const found = problemsOf(spec, [refusal.target]);
    expect(found, found.join('\n')).toHaveLength(1);
    expect(found[0]).toMatch(lineFor(undefined, refusal));
  });
});

describe('through the built CLI: exit 2, one line per refusal naming file and field, nothing written', () => {
  /** Writes each refusal as its own file in a new directory; runs generate on the directory once. */
  function run(name: string, refusals: readonly Refusal[], target?: string) {
    const specs = join(dir, name);
    mkdirSync(specs);
    const files = refusals.map((refusal, i) => {
      const file = `${String(i).padStart(2, '0')}.json`;
      writeFileSync(join(specs, file), json({ ...base, name: `web${i}`, ...refusal.spec }));
      return `${name}/${file}`;
    });
    const out = join(dir, `${name}-out`);
    const result = cli(['generate', '--spec', name, '--out', out, ...(target ? ['--target', target] : [])], dir);
    return { result, files, out };
  }

  function expectRefused(name: string, refusals: readonly Refusal[], target?: string) {
    const { result, files, out } = run(name, refusals, target);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(refusals.length);
    refusals.forEach((refusal, i) => {
      const line = lines.find((l) => l.startsWith(`${files[i]}: `));
      expect(line, `${refusal.what}\n${result.stderr}`).toMatch(lineFor(files[i]!, refusal));
    });
    expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
  }

  test('schema refusals', () => {
    expectRefused('schema', SCHEMA_REFUSALS);
  });

  for (const target of ['openrc', 'rcd', 'systemd'] as const) {
    test(`${target} refusals`, () => {
      const refusals = TARGET_REFUSALS.filter((r) => r.target === target).map((r) =>
        // A 1 MiB argument does not fit in a 1 MiB description file: doubled % (%%) does the same in half the size.
        r.path === 'args' ? { ...r, spec: { environment: { BIG: '%'.repeat(600_000) } }, path: 'environment.BIG' } : r,
      );
      expectRefused(target, refusals, target);
    });
  }
});

describe('names that are also Object.prototype members are ordinary names', () => {
  test('dependencies "constructor" and "toString", environment "constructor": carried by every target', () => {
    const spec = JSON.parse('{"name": "web", "command": "/usr/bin/web", "requires": ["constructor"], "after": ["toString"], "environment": {"constructor": "c"}}') as Record<string, unknown>;
    const text = generate(spec).files.map((f) => f.content ?? '').join('\n');
    for (const line of ['\tneed constructor', '\tafter toString', "export constructor=c", '# REQUIRE: LOGIN constructor toString', 'Requires=constructor.service', 'After=toString.service', 'Environment="constructor=c"']) {
      expect(text).toContain(line);
    }
  });

  test('environment "__proto__": carried by rc.d and systemd; OpenRC refuses it for its leading "_", as any such lowercase name', () => {
    const spec = JSON.parse('{"name": "web", "command": "/usr/bin/web", "environment": {"__proto__": "p"}}') as Record<string, unknown>;
    const text = generate(spec, { targets: ['rcd', 'systemd'] }).files.map((f) => f.content ?? '').join('\n');
    expect(text).toContain('__proto__=p');
    expect(text).toContain('Environment="__proto__=p"');
    expect(() => generate(spec, { targets: ['openrc'] })).toThrow(/environment\.__proto__: \(openrc\) cannot be set for OpenRC/);
  });
});
