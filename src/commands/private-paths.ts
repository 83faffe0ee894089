import type { Service } from '../spec/types.js';

/** Where a per-user tool keeps its programs: a version manager's tree, its shims. */
const VERSION_MANAGER = /\/\.?(pyenv|rbenv|nodenv|goenv|plenv|jenv|nvm|fnm|volta|asdf|sdkman|rustup|cargo|conda|miniconda3|anaconda3|roswell|linuxbrew)(\/|$)/;

/**
 * Why a path is no place for a service's program or files, or undefined:
 * a home directory is not the service account's (and is mode 0700 or 0750
 * on most systems), and a version manager's shim picks its program from the
 * login shell's environment, which a service does not have.
 */
export function privatePlace(path: string): string | undefined {
  if (VERSION_MANAGER.test(path)) return "a version manager's directory: its shims choose the program from a login shell's environment, which a service does not have";
  if (path === '/root' || path.startsWith('/root/')) return "root's home directory, which no other account can read";
  if (path === '/home' || path.startsWith('/home/')) return "a person's home directory, which a service account usually cannot read (mode 0700 or 0750)";
  return undefined;
}

/** The warning for one field's path, or none. */
export function privatePathWarning(field: string, path: string): string | undefined {
  const why = privatePlace(path);
  return why && `${field} ${path} is in ${why}; install it system-wide (/usr/local, /opt, /srv) so the service can reach it`;
}

/** Every path of a service that lies in a home directory or a version manager's tree. */
export function privatePathWarnings(service: Service): string[] {
  const fields: Array<[string, string | undefined]> = [
    ['command', service.command],
    ['interpreter', service.interpreter],
    ['workingDirectory', service.workingDirectory],
    ['configFile', service.configFile],
    ['environmentFile', service.environmentFile],
    ['configCheck', service.configCheck?.[0]],
    ['stdoutLog', service.stdoutLog],
    ['stderrLog', service.stderrLog],
  ];
  return fields.flatMap(([field, path]) => {
    const warning = path === undefined ? undefined : privatePathWarning(field, path);
    return warning ? [warning] : [];
  });
}
