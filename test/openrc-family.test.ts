import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { plan, writePlanned } from '../src/write.js';
import { OpenrcSandbox, describeWithOpenrc, uniqueName, waitFor } from './support/openrc.js';

describeWithOpenrc()(
  'real OpenRC: two instances of one family at once',
  () => {
    let box: OpenrcSandbox;
    const family = uniqueName('isvfam');
    const [one, two] = [`${family}.one`, `${family}.two`];

    beforeAll(async () => {
      box = new OpenrcSandbox();
      // One description per member, alike but for the name: the generic
      // script derives the instance from RC_SVCNAME (issue 15).
      const member = (name: string) => ({ name, family, command: box.probe, args: ['site', '{instance}'], user: 'nobody', environment: { SITE: '{instance}' }, restart: 'always' });
      const { files } = generate([member('one'), member('two')], { targets: ['openrc'] });
      await writePlanned(await plan(files, box.out));
      // A family default: applies to "one", which sets no umask; "two" sets its own, and its own user.
      appendFileSync(join(box.out, 'openrc/conf.d', family), "umask='0077'\n");
      const knob = `${family.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_USER`;
      appendFileSync(join(box.out, 'openrc/conf.d', two), `umask='0027'\n${knob}='nobody:users'\n`);
    });
    afterAll(() => box?.cleanup([one, two]));

    test('the generic script started directly refuses, and says how to make an instance', async () => {
      const { status, output } = await box.rc(family, 'start');
      expect(status).toBe(1);
      expect(output).toContain(`ln -s ${family} /etc/init.d/${family}.NAME`);
      await new Promise((r) => setTimeout(r, 300));
      expect(box.liveProbes()).toEqual([]);
      await box.rc(family, 'zap');
    });

    test('both start and run side by side, each with its own values and the family default', async () => {
      expect((await box.rc(one, 'start')).status).toBe(0);
      expect((await box.rc(two, 'start')).status).toBe(0);
      const pids = await waitFor('two probes with records', () => {
        const live = box.liveProbes();
        return live.length === 2 && live.every((pid) => box.records().some((r) => r.pid === pid)) && live;
      });
      const seen = box.records().filter((r) => pids.includes(r.pid));
      const bySite = Object.fromEntries(seen.map((r) => [r.env.get('SITE'), r]));
      expect(bySite.one?.argv).toEqual([box.probe, 'site', 'one']);
      expect(bySite.two?.argv).toEqual([box.probe, 'site', 'two']);
      expect(bySite.one?.umask).toBe('0077');
      expect(bySite.two?.umask).toBe('0027');
      expect(bySite.one?.gid).toBe(65534);
      expect(bySite.two?.gid).toBe(100);
    });

    test('each has its own root-owned pidfile, held by its own supervisor', async () => {
      const pid = (file: string) => Number(readFileSync(file, 'utf8').trim());
      expect(pid(`/run/${one}.pid`)).toBe(box.supervisors(one)[0]);
      expect(pid(`/run/${two}.pid`)).toBe(box.supervisors(two)[0]);
      expect(pid(`/run/${one}.pid`)).not.toBe(pid(`/run/${two}.pid`));
    });

    test('stopping one leaves the other running', async () => {
      const second = box.records().find((r) => r.env.get('SITE') === 'two' && box.liveProbes().includes(r.pid))!;
      expect((await box.rc(one, 'stop')).status).toBe(0);
      await waitFor('only two left', () => box.liveProbes().length === 1);
      expect(box.liveProbes()).toEqual([second.pid]);
      expect((await box.rc(two, 'status')).status).toBe(0);
      expect((await box.rc(one, 'status')).status).toBe(3);
      expect((await box.rc(two, 'stop')).status).toBe(0);
      await waitFor('none left', () => box.liveProbes().length === 0);
    });
  },
);
