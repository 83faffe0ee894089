import { fill, type Placeholder } from './placeholders.js';
import { DIRECTORY_KINDS, type DirectoryKind, type ServiceSpec } from './types.js';

/**
 * Where a platform puts things. A description is written in the layout of a
 * Linux distribution package (FHS); a target whose platform differs (FreeBSD,
 * hier(7)) maps each path and supplies its own directory bases.
 */
export interface PlatformLayout {
  /** The base each kind of directory is relative to. */
  base: Readonly<Record<DirectoryKind, string>>;
  /** A path of the description (`command`, `configFile`, …) as this platform has it. */
  path(path: string): string;
}

/** systemd.exec(5) "RUNTIME DIRECTORY" table: the bases of StateDirectory= and its siblings. */
export const LINUX_LAYOUT: PlatformLayout = {
  base: { state: '/var/lib', cache: '/var/cache', logs: '/var/log', runtime: '/run' },
  path: (path) => path,
};

/** What a target may set instead of the mapped values (the `freebsd` block). */
export interface Overrides {
  command?: string;
  args?: string[];
  configFile?: string;
  pidfile?: string;
}

/** The values of a description with every placeholder filled in and every path in the platform's layout. */
export interface Resolved {
  description: string;
  command: string;
  interpreter: string | undefined;
  args: string[];
  workingDirectory: string | undefined;
  environment: Array<[name: string, value: string]>;
  environmentFile: string | undefined;
  pidfile: string | undefined;
  stdoutLog: string | undefined;
  stderrLog: string | undefined;
  configCheck: string[] | undefined;
  configFile: string | undefined;
  /** Relative names, {instance} filled in. */
  directories: Record<DirectoryKind, string[]>;
}

/**
 * Resolves a checked description for one platform. Arguments are opaque
 * data: only their placeholders are filled, never a path inside them mapped.
 */
export function resolveSpec(spec: ServiceSpec, layout: PlatformLayout, overrides: Overrides = {}): Resolved {
  const instance = spec.family === undefined ? {} : { instance: spec.name };
  const directories = Object.fromEntries(
    DIRECTORY_KINDS.map((kind) => [kind, (spec.directories?.[kind] ?? []).map((d) => fill(d, instance))]),
  ) as Record<DirectoryKind, string[]>;
  const dirs: Partial<Record<Placeholder, string>> = {};
  for (const kind of DIRECTORY_KINDS) {
    const first = directories[kind][0];
    if (first !== undefined) dirs[kind] = `${layout.base[kind]}/${first}`;
  }
  const path = (value: string | undefined) => (value === undefined ? undefined : layout.path(fill(value, { ...instance, ...dirs })));
  const config = overrides.configFile !== undefined ? fill(overrides.configFile, instance) : path(spec.configFile);
  const values = { ...instance, ...dirs, ...(config === undefined ? {} : { config }) };
  const check = spec.configCheck;
  return {
    description: fill(spec.description ?? spec.name, instance),
    command: overrides.command ?? layout.path(spec.command),
    interpreter: spec.interpreter === undefined ? undefined : layout.path(spec.interpreter),
    args: (overrides.args ?? spec.args ?? []).map((a) => fill(a, values)),
    workingDirectory: path(spec.workingDirectory),
    environment: Object.entries(spec.environment ?? {}).map(([k, v]) => [k, fill(v, values)]),
    environmentFile: path(spec.environmentFile),
    pidfile: overrides.pidfile !== undefined ? fill(overrides.pidfile, { ...instance, ...dirs }) : path(spec.pidfile),
    stdoutLog: path(spec.stdoutLog),
    stderrLog: path(spec.stderrLog),
    configCheck: check === undefined ? undefined : [layout.path(check[0]!), ...check.slice(1).map((a) => fill(a, values))],
    configFile: config,
    directories,
  };
}

/**
 * Stands for {instance} while a family's shared file is worked out (the
 * systemd template, the rc.d profiles script): the description refuses NUL in
 * every value, so the mark shows exactly where each target puts its own
 * reference to the member (systemd's %i, rc.d's "${profile}").
 */
export const INSTANCE_MARK = '\u0000';

/** A family member's description resolved for the family's shared file: {instance} as INSTANCE_MARK. */
export function resolveFamily(spec: ServiceSpec, layout: PlatformLayout, overrides: Overrides = {}): Resolved {
  return resolveSpec({ ...spec, name: INSTANCE_MARK }, layout, overrides);
}

/** A resolved value as its text and, between the pieces, the member's place: "a\u0000b" → ["a", "b"]. */
export function instancePieces(value: string): string[] {
  return value.split(INSTANCE_MARK);
}
