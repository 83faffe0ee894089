import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { BIN, cli, treeRecord } from './support/cli.js';
import { describeWithTools } from './support/tools.js';

/** Files the built-in homesite example generates (the default targets). */
const HOMESITE_FILES = generate(JSON.parse(readFileSync(new URL('../examples/homesite.json', import.meta.url), 'utf8'))).files.length;
const dir = mkdtempSync(join(tmpdir(), 'init-service-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `out${n++}`);

function specDir(name: string, specs: Record<string, unknown>[], ext = 'json'): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const spec of specs) writeFileSync(join(d, `${String(spec.name)}.${ext}`), JSON.stringify(spec, null, 2));
  return d;
}

describe('generate --dry-run', () => {
  test('prints files, modes and links, writes nothing, exits 0', () => {
    const out = fresh();
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--dry-run'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^create +0755 openrc\/init\.d\/restas$/m);
    expect(r.stdout).toMatch(/^create +0777 openrc\/init\.d\/restas\.homesite -> restas$/m);
    expect(r.stdout).toMatch(/^create +0644 systemd\/restas@\.service$/m);
    expect(r.stdout).toMatch(new RegExp(`nothing written .* ${HOMESITE_FILES} to create, 0 to update, 0 unchanged`));
    expect(existsSync(out)).toBe(false);
  });

  test('shows a diff against a changed file; exits 1 as the real run would without --force, 0 with it; writes nothing either way', () => {
    const out = fresh();
    expect(cli(['generate', '--example', 'homesite', '--out', out], dir).status).toBe(0);
    const unit = join(out, 'systemd/restas@.service');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('RestartSec=1', 'RestartSec=7'));
    const before = treeRecord(out);
    const refused = cli(['generate', '--example', 'homesite', '--out', out, '--dry-run'], dir);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/^update +0644 systemd\/restas@\.service \(differs .*needs --force\)$/m);
    expect(refused.stdout).toMatch(/^unchanged +0755 openrc\/init\.d\/restas$/m);
    expect(refused.stdout).toContain('--- a/systemd/restas@.service\n+++ b/systemd/restas@.service\n');
    expect(refused.stdout).toMatch(/^-RestartSec=7\n\+RestartSec=1$/m);
    expect(refused.stderr).toMatch(/a real run would write nothing/);
    const forced = cli(['generate', '--example', 'homesite', '--out', out, '--dry-run', '--force'], dir);
    expect(forced.status).toBe(0);
    expect(treeRecord(out)).toEqual(before);
  });
});

describe('generate --check (for CI)', () => {
  test('exits 0 when the directory matches', () => {
    const out = fresh();
    cli(['generate', '--example', 'homesite', '--out', out], dir);
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--check'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`matches (${HOMESITE_FILES} files)`);
  });

  test('exits 1 with a diff; writes nothing', () => {
    const out = driftedTree();
    const before = treeRecord(out);
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--check'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not match the service descriptions: 1 differ, 1 missing/);
    expect(r.stdout).toMatch(/^-extra="local edit"$/m);
    expect(r.stdout).toMatch(/^new file mode 100644\n--- \/dev\/null\n\+\+\+ b\/rcd\/pkg-plist$/m);
    expect(treeRecord(out)).toEqual(before);
  });

  test('a missing directory does not match; --check with --dry-run or --force is a usage error', () => {
    const out = fresh();
    expect(cli(['generate', '--example', 'homesite', '--out', out, '--check'], dir).status).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(cli(['generate', '--example', 'homesite', '--out', out, '--check', '--dry-run'], dir).status).toBe(2);
    expect(cli(['generate', '--example', 'homesite', '--out', out, '--check', '--force'], dir).status).toBe(2);
  });
});

