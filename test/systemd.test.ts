import { expect, test } from 'vitest';
import { fixtureFiles, fixtureNames } from './support/fixtures.js';
import { verifyUnit } from './support/systemd.js';
import { describeWithTools } from './support/tools.js';

describeWithTools(['systemd-analyze'])('systemd-analyze verify (empty stderr required)', () => {
  test.each(fixtureNames())('%s', (name) => {
    const units = fixtureFiles(name).filter((f) => f.path.startsWith('systemd/'));
    expect(units.length).toBeGreaterThan(0);
    const files = Object.fromEntries(units.map((u) => [u.path.slice('systemd/'.length), u.content!]));
    for (const unit of Object.keys(files).filter((u) => u.endsWith('.service') && !u.includes('@.'))) {
      const { status, stderr } = verifyUnit(files, unit);
      expect(stderr).toBe('');
      expect(status).toBe(0);
    }
  });

  test('the staged check does fail on a broken unit', () => {
    const { stderr } = verifyUnit({ 'broken.service': '[Service]\nExecStart=/usr/bin/x\nRestart=sometimes\n' }, 'broken.service');
    expect(stderr).toMatch(/restart specifier/);
  });
});
