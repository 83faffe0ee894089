#!/usr/bin/env node
// The command samples of README.md and docs/: each ```console block that
// follows a `<!-- sample -->` line is rerun and its output rewritten, so the
// samples show what this version prints. `node scripts/docs-samples.js`
// rewrites the files; test/docs-samples.test.ts fails when one is stale.
//
// A sample block is `$ command` lines, each followed by its output. Every
// command runs with sh in one scratch directory per file, in order (so a
// page can generate a tree, then check it), with `init-service` being the
// built CLI (bin/, run `node scripts/build.js` first). Output is stdout and
// stderr as the terminal shows them; a status other than 0 is shown as
// `$ echo $?` and the number. The scratch directory is shown as /tmp/demo.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/init-service.js');
const SHOWN_DIR = '/tmp/demo';

/** The files that carry samples. */
export const SAMPLE_FILES = ['README.md', 'docs/README.md', 'docs/commands/generate.md', 'docs/commands/wizard.md', 'docs/commands/install.md', 'docs/commands/uninstall.md', 'docs/commands/lint.md', 'docs/commands/verify.md', 'docs/commands/init.md'];

const BLOCK = /(<!-- sample -->\n```console\n)([\s\S]*?)(```\n)/g;

/** `text` with every sample block's output rerun. */
export function refreshSamples(text) {
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'init-service-samples-')));
  try {
    const bin = join(scratch, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'init-service'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(join(bin, 'init-service'), 0o755);
    // `npx init-service …`, as the README shows it, is the same CLI.
    writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = init-service ] && shift\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(join(bin, 'npx'), 0o755);
    const work = join(scratch, 'demo');
    mkdirSync(work);
    return text.replace(BLOCK, (_, open, body, close) => {
      const commands = body.split('\n').filter((line) => line.startsWith('$ ') && line !== '$ echo $?').map((line) => line.slice(2));
      const out = commands.map((command) => {
        const r = spawnSync('sh', ['-c', `exec 2>&1; ${command}`], {
          cwd: work,
          encoding: 'utf8',
          env: { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: work, LC_ALL: 'C.UTF-8', NO_COLOR: '1' },
        });
        if (/Cannot find module '[^']*dist\//.test(r.stdout)) throw new Error(`the CLI is not built (run node scripts/build.js): ${command}`);
        const output = r.stdout.split(work).join(SHOWN_DIR).split(scratch).join(SHOWN_DIR);
        return `$ ${command}\n${output}${output === '' || output.endsWith('\n') ? '' : '\n'}${r.status === 0 ? '' : `$ echo $?\n${r.status}\n`}`;
      });
      return `${open}${out.join('')}${close}`;
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of SAMPLE_FILES) {
    const path = join(ROOT, file);
    const before = readFileSync(path, 'utf8');
    const after = refreshSamples(before);
    if (after !== before) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, after);
      console.log(`updated ${file}`);
    }
  }
}
