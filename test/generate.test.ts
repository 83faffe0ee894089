import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';

const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

describe('generate (programmatic API)', () => {
  test('two services of one family share a byte-identical generic script and family conf.d', () => {
    const alpha = { name: 'alpha', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'], reloadSignal: 'HUP' };
    const a = generate(alpha, { targets: ['openrc'] }).files;
    const b = generate({ ...alpha, name: 'beta' }, { targets: ['openrc'] }).files;
    const pick = (files: typeof a, path: string) => files.find((f) => f.path === path)?.content;
    expect(pick(a, 'openrc/init.d/sites')).toBeDefined();
    expect(pick(a, 'openrc/init.d/sites')).toBe(pick(b, 'openrc/init.d/sites'));
    expect(pick(a, 'openrc/conf.d/sites')).toBe(pick(b, 'openrc/conf.d/sites'));
    expect(pick(a, 'openrc/conf.d/sites.alpha')).not.toBe(pick(b, 'openrc/conf.d/sites.beta'));
    // systemd: one template unit for the family; a member that differs gets a drop-in with just what differs.
    const together = generate([alpha, { ...alpha, name: 'beta', umask: '0077' }], { targets: ['systemd'] }).files;
    expect(together.map((f) => f.path)).toEqual(['systemd/sites@.service', 'systemd/sites@beta.service.d/instance.conf']);
    expect(pick(together, 'systemd/sites@.service')).toMatch(/^ExecStart=\/usr\/bin\/site --site %i$/m);
    expect(pick(together, 'systemd/sites@beta.service.d/instance.conf')).toMatch(/\[Service\]\n(User=beta\n)?UMask=0077\n$/);
  });

  test('OpenRC refuses members of one family that differ in what the shared script holds, and says so', () => {
    const alpha = { name: 'alpha', family: 'sites', command: '/usr/bin/a' };
    expect(() => generate([alpha, { ...alpha, name: 'beta', command: '/usr/bin/b' }], { targets: ['openrc'] })).toThrow(
      /two services write openrc\/init\.d\/sites with different content; .*members of the family "sites", make them agree/,
    );
    expect(() => generate([alpha, { ...alpha, name: 'beta', commands: ['kill'] }], { targets: ['openrc'] })).toThrow(/members of the family "sites"/);
  });

  test("a family's generic script is rendered once per run, but an override that reads the member is rendered for each, and refused", () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-service-override-'));
    try {
      mkdirSync(join(dir, 'openrc'));
      writeFileSync(join(dir, 'openrc/init.d.ejs'), '#!/sbin/openrc-run\n# for <%- svc.name %>\n');
      const members = [
        { name: 'alpha', family: 'sites', command: '/usr/bin/a' },
        { name: 'beta', family: 'sites', command: '/usr/bin/b' },
      ];
      expect(() => generate(members, { targets: ['openrc'], templates: [dir] })).toThrow(/two services write openrc\/init\.d\/sites with different content/);
      expect(generate(members.slice(0, 1), { targets: ['openrc'], templates: [dir] }).files.find((f) => f.path === 'openrc/init.d/sites')!.content).toBe(
        '#!/sbin/openrc-run\n# for alpha\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a family of two generates into one tree: one script, two links, two conf.d files (and the same for the overlay)', () => {
    const { files } = generate([
      { name: 'alpha', family: 'sites', command: '/usr/bin/site' },
      { name: 'beta', family: 'sites', command: '/usr/bin/site' },
    ], { targets: ['openrc'] });
    expect(files.map((f) => f.path)).toEqual([
      'openrc/conf.d/sites',
      'openrc/conf.d/sites.alpha',
      'openrc/conf.d/sites.beta',
      'openrc/init.d/sites',
      'openrc/init.d/sites.alpha',
      'openrc/init.d/sites.beta',
    ]);
  });

  test("a template's output ends in exactly one newline, whatever white space the template leaves at its end", () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-service-newline-'));
    try {
      mkdirSync(join(dir, 'systemd'));
      const unit = (body: string) => {
        writeFileSync(join(dir, 'systemd/service.ejs'), body);
        return generate({ name: 'web', command: '/usr/bin/web' }, { targets: ['systemd'], templates: [dir] }).files[0]!.content;
      };
      expect(unit('[Unit]')).toBe('[Unit]\n');
      expect(unit('[Unit]\n')).toBe('[Unit]\n');
      expect(unit('[Unit]\n\n \t\n')).toBe('[Unit]\n');
      expect(unit('[Unit] \n')).toBe('[Unit]\n');
      expect(unit('[Unit]\u00a0\n')).toBe('[Unit]\n');
      expect(unit('\n')).toBe('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('output is deterministic: same input, same bytes, LF only, no absolute paths of this machine', () => {
    for (const name of fixtureNames()) {
      const once = JSON.stringify(generate(fixtureSpec(name)));
      expect(JSON.stringify(generate(fixtureSpec(name)))).toBe(once);
      expect(once).not.toMatch(/\\r/);
      expect(once).not.toContain(process.cwd());
    }
  });

  test('--target picks targets', () => {
    const { files } = generate({ name: 'web', command: '/usr/bin/web' }, { targets: ['systemd'] });
    expect(files.map((f) => f.path)).toEqual(['systemd/web.service']);
  });
});

describe('templates', () => {
  const all = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(`${dir}${e.name}/`) : [`${dir}${e.name}`]));

  test('never use ejs HTML escaping (<%=): every value goes through an escaper', () => {
    for (const file of all(TEMPLATES)) expect(readFileSync(file, 'utf8'), file).not.toContain('<%=');
  });

  test('a template that uses <%= is refused when compiled', async () => {
    const { Renderer } = await import('../src/render.js');
    const dir = fileURLToPath(new URL('./fixtures/bad-templates/', import.meta.url));
    expect(() => new Renderer([dir]).render('systemd/service.ejs', {})).toThrow(/never <%= %>/);
  });
});