describeWithTools(['patch'])('generate --check diff and patch(1)', () => {
  test('patch -p1 applies the diff of --check and the directory then matches', () => {
    const out = driftedTree();
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--check'], dir);
    expect(r.status).toBe(1);
    const patched = spawnPatch(out, r.stdout);
    expect(patched).toBe(0);
    expect(cli(['generate', '--example', 'homesite', '--out', out, '--check'], dir).status).toBe(0);
  });
});

/** A generated tree with one file edited and one deleted: --check reports 1 differ, 1 missing. */
function driftedTree(): string {
  const out = fresh();
  expect(cli(['generate', '--example', 'homesite', '--out', out], dir).status).toBe(0);
  const conf = join(out, 'openrc/conf.d/restas.homesite');
  writeFileSync(conf, `${readFileSync(conf, 'utf8')}extra="local edit"\n`);
  rmSync(join(out, 'rcd/pkg-plist'));
  return out;
}

function spawnPatch(cwd: string, input: string): number | null {
  return spawnSync('patch', ['-s', '-p1'], { cwd, input, encoding: 'utf8' }).status;
}

describe('generate --json', () => {
  test('prints a manifest whose sha256, modes and links match what was written', () => {
    const out = fresh();
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--json'], dir);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { written: boolean; action: string; files: Record<string, string | number>[] };
    expect(doc).toMatchObject({ written: true, action: 'write' });
    expect(doc.files).toHaveLength(HOMESITE_FILES);
    for (const f of doc.files) {
      expect(f.state).toBe('new');
      const full = join(out, String(f.path));
      if (f.type === 'symlink') {
        expect(f).toMatchObject({ mode: '0777', linkTarget: 'restas' });
        continue;
      }
      const bytes = readFileSync(full);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(f.size).toBe(bytes.length);
      expect(f.mode).toBe((statSync(full).mode & 0o777).toString(8).padStart(4, '0'));
    }
    const again = JSON.parse(cli(['generate', '--example', 'homesite', '--out', out, '--json', '--check'], dir).stdout) as typeof doc;
    expect(again.files.every((f) => f.state === 'same')).toBe(true);
  });

  test('when refused, still prints the manifest with written: false and the state of each file; exit 1', () => {
    const out = fresh();
    cli(['generate', '--example', 'homesite', '--out', out], dir);
    writeFileSync(join(out, 'rcd/pkg-plist'), 'edited\n');
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--json'], dir);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { written: boolean; files: { path: string; state: string }[] };
    expect(doc.written).toBe(false);
    expect(doc.files.filter((f) => f.state !== 'same')).toEqual([expect.objectContaining({ path: 'rcd/pkg-plist', state: 'changed' })]);
    expect(readFileSync(join(out, 'rcd/pkg-plist'), 'utf8')).toBe('edited\n');
  });
});

describe('what even --force does not overwrite', () => {
  test('a directory where a file belongs: exit 1, nothing written', () => {
    const out = fresh();
    mkdirSync(join(out, 'systemd/restas@.service/x'), { recursive: true });
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--force'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write, even with --force; nothing was written:\n {2}.*systemd\/restas@\.service is a directory/);
    expect(existsSync(join(out, 'openrc'))).toBe(false);
  });
});

