/** The service description as a user writes it (JSON or YAML). */
export interface ServiceSpec {
  name: string;
  family?: string;
  description?: string;
  command: string;
  interpreter?: string;
  args?: string[];
  user?: string;
  group?: string;
  workingDirectory?: string;
  environment?: Record<string, string>;
  environmentFile?: string;
  daemonizes?: boolean;
  pidfile?: string;
  restart?: RestartPolicy;
  reloadSignal?: string;
  stopSignal?: string;
  stopTimeout?: number;
  umask?: string;
  nice?: number;
  limits?: Partial<Record<LimitName, number | 'unlimited'>>;
  requires?: string[];
  after?: string[];
  stdoutLog?: string;
  stderrLog?: string;
  configCheck?: string[];
  directories?: Partial<Record<DirectoryKind, string[]>>;
  directoriesMode?: string;
  configFile?: string;
  ready?: Readiness;
  switchesUser?: { user: string; group?: string };
  commands?: Array<LauncherCommand | 'nodaemon'>;
  freebsd?: { plist?: PlistStyle; command?: string; args?: string[]; configFile?: string; pidfile?: string };
  systemd?: { hardening?: HardeningProfile; bindPrivilegedPorts?: boolean; memoryDenyWriteExecute?: boolean };
}

/** Kinds of directories a program writes, with systemd's names (StateDirectory= …) and each platform's base. */
export type DirectoryKind = 'state' | 'cache' | 'logs' | 'runtime';
export const DIRECTORY_KINDS: readonly DirectoryKind[] = ['state', 'cache', 'logs', 'runtime'];
export type Readiness = 'started' | 'notify';
/** The origin launcher's extra commands (restas-daemon.lisp): opt-in. "nodaemon" is read as "foreground". */
export type LauncherCommand = 'kill' | 'zap' | 'foreground';

export type RestartPolicy = 'no' | 'on-failure' | 'always';
export type PlistStyle = 'modern' | 'legacy' | 'none';
export type HardeningProfile = 'strict' | 'default' | 'off';
export type LimitName = 'nofile' | 'nproc' | 'core';
export const LIMIT_NAMES: readonly LimitName[] = ['nofile', 'nproc', 'core'];

/** Abstract dependencies every target knows how to map. */
export type AbstractDependency = 'network' | 'syslog' | 'time' | 'localfs';
export const ABSTRACT_DEPENDENCIES: readonly AbstractDependency[] = ['network', 'syslog', 'time', 'localfs'];

/** A validated description with every default filled in: what the targets render. */
export interface Service {
  name: string;
  family: string | undefined;
  description: string;
  command: string;
  /** The interpreter of a script `command` (its #! program); FreeBSD's command_interpreter. */
  interpreter: string | undefined;
  args: string[];
  /** undefined means root: the spec asked for "root" explicitly. */
  user: string | undefined;
  group: string | undefined;
  workingDirectory: string | undefined;
  environment: Array<[name: string, value: string]>;
  environmentFile: string | undefined;
  daemonizes: boolean;
  pidfile: string | undefined;
  restart: RestartPolicy;
  reloadSignal: string | undefined;
  stopSignal: string;
  stopTimeout: number;
  umask: string | undefined;
  nice: number | undefined;
  limits: Array<[name: LimitName, value: number | 'unlimited']>;
  requires: string[];
  after: string[];
  stdoutLog: string | undefined;
  stderrLog: string | undefined;
  configCheck: string[] | undefined;
  /** Relative names under each kind's base, {instance} filled in; an empty list where none is declared. */
  directories: Record<DirectoryKind, string[]>;
  /** Four octal digits. */
  directoriesMode: string;
  configFile: string | undefined;
  ready: Readiness;
  /** The program starts as root (user is undefined) and switches to this account itself. */
  switchesUser: { user: string; group: string | undefined } | undefined;
  commands: LauncherCommand[];
  /**
   * The description as written and checked, placeholders intact: for targets
   * that lay paths out differently (FreeBSD resolves it again with its own
   * layout) or that share a family's values with {instance} left in.
   */
  spec: ServiceSpec;
  freebsd: { plist: PlistStyle };
  /** memoryDenyWriteExecute: undefined = the target decides (off for JIT runtimes). */
  systemd: { hardening: HardeningProfile; bindPrivilegedPorts: boolean; memoryDenyWriteExecute: boolean | undefined };
}
