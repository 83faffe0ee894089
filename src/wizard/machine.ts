import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

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
  /** Directory relative answers are resolved against. */
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
 * The program the user means: an absolute path as given, a relative path
 * (`./bin/app`) resolved against the current directory, a bare name looked up
 * on PATH. undefined when a bare name is not on PATH.
 */
export function resolveCommand(machine: Machine, text: string): string | undefined {
  if (text.startsWith('/')) return text;
  if (text.includes('/')) return resolve(machine.cwd, text);
  return machine.which(text);
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
