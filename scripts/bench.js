// npm run bench: start-up and throughput of init-service against baselines
// measured in the same run on the same machine (these machines are noisy, so
// only ratios mean anything). Each figure is the median of several runs, the
// commands interleaved so that drift hits both sides alike.
//
//   1. cold `init-service generate --spec examples/homesite.json` vs `node -e 0`
//   2. one process generating 1000 distinct specs (all targets) vs a plain
//      Node loop writing the same bytes to the same number of files
//   3. time to the wizard's first question vs `node -e 0`
//   4. peak memory (max RSS) of 1 and 2
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/init-service.js');
const work = mkdtempSync(join(tmpdir(), 'init-service-bench-'));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const TARGETS = { generate: 1.5, batch: 2, wizard: 2 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Wall time (ms) and max RSS (KiB) of one command, via GNU time when present. */
function timed(argv, options = {}) {
  const time = spawnSync('sh', ['-c', 'command -v /usr/bin/time'], { encoding: 'utf8' }).status === 0;
  const cmd = time ? ['/usr/bin/time', '-f', '%M', ...argv] : argv;
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${result.stderr}`);
  const rss = time ? Number(result.stderr.trim().split('\n').pop()) : NaN;
  return { ms, rss };
}

function compare(label, candidate, baseline, n = runs) {
  const c = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    b.push(baseline(i));
    c.push(candidate(i));
  }
  const result = {
    label,
    candidateMs: median(c.map((r) => r.ms)),
    baselineMs: median(b.map((r) => r.ms)),
    candidateRssKiB: median(c.map((r) => r.rss)),
  };
  result.ratio = result.candidateMs / result.baselineMs;
  return result;
}

// 1. Cold generate vs node -e 0.
const cold = compare(
  'generate homesite (cold) vs node -e 0',
  (i) => timed([process.execPath, bin, 'generate', '--spec', join(root, 'examples/homesite.json'), '--out', join(work, `cold-${i}`)]),
  () => timed([process.execPath, '-e', '0']),
);

// 2. 1000 distinct specs in one process vs writing the same bytes with a plain loop.
const specs = join(work, 'specs');
mkdirSync(specs);
for (let i = 0; i < 1000; i++) {
  const spec = {
    name: `svc${i}`,
    ...(i % 3 === 0 ? { family: `fam${i % 7}` } : {}),
    command: `/usr/bin/svc${i}`,
    args: ['--port', String(8000 + i), `--name=svc ${i}`],
    environment: { INDEX: String(i) },
    restart: ['no', 'on-failure', 'always'][i % 3],
  };
  writeFileSync(join(specs, `svc${i}.json`), JSON.stringify(spec));
}
const specFiles = Array.from({ length: 1000 }, (_, i) => join(specs, `svc${i}.json`));
const specArgs = specFiles.flatMap((f) => ['--spec', f]);
// The bytes the plain loop writes: exactly what generate produces.
const { generate } = await import(join(root, 'dist/index.js'));
const { readFileSync } = await import('node:fs');
const dumpFile = join(work, 'files.json');
writeFileSync(dumpFile, JSON.stringify(generate(specFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')))).files));
const plainScript = join(work, 'plain.mjs');
writeFileSync(
  plainScript,
  `import { mkdirSync, readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
const [dump, out] = process.argv.slice(2);
for (const f of JSON.parse(readFileSync(dump, 'utf8'))) {
  const dest = join(out, f.path);
  mkdirSync(dirname(dest), { recursive: true });
  if (f.linkTarget !== undefined) symlinkSync(f.linkTarget, dest);
  else writeFileSync(dest, f.content, { mode: f.mode });
}
`,
);
const batch = compare(
  '1000 specs, one process vs plain write loop',
  (i) => timed([process.execPath, bin, 'generate', ...specArgs, '--out', join(work, `batch-${i}`)]),
  (i) => timed([process.execPath, plainScript, dumpFile, join(work, `plain-${i}`)]),
  Math.max(3, Math.round(runs / 3)),
);

// 3. Time to the wizard's first question, in a pseudo-terminal (script(1)).
function firstQuestionMs() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('script', ['-qfc', `${process.execPath} ${bin}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no question within 10 s; output: ${seen}`));
    }, 10_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      if (/\?/.test(seen)) {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(ms);
      }
    });
  });
}
function nodeInPtyMs() {
  const start = process.hrtime.bigint();
  spawnSync('script', ['-qfc', `${process.execPath} -e 0`, '/dev/null'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}
let wizard;
const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status === 0;
if (hasScript) {
  try {
    const q = [];
    const b = [];
    for (let i = 0; i < runs; i++) {
      b.push(nodeInPtyMs());
      q.push(await firstQuestionMs());
    }
    wizard = { label: 'wizard first question vs node -e 0 (both in a pty)', candidateMs: median(q), baselineMs: median(b) };
    wizard.ratio = wizard.candidateMs / wizard.baselineMs;
  } catch (error) {
    wizard = { label: 'wizard first question', error: error.message.split('\n')[0] };
  }
}

rmSync(work, { recursive: true, force: true });

const rows = [
  [cold, TARGETS.generate],
  [batch, TARGETS.batch],
  ...(wizard ? [[wizard, TARGETS.wizard]] : []),
];
console.log(`init-service bench: median of ${runs} runs (batch: ${Math.max(3, Math.round(runs / 3))}), node ${process.version}\n`);
let failed = false;
for (const [r, target] of rows) {
  if (r.error) {
    console.log(`${r.label}: not measured (${r.error})`);
    failed = true;
    continue;
  }
  const ok = r.ratio <= target;
  failed ||= !ok;
  const rss = r.candidateRssKiB ? `, peak RSS ${(r.candidateRssKiB / 1024).toFixed(1)} MiB` : '';
  console.log(`${r.label}: ${r.candidateMs.toFixed(1)} ms vs ${r.baselineMs.toFixed(1)} ms = ${r.ratio.toFixed(2)}x (target <= ${target}x) ${ok ? 'ok' : 'OVER'}${rss}`);
}
process.exitCode = failed ? 1 : 0;
