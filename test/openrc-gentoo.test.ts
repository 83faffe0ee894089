import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { fixtureNames, fixtureSpec } from './support/fixtures.js';
import { OpenrcSandbox, describeWithOpenrc, adaptFixture } from './support/openrc.js';
import { describeWithTools } from './support/tools.js';

/** Stand-ins for the ebuild install helpers (devmanual: install functions), acting on the image $D. */
const EBUILD_HELPERS = `
newinitd() { install -D -m 0755 "$1" "$D/etc/init.d/$2"; }
newconfd() { install -D -m 0644 "$1" "$D/etc/conf.d/$2"; }
dosym() { mkdir -p "$D\${2%/*}"; ln -s "$1" "$D$2"; }
elog() { printf 'elog %s\\n' "$*"; }
RDEPEND=
`;

/** Runs an ebuild snippet as the ebuild's phases would; returns what it printed. */
function runSnippet(snippet: string, filesdir: string, image: string): string {
  const script = `${EBUILD_HELPERS}\n. "$1"\nprintf 'RDEPEND=%s\\n' "$RDEPEND"\n`;
  return execFileSync('bash', ['-c', script, 'bash', snippet], { encoding: 'utf8', env: { ...process.env, FILESDIR: filesdir, D: image } });
}

describe.each(fixtureNames())('Gentoo overlay output of %s', (name) => {
  const files = generate(fixtureSpec(name), { targets: ['openrc', 'gentoo'] }).files;
  const text = (path: string) => files.find((f) => f.path === path)?.content;
  const initd = files.find((f) => f.path.startsWith('openrc/init.d/') && f.content !== undefined)!;
  const base = initd.path.split('/').pop()!;
  const snippet = files.find((f) => f.path.endsWith('.ebuild-snippet'))!;
  const spec = fixtureSpec(name);

  test('files/<base>.initd and files/<entry>.confd are the OpenRC files, byte for byte', async () => {
    expect(text(`gentoo/files/${base}.initd`)).toBe(initd.content);
    for (const conf of files.filter((f) => f.path.startsWith('openrc/conf.d/'))) {
      expect(text(`gentoo/files/${conf.path.split('/').pop()!}.confd`), conf.path).toBe(conf.content);
    }
  });

  test('the ebuild snippet installs them, links the instance, depends on the account, tells how to enable it', async () => {
    const lines = snippet.content!;
    const entry = snippet.path.replace(/^gentoo\//, '').replace(/\.ebuild-snippet$/, '');
    expect(lines).toContain(`newinitd "\${FILESDIR}/${base}.initd" ${base}`);
    expect(lines).toContain(`newconfd "\${FILESDIR}/${entry}.confd" ${entry}`);
    expect(lines.includes(`dosym ${base} /etc/init.d/${entry}`)).toBe(spec.family !== undefined);
    expect(lines).toContain(`rc-update add ${entry} default`);
    const user = spec.user === 'root' ? undefined : (spec.user ?? spec.name);
    expect(lines.includes('acct-user/')).toBe(user !== undefined);
    if (user) expect(lines).toContain(`acct-user/${String(user)}`);
    if (spec.group) expect(lines).toContain(`acct-group/${String(spec.group)}`);
  });

  describeWithTools(['bash'])('bash', () => {
    test('the snippet is valid bash (ebuilds are bash)', async () => {
      execFileSync('bash', ['-n'], { input: snippet.content });
    });
  });
});

describeWithOpenrc(['bash'])(
  'real OpenRC: a family instance installed by the ebuild snippet runs from the image',
  () => {
    let box: OpenrcSandbox;
    let entry: string;
    let base: string;
    let printed: string;
    const image = () => join(box.dir, 'image');

    beforeAll(async () => {
      box = new OpenrcSandbox();
      const adapted = adaptFixture(fixtureSpec('homesite'), box, 'supervise-daemon');
      entry = adapted.entry;
      base = entry.split('.')[0]!;
      await box.generate(adapted.spec);
      printed = runSnippet(join(box.out, 'gentoo', `${entry}.ebuild-snippet`), join(box.out, 'gentoo/files'), image());
      box.initd = join(image(), 'etc/init.d');
    });
    afterAll(() => box?.cleanup([entry]));

    test('the image holds the script (0755), its instance link, both conf.d files (0644)', async () => {
      expect(statSync(join(image(), 'etc/init.d', base)).mode & 0o777).toBe(0o755);
      expect(lstatSync(join(image(), 'etc/init.d', entry)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(image(), 'etc/init.d', entry))).toBe(base);
      for (const conf of [base, entry]) expect(statSync(join(image(), 'etc/conf.d', conf)).mode & 0o777).toBe(0o644);
      expect(readFileSync(join(image(), 'etc/conf.d', entry), 'utf8')).toBe(readFileSync(join(box.out, 'openrc/conf.d', entry), 'utf8'));
      expect(printed).toContain('RDEPEND= acct-user/nobody');
      expect(printed).toContain(`elog Start ${entry} at boot with: rc-update add ${entry} default`);
    });

    test('the installed instance starts, runs the program and stops', async () => {
      expect((await box.rc(entry, 'start')).status).toBe(0);
      const seen = await box.running();
      expect(seen.argv[0]).toBe(box.probe);
      expect(seen.env.get('LC_ALL')).toBe('ru_RU.UTF-8');
      expect((await box.rc(entry, 'stop')).status).toBe(0);
    });
  },
);