describe('many services at once', () => {
  const specs = [
    { name: 'alpha', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'] },
    { name: 'beta', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'] },
    { name: 'gamma', command: '/usr/bin/g' },
  ];

  test('--spec DIR takes every *.json/*.yaml in it into one tree; --spec repeats', () => {
    const d = specDir('specs-ok', specs.slice(0, 2));
    writeFileSync(join(d, 'gamma.yaml'), 'name: gamma\ncommand: /usr/bin/g\n');
    writeFileSync(join(d, 'README.md'), 'not a spec\n');
    const extra = join(dir, 'delta.json');
    writeFileSync(extra, JSON.stringify({ name: 'delta', command: '/usr/bin/d' }));
    const out = fresh();
    const r = cli(['generate', '--spec', 'specs-ok', '--spec', extra, '--out', out, '--target', 'openrc,systemd'], dir);
    expect(r.stderr).not.toMatch(/init-service:/);
    expect(r.stderr).toMatch(/^warning: specs-ok\/gamma\.yaml: /m);
    expect(r.status).toBe(0);
    const paths = Object.keys(treeRecord(out));
    expect(paths).toEqual([
      'openrc/conf.d/delta',
      'openrc/conf.d/gamma',
      'openrc/conf.d/sites',
      'openrc/conf.d/sites.alpha',
      'openrc/conf.d/sites.beta',
      'openrc/init.d/delta',
      'openrc/init.d/gamma',
      'openrc/init.d/sites',
      'openrc/init.d/sites.alpha',
      'openrc/init.d/sites.beta',
      'systemd/delta.service',
      'systemd/gamma.service',
      'systemd/sites@.service',
      // A member's drop-in only where it differs from the family's template.
      ...generate(specs.filter((spec) => spec.family === 'sites'), { targets: ['systemd'] }).files.map((f) => f.path).filter((path) => path.includes('.service.d/')),
    ].sort());
  });

  test('one bad spec fails the whole run before anything is written, naming its file', () => {
    const d = specDir('specs-bad', [...specs, { name: 'zeta', command: 'relative/path' }]);
    const out = fresh();
    const r = cli(['generate', '--spec', d, '--out', out, '--target', 'openrc,systemd'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/specs-bad\/zeta\.json: command: /);
    expect(existsSync(out)).toBe(false);
  });

  test('two descriptions with one name are refused; an empty directory is a usage error', () => {
    const d = specDir('specs-dup', specs);
    writeFileSync(join(d, 'zz.json'), JSON.stringify({ name: 'alpha', command: '/usr/bin/other' }));
    const r = cli(['generate', '--spec', d, '--out', fresh(), '--target', 'systemd'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/zz\.json: name: "alpha" is also the name of .*alpha\.json/);
    mkdirSync(join(dir, 'empty'));
    const empty = cli(['generate', '--spec', join(dir, 'empty'), '--out', fresh()], dir);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/has no service descriptions/);
  });
});

describe('--templates DIR', () => {
  test('overrides one template by its relative path; a template saved with CRLF still gives LF output', () => {
    const t = join(dir, 'tpl-ok');
    mkdirSync(join(t, 'systemd'), { recursive: true });
    writeFileSync(join(t, 'systemd/service.ejs'), '# local unit of <%- q.commentText(svc.name) %>\r\n[Service]\r\nExecStart=<%- q.systemdExecLine([svc.command, ...svc.args]) %>\r\n');
    const out = fresh();
    const r = cli(['generate', '--example', 'homesite', '--out', out, '--templates', t], dir);
    expect(r.status).toBe(0);
    const unit = readFileSync(join(out, 'systemd/restas@.service'), 'utf8');
    expect(unit).toMatch(/^# local unit of homesite\n\[Service\]\nExecStart=\/usr\/bin\/sbcl --noinform/);
    expect(unit).not.toContain('\r');
    // The other templates are the built-in ones.
    expect(readFileSync(join(out, 'openrc/init.d/restas'), 'utf8')).toMatch(/^#!\/sbin\/openrc-run/);
  });

  test('a misspelt override, a missing directory, or <%= are refused with exit 2 before anything is written', () => {
    const t = join(dir, 'tpl-typo');
    mkdirSync(join(t, 'systemd'), { recursive: true });
    writeFileSync(join(t, 'systemd/unit.ejs'), 'x');
    const out = fresh();
    const typo = cli(['generate', '--example', 'homesite', '--out', out, '--templates', t], dir);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/systemd\/unit\.ejs would override no built-in template; the built-in ones are:\n  openrc\/conf\.d-family\.ejs/);
    expect(cli(['generate', '--example', 'homesite', '--out', out, '--templates', join(dir, 'nope')], dir).status).toBe(2);
    const html = join(dir, 'tpl-html');
    mkdirSync(join(html, 'systemd'), { recursive: true });
    writeFileSync(join(html, 'systemd/service.ejs'), '<%= svc.name %>');
    const escaped = cli(['generate', '--example', 'homesite', '--out', out, '--templates', html], dir);
    expect(escaped.status).toBe(2);
    expect(escaped.stderr).toMatch(/never <%= %>/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('deterministic output on disk', () => {
  test('two runs from different directories, umasks, time zones and locales give byte-identical trees and manifests, free of machine paths', () => {
    specDir('det-specs', [
      { name: 'alpha', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}', '--port', '8080'] },
      { name: 'gamma', command: '/usr/bin/g', workingDirectory: '/srv/g', environment: { B: '2', A: '1' } },
    ]);
    const a = join(dir, 'det-a', 'x');
    const b = join(dir, 'det-b', 'deeper', 'y');
    mkdirSync(join(dir, 'det-a'));
    mkdirSync(join(dir, 'det-b', 'deeper'), { recursive: true });
    const ra = cli(['generate', '--spec', join(dir, 'det-specs'), '--out', a, '--target', 'openrc,systemd', '--json'], join(dir, 'det-a'), {
      TZ: 'UTC',
      LANG: 'C',
    });
    const rb = spawnWithUmask(['generate', '--spec', '../../det-specs', '--out', 'y', '--target', 'openrc,systemd', '--json'], join(dir, 'det-b', 'deeper'), {
      TZ: 'Asia/Tokyo',
      LANG: 'ru_RU.UTF-8',
      LC_ALL: 'ru_RU.UTF-8',
    });
    expect(ra.status).toBe(0);
    expect(rb.status).toBe(0);
    expect(treeRecord(b)).toEqual(treeRecord(a));
    const files = (s: string) => (JSON.parse(s) as { files: unknown[] }).files;
    expect(files(rb.stdout)).toEqual(files(ra.stdout));
    const all = Object.values(treeRecord(a)).join('\n');
    for (const machine of [dir, tmpdir(), process.cwd(), hostname(), String(new Date().getFullYear())]) expect(all).not.toContain(machine);
    expect(all).not.toContain('\r');
  });
});

function spawnWithUmask(args: string[], cwd: string, env: Record<string, string>) {
  // umask 077 must not change the modes of what is written.
  const old = process.umask(0o077);
  try {
    return cli(args, cwd, env);
  } finally {
    process.umask(old);
  }
}

describeWithTools([], { ok: process.platform === 'linux', why: 'fs.watch on Linux' })('an interrupted run', () => {
  test('SIGKILL while files are being replaced leaves each file whole: old or new, never a part', async () => {
    const count = 300;
    const make = (version: string) =>
      Array.from({ length: count }, (_, i) => ({ name: `s${String(i).padStart(3, '0')}`, command: '/usr/bin/s', description: `${version} ${'x'.repeat(200)}` }));
    const v1 = specDir('kill-v1', make('v1'));
    const v2 = specDir('kill-v2', make('v2'));
    const out = fresh();
    expect(cli(['generate', '--spec', v1, '--out', out, '--target', 'openrc,systemd'], dir).status).toBe(0);

    let mixed = false;
    for (let attempt = 0; attempt < 6 && !mixed; attempt++) {
      cli(['generate', '--spec', v1, '--out', out, '--target', 'openrc,systemd', '--force'], dir);
      const child = spawn(process.execPath, [BIN, 'generate', '--spec', v2, '--out', out, '--target', 'openrc,systemd', '--force'], { stdio: 'ignore' });
      // The first rename of a real file (not a dot file) starts the commit: kill then.
      const watcher = watch(join(out, 'systemd'), (_, name) => {
        if (name && !String(name).startsWith('.')) child.kill('SIGKILL');
      });
      await new Promise((resolve) => child.on('exit', resolve));
      watcher.close();

      let old = 0;
      let updated = 0;
      for (const sub of ['openrc/conf.d', 'openrc/init.d', 'systemd']) {
        for (const name of readdirSync(join(out, sub))) {
          if (name.startsWith('.')) {
            expect(name).toMatch(/^\.[0-9a-z]+-[0-9a-z]+-[0-9a-z]+\.init-service\.(tmp|old)$/);
            continue;
          }
          const text = readFileSync(join(out, sub, name), 'utf8');
          const isOld = text.includes(`v1 ${'x'.repeat(200)}`);
          const isNew = text.includes(`v2 ${'x'.repeat(200)}`);
          // The description is in the script (init.d); conf.d holds only the knobs, the same in both versions.
          if (sub === 'openrc/init.d') expect(text).toMatch(/^#!\/sbin\/openrc-run\n[^]*\n$/);
          if (sub === 'openrc/conf.d') {
            expect(text.endsWith('\n')).toBe(true);
            continue;
          }
          expect(isOld !== isNew, `${sub}/${name} is neither the old nor the new file`).toBe(true);
          expect(text.endsWith('\n')).toBe(true);
          if (isOld) old++;
          else updated++;
        }
      }
      mixed = old > 0 && updated > 0;
    }
    // The kill must have landed while files were being replaced, or this test proved nothing.
    expect(mixed).toBe(true);
    // A later run completes the job; the dot files of the killed run are not part of the tree.
    // (They are left for the admin to delete: another run may be using its own right now.)
    expect(cli(['generate', '--spec', v2, '--out', out, '--target', 'openrc,systemd', '--force'], dir).status).toBe(0);
    expect(cli(['generate', '--spec', v2, '--out', out, '--target', 'openrc,systemd', '--check'], dir).status).toBe(0);
  });
});

describeWithTools([], { ok: process.platform === 'linux', why: 'fs.watch on Linux' })('Ctrl-C', () => {
  test('SIGINT while files are staged: exit 130, the tree as it was, no temporary files left', async () => {
    const make = (version: string) => Array.from({ length: 300 }, (_, i) => ({ name: `c${String(i).padStart(3, '0')}`, command: '/usr/bin/c', description: version }));
    const v1 = specDir('int-v1', make('v1'));
    const v2 = specDir('int-v2', make('v2'));
    const out = fresh();
    expect(cli(['generate', '--spec', v1, '--out', out, '--target', 'openrc,systemd'], dir).status).toBe(0);
    const before = treeRecord(out);
    let interrupted = false;
    for (let attempt = 0; attempt < 5 && !interrupted; attempt++) {
      const child = spawn(process.execPath, [BIN, 'generate', '--spec', v2, '--out', out, '--target', 'openrc,systemd', '--force'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // The first temporary file in openrc/init.d (the scripts carry the description) means staging has begun. One
      // Ctrl-C: removing the staged files makes more events, and a second
      // SIGINT after the run has given up and released the signal would
      // simply end the process (status null), which this test does not ask.
      let sent = false;
      const watcher = watch(join(out, 'openrc/init.d'), (_, name) => {
        if (!sent && name && String(name).endsWith('.init-service.tmp')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      watcher.close();
      if (status === 130) {
        interrupted = true;
        expect(stderr).toMatch(/interrupted before any file was replaced/);
        expect(treeRecord(out)).toEqual(before);
      } else {
        // The signal came after staging: the run completes, every file new.
        expect(status).toBe(0);
        expect(cli(['generate', '--spec', v2, '--out', out, '--target', 'openrc,systemd', '--check'], dir).status).toBe(0);
        expect(cli(['generate', '--spec', v1, '--out', out, '--target', 'openrc,systemd', '--force'], dir).status).toBe(0);
      }
    }
    expect(interrupted).toBe(true);
  });
});
