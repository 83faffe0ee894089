import { posix } from 'node:path';
import { DATA_MODE, LINK_MODE, SCRIPT_MODE, type GeneratedFile } from '../files.js';
import type { TargetId } from '../targets/index.js';
import { applySlist, SUB_LIST_TOKEN, subListValues } from '../targets/rcd.js';
import { concreteUnits, type Member } from '../verify/tree.js';
import { OPENRC_FILE, RC_SCRIPT, TMPFILES_FILE } from '../layout.js';

/** Where FreeBSD ports install by default (`PREFIX`, `LOCALBASE`). */
export const DEFAULT_PREFIX = '/usr/local';


export interface Placed {
  /** Files with paths relative to the install root, such as `etc/init.d/restas`. */
  files: GeneratedFile[];
  /** Services to enable, per init system. */
  services: { target: TargetId; name: string; profiles?: string[] }[];
}

/**
 * Maps a generated tree onto the places each init system reads:
 *
 *   openrc/init.d/X    -> /etc/init.d/X (0755; instance links stay relative)
 *   openrc/conf.d/X    -> /etc/conf.d/X (0644)
 *   rcd/files/X.in     -> PREFIX/etc/rc.d/X (0755), with SUB_LIST's %%PREFIX%%,
 *                         %%LOCALBASE%% and the Makefile.snippet's SUB_LIST
 *                         tokens substituted and @comment lines dropped, as
 *                         the ports framework does
 *   systemd/tmpfiles.d/X -> /usr/lib/tmpfiles.d/X (0644; where its header says
 *                         it is installed: systemd-tmpfiles reads no
 *                         tmpfiles.d/ under /etc/systemd/system)
 *   systemd/...        -> /etc/systemd/system/... (0644; drop-in directories too)
 *
 * Port files (pkg-plist, Makefile.snippet) and anything else (a gentoo/
 * overlay) are for packagers and are not installed. Throws on what cannot
 * be installed as is.
 */
export function placeFiles(files: readonly GeneratedFile[], targets: readonly TargetId[], prefix = DEFAULT_PREFIX, members: readonly Member[] = []): Placed {
  const placed: GeneratedFile[] = [];
  const problems: string[] = [];
  const want = new Set(targets);
  const portPrefix = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  for (const file of files) {
    const [top] = file.path.split('/');
    let match: RegExpExecArray | null;
    if (top === 'openrc' && want.has('openrc') && (match = OPENRC_FILE.exec(file.path))) {
      const [, kind, name] = match;
      if (file.linkTarget !== undefined) {
        if (kind !== 'init.d' || file.linkTarget.includes('/')) {
          problems.push(`${file.path}: a link must be in init.d and name a script beside it, not ${file.linkTarget}`);
          continue;
        }
        placed.push({ path: `etc/init.d/${name}`, mode: LINK_MODE, linkTarget: file.linkTarget });
      } else {
        placed.push({ path: `etc/${kind}/${name}`, mode: kind === 'init.d' ? SCRIPT_MODE : DATA_MODE, content: file.content ?? '' });
      }
    } else if (top === 'rcd' && want.has('rcd') && (match = RC_SCRIPT.exec(file.path))) {
      const makefile = files.find((f) => f.path === posix.join(posix.dirname(posix.dirname(file.path)), 'Makefile.snippet'));
      const content = applySlist(file.content ?? '', { ...subListValues(makefile?.content ?? ''), PREFIX: prefix, LOCALBASE: prefix });
      const left = [...new Set(content.match(new RegExp(SUB_LIST_TOKEN.source, 'g')) ?? [])];
      if (left.length > 0) {
        problems.push(`${file.path}: ${left.join(', ')} cannot be substituted: neither --prefix nor the SUB_LIST of Makefile.snippet beside files/ sets it`);
      }
      placed.push({ path: posix.join(portPrefix, 'etc/rc.d', match[1]!), mode: SCRIPT_MODE, content });
    } else if (top === 'systemd' && want.has('systemd')) {
      if (file.linkTarget !== undefined) {
        problems.push(`${file.path}: a link in systemd/ is not installed by init-service; copy it by hand`);
        continue;
      }
      const tmpfiles = TMPFILES_FILE.exec(file.path);
      const path = tmpfiles ? `usr/lib/tmpfiles.d/${tmpfiles[1]}` : `etc/systemd/system/${file.path.slice('systemd/'.length)}`;
      placed.push({ path, mode: DATA_MODE, content: file.content ?? '' });
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return { files: placed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), services: services(files, targets, members) };
}

/**
 * What to enable: every OpenRC service (instance links, and scripts no link
 * points to; a family's generic script is not a service), every rc.d
 * script, and every systemd unit with an [Install] section (a template's
 * instances, named by its drop-in directories).
 */
function services(files: readonly GeneratedFile[], targets: readonly TargetId[], described: readonly Member[]): Placed['services'] {
  const out: Placed['services'] = [];
  const initd = files.filter((f) => OPENRC_FILE.exec(f.path)?.[1] === 'init.d');
  const linked = new Set(initd.filter((f) => f.linkTarget !== undefined).map((f) => f.linkTarget));
  // A family's members: from the descriptions, or from the OpenRC instance links (FAMILY.NAME -> FAMILY).
  const members = [...described];
  for (const f of initd) {
    const base = posix.basename(f.path);
    if (f.linkTarget !== undefined && base.startsWith(`${f.linkTarget}.`)) members.push({ family: f.linkTarget, name: base.slice(f.linkTarget.length + 1) });
  }
  if (targets.includes('openrc')) {
    for (const f of initd) {
      const name = posix.basename(f.path);
      if (f.linkTarget !== undefined || !linked.has(name)) out.push({ target: 'openrc', name });
    }
  }
  if (targets.includes('rcd')) {
    for (const f of files) {
      const match = RC_SCRIPT.exec(f.path);
      if (!match) continue;
      // A family's script runs its members as ${name}_profiles.
      const profiles = /_profiles\b/.test(f.content ?? '') ? [...new Set(members.filter((m) => m.family.replace(/-/g, '_') === match[1]).map((m) => m.name))].sort() : [];
      out.push({ target: 'rcd', name: match[1]!, ...(profiles.length > 0 ? { profiles } : {}) });
    }
  }
  if (targets.includes('systemd')) {
    const byPath = new Map(files.map((f) => [f.path, f]));
    for (const { unit, file, placeholder } of concreteUnits(files.map((f) => f.path), members)) {
      if (placeholder) continue;
      if (/^\[Install\]/m.test(byPath.get(file)?.content ?? '')) out.push({ target: 'systemd', name: unit });
    }
  }
  return out;
}
