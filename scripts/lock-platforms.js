// Adds lockfile entries for the other platforms' builds of esbuild, rollup and
// fsevents. The registry this project's machines reach carries only the Linux
// builds, so `npm install` leaves those optional packages out of
// package-lock.json, and `npm ci` then refuses the lockfile as out of sync.
// Each entry carries os/cpu/libc, so npm skips it without fetching anything.
// Run after changing dependencies: npm install && node scripts/lock-platforms.js
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const OS = ['aix', 'android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'openharmony', 'sunos', 'win32'];

function platformOf(name) {
  if (name === 'fsevents') return { os: ['darwin'] };
  const base = name.split('/').pop().replace(/^rollup-/, '');
  const [os, cpu, abi] = base.split('-');
  if (!OS.includes(os)) return undefined;
  const entry = { os: [os], cpu: [cpu === 'ia32' ? 'ia32' : cpu] };
  if (abi === 'musl' || abi === 'musleabihf') entry.libc = ['musl'];
  if (abi === 'gnu' || abi === 'gnueabihf') entry.libc = ['glibc'];
  return entry;
}

let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const parent = path === '' ? '' : `${path}/`;
    const key = `${parent}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    lock.packages[hoisted] = { version, ...platform, dev: pkg.dev, optional: true };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform entries added`);
