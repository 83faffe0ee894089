import type { PlatformLayout } from '../spec/platform.js';

/**
 * Programs a port runs but other ports install: %%LOCALBASE%%, not the port's
 * own %%PREFIX%% (Porter's Handbook, "Using LOCALBASE"). Version-suffixed
 * names (python3.11, perl5.36) count too.
 */
const INTERPRETER = /^(node|nodejs|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|tclsh[0-9.]*|sbcl|ccl|clisp|ecl|guile[0-9.]*|java|erl|escript|racket|bash|zsh)$/;

/**
 * A path of the description (Linux, FHS) → where a FreeBSD port has it
 * (hier(7), Porter's Handbook). The first rule whose `from` starts the path
 * (as a whole directory) applies; a path no rule matches is kept.
 *
 * | Linux            | FreeBSD                                        |
 * |------------------|------------------------------------------------|
 * | /usr/bin/X       | %%PREFIX%%/bin/X; %%LOCALBASE%%/bin/X for an interpreter (node, python3, perl, ruby, sbcl, java, …) |
 * | /usr/sbin/X      | %%PREFIX%%/sbin/X                              |
 * | /usr/lib/X       | %%PREFIX%%/lib/X                               |
 * | /usr/libexec/X   | %%PREFIX%%/libexec/X                           |
 * | /usr/share/X     | %%PREFIX%%/share/X                             |
 * | /usr/local/X     | %%PREFIX%%/X (%%LOCALBASE%%/bin/X for an interpreter) |
 * | /etc/X           | %%PREFIX%%/etc/X (the base system's /etc is not a port's) |
 * | /var/lib/X       | /var/db/X                                      |
 * | /run/X           | /var/run/X                                     |
 * | /srv, /opt, /home| kept, with a warning (hier(7) has none of them) |
 * | anything else    | kept (/var/log, /var/cache, /var/db, /var/run, /tmp, /bin/sh …) |
 *
 * Directory bases: state /var/db, cache /var/cache, logs /var/log, runtime /var/run.
 */
export function freebsdLayout(prefix: string, localbase: string): PlatformLayout {
  const rules: Array<[from: string, to: (rest: string) => string]> = [
    ['/usr/bin', (rest) => `${INTERPRETER.test(rest) ? localbase : prefix}/bin/${rest}`],
    ['/usr/sbin', (rest) => `${prefix}/sbin/${rest}`],
    ['/usr/lib', (rest) => `${prefix}/lib/${rest}`],
    ['/usr/libexec', (rest) => `${prefix}/libexec/${rest}`],
    ['/usr/share', (rest) => `${prefix}/share/${rest}`],
    ['/usr/local', (rest) => (/^bin\/[^/]+$/.test(rest) && INTERPRETER.test(rest.slice(4)) ? `${localbase}/${rest}` : `${prefix}/${rest}`)],
    ['/etc', (rest) => `${prefix}/etc/${rest}`],
    ['/var/lib', (rest) => `/var/db/${rest}`],
    ['/run', (rest) => `/var/run/${rest}`],
  ];
  return {
    base: { state: '/var/db', cache: '/var/cache', logs: '/var/log', runtime: '/var/run' },
    path(path) {
      for (const [from, to] of rules) {
        if (path.startsWith(`${from}/`) && path.length > from.length + 1) return to(path.slice(from.length + 1));
      }
      return path;
    },
  };
}

/** The layout files/NAME.in are written in: SUB_LIST's %%PREFIX%% and %%LOCALBASE%% (bsd.port.mk). */
export const FREEBSD_LAYOUT = freebsdLayout('%%PREFIX%%', '%%LOCALBASE%%');
/** The same layout once the port is installed with PREFIX and LOCALBASE /usr/local (the default). */
export const FREEBSD_INSTALLED_LAYOUT = freebsdLayout('/usr/local', '/usr/local');

/** Why a path of the description has no FreeBSD counterpart, or undefined. */
export function freebsdPathWarning(path: string): string | undefined {
  const top = /^\/(srv|opt|home)(\/|$)/.exec(path)?.[1];
  if (top === undefined) return undefined;
  return `${path} is kept as it is: FreeBSD's hier(7) has no /${top}; a port installs under %%PREFIX%% and keeps data in /var/db (set it in the "freebsd" block if the port does otherwise)`;
}

/** Linux-only paths an argument may name: arguments are never rewritten. */
const LINUX_ARG_PATH = /(^|[=:,])(\/etc\/|\/var\/lib\/|\/run\/)/;

/** A warning for an argument that names a Linux path the mapping cannot reach, or undefined. */
export function freebsdArgWarning(arg: string): string | undefined {
  const match = LINUX_ARG_PATH.exec(arg);
  if (match === null) return undefined;
  const hint = match[2] === '/etc/' ? '{config} (configFile, mapped to %%PREFIX%%/etc)' : '{state} or {runtime} (declared directories, under /var/db or /var/run)';
  return `argument "${arg}" names the Linux path ${match[2]}…, which arguments keep as written; use ${hint}, or freebsd.args`;
}
