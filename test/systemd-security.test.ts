import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { exposures, securityExposure, unitFiles } from './support/systemd.js';
import { describeWithTools, IN_CI } from './support/tools.js';

/**
 * Each example beside the distribution's own unit for the same daemon, as
 * Debian installs it on this machine: `systemd-analyze security
 * --offline=true` scores both in one run, and ours may be no more exposed.
 */
const DISTRIBUTION_UNITS: Record<string, string> = {
  redis: '/lib/systemd/system/redis-server.service',
  nginx: '/lib/systemd/system/nginx.service',
  memcached: '/lib/systemd/system/memcached.service',
};

function ourUnit(spec: Record<string, unknown>) {
  return unitFiles(generate(spec, { targets: ['systemd'] }).files);
}

/** Ours and the distribution's unit, scored in one run; the distribution's is renamed "distribution-NAME.service". */
function sideBySide(spec: Record<string, unknown>, distributionUnit: string) {
  const ours = ourUnit(spec);
  const theirs = `distribution-${ours.unit.replace(/@.*$/, '')}.service`;
  const r = exposures({ ...ours.files, [theirs]: readFileSync(distributionUnit, 'utf8') }, [ours.unit, theirs]);
  return { ...r, ours: r.exposure.get(ours.unit), theirs: r.exposure.get(theirs) };
}

/** Debian's units come with its packages (.ci/run installs them): under CI a missing one fails, elsewhere it is a visible skip. */
const withUnit = (path: string) => (existsSync(path) || IN_CI ? test : test.skip);

describeWithTools(['systemd-analyze'])('systemd-analyze security --offline=true: our unit beside the distribution\'s', () => {
  for (const [name, path] of Object.entries(DISTRIBUTION_UNITS)) {
    withUnit(path)(`${name}: no more exposed than ${path}`, () => {
      const r = sideBySide(fixtureSpec(name), path);
      expect(r.stderr).toBe('');
      expect(r.ours, r.report).toBeTypeOf('number');
      expect(r.theirs, r.report).toBeTypeOf('number');
      expect(r.ours!, r.report).toBeLessThanOrEqual(r.theirs!);
    });
  }

  withUnit(DISTRIBUTION_UNITS.redis!)('the comparison can fail: redis run as root scores above Debian\'s unit', () => {
    const r = sideBySide({ ...fixtureSpec('redis'), user: 'root', group: 'root' }, DISTRIBUTION_UNITS.redis!);
    expect(r.ours!).toBeGreaterThan(r.theirs!);
  });

  test('without sandboxing every unit is UNSAFE', () => {
    for (const name of fixtureNames()) {
      const full = fixtureSpec(name);
      const { files, unit } = ourUnit({ ...full, systemd: { ...(full.systemd as object | undefined), hardening: 'off' } });
      const r = securityExposure(files, unit, 5);
      expect(r.exposure, name).toBeGreaterThan(9);
      expect(r.status, name).toBe(1);
    }
  });
});
