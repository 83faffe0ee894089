import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { GeneratedFile } from '../src/files.js';
import { generate } from '../src/index.js';
import { LEFTOVER, plan, WriteAborted, writePlanned } from '../src/write.js';
import { treeRecord } from './support/cli.js';

const base = mkdtempSync(join(tmpdir(), 'init-service-write-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(base, `t${n++}`);

/** Every entry under dir, relative, with what it is and its mtime: enough to tell "nothing changed". */
const snapshot = (dir: string) => treeRecord(dir, { directories: true, mtimes: true });

const v1 = generate([
  { name: 'alpha', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'] },
  { name: 'beta', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'] },
], { targets: ['openrc', 'systemd'] }).files;
const v2 = generate([
  { name: 'alpha', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'], description: 'second version' },
  { name: 'beta', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'], description: 'second version' },
], { targets: ['openrc', 'systemd'] }).files;

async function writeAll(files: readonly GeneratedFile[], dir: string) {
  await writePlanned(await plan(files, dir));
}

describe('plan', () => {
  test('tells new, same and changed apart, by content, mode and link target', async () => {
    const dir = fresh();
    const files: GeneratedFile[] = [
      { path: 'a', mode: 0o644, content: 'a\n' },
      { path: 'b', mode: 0o755, content: 'b\n' },
      { path: 'l', mode: 0o777, linkTarget: 'a' },
      { path: 'x', mode: 0o644, content: 'x\n' },
    ];
    await writeAll(files.slice(0, 3), dir);
    const changed: GeneratedFile[] = [files[0]!, { ...files[1]!, mode: 0o644 }, { ...files[2]!, linkTarget: 'b' }, files[3]!];
    const states = (await plan(changed, dir)).map((p) => [p.file.path, p.state, p.blocker]);
    expect(states).toEqual([
      ['a', 'same', undefined],
      ['b', 'changed', undefined],
      ['l', 'changed', undefined],
      ['x', 'new', undefined],
    ]);
  });

  test('a directory where a file goes, or a file where a directory goes, blocks the plan', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'systemd/web.service'), { recursive: true });
    writeFileSync(join(dir, 'openrc'), 'not a directory\n');
    const planned = await plan(
      [
        { path: 'systemd/web.service', mode: 0o644, content: 'x\n' },
        { path: 'openrc/init.d/web', mode: 0o755, content: 'x\n' },
      ],
      dir,
    );
    expect(planned[0]!.blocker).toMatch(/web\.service is a directory/);
    expect(planned[1]!.blocker).toMatch(/openrc is not a directory/);
    const before = snapshot(dir);
    await expect(writePlanned(planned)).rejects.toThrow(/cannot write/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('writePlanned', () => {
  test('writes modes exactly whatever the umask, directories 0755, the link relative; leaves no temporary files', async () => {
    const dir = fresh();
    const old = process.umask(0o077);
    try {
      await writeAll(v1, dir);
    } finally {
      process.umask(old);
    }
    for (const f of v1) {
      const full = join(dir, f.path);
      if (f.linkTarget !== undefined) expect(readlinkSync(full)).toBe(f.linkTarget);
      else {
        expect(statSync(full).mode & 0o777, f.path).toBe(f.mode);
        expect(readFileSync(full, 'utf8')).toBe(f.content);
      }
    }
    expect(statSync(join(dir, 'openrc/init.d')).mode & 0o777).toBe(0o755);
    expect(Object.keys(snapshot(dir)).filter((p) => p.includes('init-service'))).toEqual([]);
  });

  test('identical files keep their mtime; changed ones are replaced (new inode), not rewritten in place', async () => {
    const dir = fresh();
    await writeAll(v1, dir);
    // A member's conf.d holds no description; the family's unit does.
    const unchanged = join(dir, 'openrc/conf.d/sites.alpha');
    const changed = join(dir, 'systemd/sites@.service');
    const before = { unchanged: statSync(unchanged), changed: statSync(changed) };
    await new Promise((r) => setTimeout(r, 20));
    await writeAll(v2, dir);
    expect(statSync(unchanged).mtimeMs).toBe(before.unchanged.mtimeMs);
    expect(statSync(unchanged).ino).toBe(before.unchanged.ino);
    expect(statSync(changed).ino).not.toBe(before.changed.ino);
    expect(readFileSync(changed, 'utf8')).toMatch(/second version/);
  });

  test('a failure while staging (a file where a directory must be created) changes nothing, not even directories', async () => {
    const dir = fresh();
    await writeAll(v1.filter((f) => f.path.startsWith('openrc/conf.d/')), dir);
    const before = snapshot(dir);
    const planned = await plan(v2, dir);
    // After planning, something takes the place of a directory the run must create.
    writeFileSync(join(dir, 'systemd'), 'in the way\n');
    before.systemd = snapshot(dir).systemd!;
    // openrc files sort first and are staged (openrc/init.d/ is created for
    // them); then systemd/ cannot be created.
    await expect(writePlanned(planned)).rejects.toThrow(/systemd/);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a failure while renaming puts back every file already replaced', async () => {
    const dir = fresh();
    await writeAll(v1, dir);
    const v3 = generate([
      { name: 'alpha', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'], description: 'second version', configFile: '/etc/site/{instance}.conf' },
      { name: 'beta', family: 'sites', command: '/usr/bin/site', args: ['--site', '{instance}'], description: 'second version', configFile: '/etc/site/{instance}.conf' },
      { name: 'zeta', command: '/usr/bin/z' },
    ], { targets: ['openrc', 'systemd'] }).files;
    const planned = await plan(v3, dir);
    const steps = planned.filter((p) => p.state !== 'same');
    expect(steps.filter((p) => p.state === 'changed').length).toBeGreaterThan(2);
    // The last file to be renamed is a new one; after planning, a non-empty
    // directory takes its place, so every rename before it succeeds and it fails.
    const last = steps.at(-1)!;
    expect(last).toMatchObject({ state: 'new', file: { path: 'systemd/zeta.service' } });
    mkdirSync(join(last.dest, 'occupied'), { recursive: true });
    const before = snapshot(dir);
    await expect(writePlanned(planned)).rejects.toThrow();
    expect(snapshot(dir)).toEqual(before);
  });

  test('a new subtree is staged under a dot name and appears with the commit, or not at all', async () => {
    const dir = fresh();
    mkdirSync(dir);
    const planned = await plan(v1, join(dir, 'a/b/out'));
    const seenWhenStaged: string[][] = [];
    // Asked once before the first file and once after the last one is staged: abort then.
    let asked = 0;
    const signal = {
      get aborted() {
        asked += 1;
        if (asked === 2) seenWhenStaged.push(readdirSync(dir));
        return asked === 2;
      },
      reason: new Error('interrupted'),
    } as AbortSignal;
    await expect(writePlanned(planned, { signal })).rejects.toBeInstanceOf(WriteAborted);
    expect(seenWhenStaged).toHaveLength(1);
    expect(seenWhenStaged[0]).toHaveLength(1);
    expect(seenWhenStaged[0]![0]).toMatch(LEFTOVER);
    expect(readdirSync(dir)).toEqual([]);

    await writePlanned(planned);
    expect(readdirSync(dir)).toEqual(['a']);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'a/b/out/openrc/conf.d/sites.alpha'), 'utf8')).toBe(v1.find((f) => f.path === 'openrc/conf.d/sites.alpha')!.content);
  });

  test('an abort before the first rename leaves the tree as it was', async () => {
    const dir = fresh();
    await writeAll(v1, dir);
    const before = snapshot(dir);
    const controller = new AbortController();
    const planned = await plan(v2, dir);
    controller.abort(new Error('interrupted by SIGINT'));
    await expect(writePlanned(planned, { signal: controller.signal })).rejects.toBeInstanceOf(WriteAborted);
    expect(snapshot(dir)).toEqual(before);
  });
});
