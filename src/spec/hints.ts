import { LINUX_LAYOUT } from './platform.js';
import { DIRECTORY_KINDS, type Service } from './types.js';

/**
 * One-line hints for a description that spells out a path v2 can declare:
 * a file or directory in a directory of its own under /var/lib, /var/cache,
 * /var/log or /run that `directories` does not name. Declared, each init
 * system creates it, owned by the account, in its platform's layout.
 */
export function descriptionHints(service: Service): string[] {
  const declared = DIRECTORY_KINDS.flatMap((kind) => service.directories[kind].map((d) => `${LINUX_LAYOUT.base[kind]}/${d}`));
  const hints: string[] = [];
  const fields: Array<[field: string, path: string | undefined, isDirectory: boolean]> = [
    ['workingDirectory', service.workingDirectory, true],
    ['pidfile', service.pidfile, false],
    ['stdoutLog', service.stdoutLog, false],
    ['stderrLog', service.stderrLog, false],
  ];
  for (const [field, path, isDirectory] of fields) {
    if (path === undefined || declared.some((d) => path === d || path.startsWith(`${d}/`))) continue;
    for (const kind of DIRECTORY_KINDS) {
      const base = `${LINUX_LAYOUT.base[kind]}/`;
      if (!path.startsWith(base)) continue;
      const rest = path.slice(base.length);
      const name = isDirectory ? rest : rest.split('/').slice(0, -1).join('/');
      if (name === '' || name.includes('..')) break;
      const inside = path.slice(base.length + name.length);
      hints.push(
        `${field} ${path}: declare "directories": { "${kind}": ["${name}"] } and write "{${kind}}${inside}", so that every init system creates ${base}${name} for the service, in its own layout`,
      );
      break;
    }
  }
  return hints;
}
