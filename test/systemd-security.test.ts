import { expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { securityExposure, unitFiles } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

/**
 * The most exposure `systemd-analyze security --offline=true` may report for
 * each profile (0.0 = locked down, 10.0 = no sandbox at all).
 */
const BOUND = { default: 2.5, strict: 1.5 } as const;

function exposure(spec: Record<string, unknown>, hardening: string, limit: number) {
  const full = { ...spec, systemd: { ...(spec.systemd as object | undefined), hardening } };
  const { files, unit } = unitFiles(generate(full, { targets: ['systemd'] }).files);
  return securityExposure(files, unit, limit);
}

/**
 * Known failures, with the issue that fixes them: a fixed bound does not fit
 * a program that starts as root and switches users (nginx); issue 16 measures
 * exposure against the distribution's own unit, side by side, instead.
 */
const KNOWN_OVER_BOUND = new Set(['nginx: "strict"']);

describeWithTools(['systemd-analyze'])('systemd-analyze security --offline=true: exposure per fixture and profile', () => {
  for (const [profile, bound] of Object.entries(BOUND)) {
    for (const name of fixtureNames()) {
      const known = KNOWN_OVER_BOUND.has(`${name}: "${profile}"`);
      (known ? test.fails : test)(`${name}: "${profile}" scores at most ${bound}${known ? ' (known failure, issue 16)' : ''}`, () => {
      const r = exposure(fixtureSpec(name), profile, bound);
      expect(r.stderr).toBe('');
      expect(r.exposure, r.report).toBeLessThanOrEqual(bound);
      expect(r.status, `--threshold=${bound * 10} exit status`).toBe(0);
      });
    }
  }

  // Beyond the fixtures: the combinations that cost the most (root, a
  // capability, umask 0000, a /home path keeping ProtectHome read-only, a
  // /tmp working directory dropping PrivateTmp) still keep "default" OK.
  test.each([
    ['root binding port 80', { user: 'root', systemd: { bindPrivilegedPorts: true } }],
    ['everything loosened', { user: 'root', umask: '0000', workingDirectory: '/tmp/w', args: ['/home/x'], systemd: { bindPrivilegedPorts: true } }],
  ])('default profile, %s: at most 2.5', (_, extra) => {
    const r = exposure({ name: 'worst', command: '/usr/bin/worst', ...extra }, 'default', BOUND.default);
    expect(r.exposure, r.report).toBeLessThanOrEqual(BOUND.default);
  });

  test('the check can fail: without sandboxing the same units are UNSAFE', () => {
    for (const name of fixtureNames()) {
      const r = exposure(fixtureSpec(name), 'off', BOUND.default);
      expect(r.exposure, name).toBeGreaterThan(9);
      expect(r.status, name).toBe(1);
    }
  });
});
