import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** What the wizard asks of the machine it runs on; tests pass a fake. */
export interface Machine {
  /** Absolute path of an executable named `name` on PATH, or undefined. */
  which(name: string): string | undefined;
  /** Whether a path exists (any kind of file). */
  exists(path: string): boolean;
  /** Whether the account exists here; undefined when that cannot be told. */
  userExists(name: string): boolean | undefined;
  groupExists(name: string): boolean | undefined;
  /** `process.platform`, for the account-creation command to suggest. */
  platform: NodeJS.Platform;
  /** The directory the wizard runs in. */
  cwd: string;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Exit status 0/2 of getent(1) means found/not found; anything else (no getent) means unknown. */
function lookup(database: 'passwd' | 'group', name: string): boolean | undefined {
  const result = spawnSync('getent', [database, name], { stdio: 'ignore' });
  if (result.status === 0) return true;
  if (result.status === 2) return false;
  return undefined;
}

export function realMachine(cwd: string, env: NodeJS.ProcessEnv = process.env): Machine {
  return {
    which(name) {
      for (const dir of (env.PATH ?? '').split(delimiter)) {
        if (!isAbsolute(dir)) continue;
        const candidate = join(dir, name);
        if (isExecutableFile(candidate)) return candidate;
      }
      return undefined;
    },
    exists(path) {
      try {
        statSync(path);
        return true;
      } catch {
        return false;
      }
    },
    userExists: (name) => lookup('passwd', name),
    groupExists: (name) => lookup('group', name),
    platform: process.platform,
    cwd,
  };
}

/**
 * Where a service finds its programs: the PATH an init system starts it with
 * (systemd's default, and OpenRC's and rc(8)'s, less /usr/games), not the
 * PATH of whoever runs the wizard, which may start with a per-user shim.
 */
export const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'] as const;

/**
 * The program the user means: a path as given (a relative one is refused by
 * the description's own check), a bare name looked up in SYSTEM_PATH first,
 * then on the user's PATH. undefined when a bare name is found in neither.
 */
export function resolveCommand(machine: Machine, text: string): string | undefined {
  if (text.includes('/')) return text;
  return SYSTEM_PATH.map((dir) => `${dir}/${text}`).find((path) => machine.exists(path)) ?? machine.which(text);
}

/** The command that creates a system account without a login, for this platform. */
export function createUserCommand(platform: NodeJS.Platform, user: string, group?: string): string {
  if (platform === 'freebsd') {
    return `pw useradd -n ${user}${group ? ` -g ${group}` : ''} -d /nonexistent -s /usr/sbin/nologin -c ${user}`;
  }
  return `useradd --system${group ? ` --gid ${group}` : ' --user-group'} --no-create-home --shell /usr/sbin/nologin ${user}`;
}

export function createGroupCommand(platform: NodeJS.Platform, group: string): string {
  return platform === 'freebsd' ? `pw groupadd -n ${group}` : `groupadd --system ${group}`;
}
