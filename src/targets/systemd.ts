import { posix } from 'node:path';
import {
  type SystemdText,
  systemdDirectoryProblem,
  systemdEnvAssignment,
  systemdExecLine,
  systemdExecPathProblem,
  systemdLineProblem,
  systemdNoncharacter,
  systemdPathProblem,
} from '../escape.js';
import { DATA_MODE, type GeneratedFile } from '../files.js';
import type { Renderer } from '../render.js';
import { quoteForMessage, type Problem } from '../spec/check-schema.js';
import { DIRECTORY_KINDS, type DirectoryKind, type HardeningProfile, type Service } from '../spec/types.js';
import { INSTANCE_MARK, instancePieces, LINUX_LAYOUT, resolveFamily } from '../spec/platform.js';
import type { Target } from './target.js';
import { LAYOUT } from '../layout.js';

const LIMIT_KEYS = { nofile: 'LimitNOFILE', nproc: 'LimitNPROC', core: 'LimitCORE' } as const;

/**
 * systemd.special(7): what each abstract dependency means for a unit.
 * network-online.target is active (pull it in and order after it);
 * time-sync.target is passive (order after it, never pull it in).
 */
const DEPENDENCY: Record<string, { wants?: string; requires?: string; after?: string }> = {
  network: { wants: 'network-online.target', after: 'network-online.target' },
  // journald takes syslog(3) messages from early boot on; nothing to order after.
  syslog: {},
  time: { after: 'time-sync.target' },
  localfs: { requires: 'local-fs.target', after: 'local-fs.target' },
};

const UNIT_SUFFIXES = ['.service', '.socket', '.target', '.mount', '.path', '.timer', '.device', '.swap', '.slice', '.scope', '.automount'];

/** systemd reads unit files line by line, up to LONG_LINE_MAX (1 MiB) each; longer is fatal ("No buffer space available"). */
const MAX_LINE = 1024 * 1024 - 1;

/** The host paths each StateDirectory=-like setting creates (systemd.exec(5) "RuntimeDirectory=..."), by prefix. */
const MANAGED_DIRECTORIES = [
  ['/var/lib/', 'StateDirectory'],
  ['/var/cache/', 'CacheDirectory'],
  ['/var/log/', 'LogsDirectory'],
  ['/run/', 'RuntimeDirectory'],
] as const;

/** The setting that creates each kind of directory (systemd.exec(5) "RuntimeDirectory="). */
const DIRECTORY_SETTING: Record<DirectoryKind, string> = {
  state: 'StateDirectory',
  cache: 'CacheDirectory',
  logs: 'LogsDirectory',
  runtime: 'RuntimeDirectory',
};

/**
 * Sandboxing per profile (systemd.exec(5)), scored by
 * `systemd-analyze security --offline=true` (test/systemd-security.test.ts
 * compares redis and nginx with Debian's own units). "default" leaves out
 * ProcSubset=pid (hides /proc/meminfo, /proc/cpuinfo, ...; the man page calls
 * it unsuitable for most non-trivial programs) and keeps AF_NETLINK
 * (getifaddrs(3), glibc's getaddrinfo).
 */
const COMMON = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'PrivateDevices=yes',
  'PrivateMounts=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'ProtectProc=invisible',
  'RestrictSUIDSGID=yes',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'LockPersonality=yes',
  'KeyringMode=private',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
];

const PROFILE: Record<Exclude<HardeningProfile, 'off'>, string[]> = {
  default: [
    ...COMMON,
    'SystemCallFilter=~@privileged',
    'SystemCallErrorNumber=EPERM',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
  ],
  strict: [
    ...COMMON,
    'SystemCallFilter=~@privileged @resources',
    'SystemCallErrorNumber=EPERM',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'ProcSubset=pid',
  ],
};

/**
 * Runtimes that compile to memory they then execute: MemoryDenyWriteExecute=
 * aborts them (measured: node 20 and SBCL; the man page names JITs).
 */
const JIT = /^(node|nodejs|java|sbcl|luajit|pypy|pypy3|dotnet)([0-9.]*)$/;

function jitRuntime(svc: Service): boolean {
  return [svc.command, svc.interpreter].some((p) => p !== undefined && JIT.test(posix.basename(p)));
}

export interface SystemdNames {
  /** The unit systemctl is given: `web.service` or `restas@homesite.service`. */
  unit: string;
  /** The unit file, or for a family member its drop-in (written only where it differs from the template), relative to the output directory. */
  settingsPath: string;
  /** The family's template unit, when there is a family. */
  template?: { unit: string; path: string };
}

export function systemdNames(svc: Service): SystemdNames {
  if (!svc.family) return { unit: `${svc.name}.service`, settingsPath: LAYOUT.unit(`${svc.name}.service`) };
  const unit = `${svc.family}@${svc.name}.service`;
  return {
    unit,
    settingsPath: LAYOUT.unit(`${unit}.d/instance.conf`),
    template: { unit: `${svc.family}@.service`, path: LAYOUT.unit(`${svc.family}@.service`) },
  };
}


function homeLike(path: string | undefined): boolean {
  return path !== undefined && /^\/(home|root|run\/user)(\/|$)/.test(path);
}

function tmpLike(path: string | undefined): boolean {
  return path !== undefined && /^\/(var\/)?tmp(\/|$)/.test(path);
}

/** systemd rewrites /var/run/... to /run/... itself, with a warning on every load (systemd.service(5) PIDFile=). */
function runPath(path: string): string {
  return path.replace(/^\/var\/run(?=\/|$)/, '/run');
}

function logDirectories(svc: Service): string[] {
  const dirs = [svc.stdoutLog, svc.stderrLog].flatMap((log) => (log ? [posix.dirname(log)] : []));
  return [...new Set(dirs)];
}

interface Writable {
  /** StateDirectory= etc.: [setting, directory relative to its base]. */
  managed: Array<[string, string]>;
  /** StateDirectoryMode= etc., for the kinds the description declares. */
  modes: Array<[string, string]>;
  /** Declared directories of a program that switches users: created and handed to its account before start. */
  owned: string[];
  readWrite: string[];
  /** Log directories that must exist before systemd opens the log files: created by tmpfiles.d. */
  create: string[];
  /** A pidfile directly in /run: the program writes it through this link into a directory of its own. */
  pidLink?: { link: string; pidfile: string };
  warnings: string[];
}

/**
 * Where the program writes, made writable under ProtectSystem=strict. The
 * declared directories get the setting that creates and owns them; so do the
 * working directory, log directories and pidfile directory when they lie in
 * one of systemd's managed trees, else ReadWritePaths= takes them.
 */
function writable(svc: Service, hardened: boolean): Writable {
  const out: Writable = { managed: [], modes: [], owned: [], readWrite: [], create: [], warnings: [] };
  const declared = DIRECTORY_KINDS.flatMap((kind) => svc.directories[kind].map((dir) => `${LINUX_LAYOUT.base[kind]}/${dir}`));
  const seen = new Set<string>();
  const add = (dir: string) => {
    if (seen.has(dir) || declared.some((d) => dir === d || dir.startsWith(`${d}/`))) return;
    seen.add(dir);
    for (const [prefix, setting] of MANAGED_DIRECTORIES) {
      if (dir.startsWith(prefix) && !systemdDirectoryProblem(dir.slice(prefix.length).replaceAll(INSTANCE_MARK, 'x'))) {
        out.managed.push([setting, dir.slice(prefix.length)]);
        return;
      }
    }
    if (hardened) out.readWrite.push(dir);
  };
  for (const kind of DIRECTORY_KINDS) {
    const dirs = svc.directories[kind];
    if (dirs.length === 0) continue;
    // The directory of a forking program's own pidfile stays root's (managed,
    // as User= is root here): the account could otherwise point the
    // pidfile at any process (OpenRC's service-script guide, PID files).
    const pidDir = svc.switchesUser && svc.daemonizes && svc.pidfile ? svc.pidfile.slice(0, svc.pidfile.lastIndexOf('/')) : undefined;
    const handed = dirs.filter((dir) => `${LINUX_LAYOUT.base[kind]}/${dir}` !== pidDir);
    if (svc.switchesUser && handed.length > 0) {
      // StateDirectory= and its siblings belong to User=, here root, and
      // systemd chowns them back to it (recursively) on every start.
      out.owned.push(...handed.map((dir) => `${LINUX_LAYOUT.base[kind]}/${dir}`));
      if (hardened) out.readWrite.push(...handed.map((dir) => `${LINUX_LAYOUT.base[kind]}/${dir}`));
    }
    const managed = svc.switchesUser ? dirs.filter((dir) => !handed.includes(dir)) : dirs;
    if (managed.length === 0) continue;
    out.managed.push(...managed.map((dir): [string, string] => [DIRECTORY_SETTING[kind], dir]));
    if (svc.directoriesMode !== '0755') out.modes.push([`${DIRECTORY_SETTING[kind]}Mode`, svc.directoriesMode]);
    continue;
    out.managed.push(...dirs.map((dir): [string, string] => [DIRECTORY_SETTING[kind], dir]));
    if (svc.directoriesMode !== '0755') out.modes.push([`${DIRECTORY_SETTING[kind]}Mode`, svc.directoriesMode]);
  }
  if (svc.workingDirectory && svc.workingDirectory !== '/') add(svc.workingDirectory);
  for (const dir of logDirectories(svc)) {
    // "/" writable would undo ProtectSystem= entirely.
    if (dir === '/var/log' || dir === '/') continue;
    // systemd opens StandardOutput=append: files before it creates
    // LogsDirectory= (systemd/systemd#27591): the directory must exist first,
    // and systemd opens the file itself.
    out.create.push(dir);
    add(dir);
  }
  if (svc.daemonizes && svc.pidfile) {
    const dir = posix.dirname(runPath(svc.pidfile));
    if (dir === '/run') {
      if (hardened) {
        // All of /run writable would let a root program write units into
        // /run/systemd/system: it writes through a link into a directory of
        // its own instead.
        const own = `/run/${svc.family ?? svc.name}`;
        out.pidLink = { link: runPath(svc.pidfile), pidfile: `${own}/${posix.basename(svc.pidfile)}` };
        add(own);
        out.warnings.push(
          `pidfile ${JSON.stringify(svc.pidfile)} lies directly in /run, which the sandbox keeps read-only: the unit links it to ${out.pidLink.pidfile}; a pidfile in its own directory (/run/${svc.name}/${svc.name}.pid) needs no link`,
        );
      }
    } else add(dir);
  }
  return out;
}

function dependencies(svc: Service) {
  const wants = new Set<string>();
  const requires = new Set<string>();
  const after = new Set<string>();
  for (const [kind, list] of [['requires', svc.requires], ['after', svc.after]] as const) {
    for (const dep of list) {
      // Own keys only: a service named "constructor" is not Object.prototype's.
      const mapped = Object.hasOwn(DEPENDENCY, dep) ? DEPENDENCY[dep] : undefined;
      if (mapped) {
        if (kind === 'requires' && mapped.wants) wants.add(mapped.wants);
        if (kind === 'requires' && mapped.requires) requires.add(mapped.requires);
        if (mapped.after) after.add(mapped.after);
      } else {
        const unit = UNIT_SUFFIXES.some((s) => dep.endsWith(s)) ? dep : `${dep}.service`;
        if (kind === 'requires') requires.add(unit);
        after.add(unit);
      }
    }
  }
  return { wants: [...wants], requires: [...requires], after: [...after] };
}

/** The sandboxing lines of the unit, and what the spec changes in them. */
/** ExecStart='s argv: the unit writes it, and the line-length check measures the same line. */
function execStartArgv(svc: Service): string[] {
  return [svc.command, ...svc.args];
}

/**
 * The bounding set. A program that switches users itself (switchesUser)
 * keeps setuid/setgid, and with declared directories, which belong to the
 * account it switches to, the root master needs CAP_DAC_OVERRIDE to create
 * in them and CAP_CHOWN to hand what it creates there to that account
 * (nginx: its temp directories under /var/lib/nginx).
 */
function capabilities(svc: Service, paths: Writable): string[] {
  const caps = svc.switchesUser ? ['CAP_SETUID', 'CAP_SETGID'] : [];
  if (svc.switchesUser && paths.owned.length > 0) caps.push('CAP_CHOWN', 'CAP_DAC_OVERRIDE');
  if (svc.systemd.bindPrivilegedPorts) caps.push('CAP_NET_BIND_SERVICE');
  return caps;
}

/** An account named for the service (redis, memcache for memcached, lisp-site for its family): a system account. */
function ownAccount(svc: Service, user: string): boolean {
  return [svc.name, svc.family].some((n) => n !== undefined && (n === user || n.startsWith(user) || user.startsWith(n)));
}

function hardening(svc: Service, paths: Writable): { lines: string[]; notes: string[]; warnings: string[] } {
  const profile = svc.systemd.hardening;
  if (profile === 'off') return { lines: [], notes: [], warnings: [] };
  // setuid(2), setgroups(2), chown(2) are @privileged; the switch needs them.
  const lines = PROFILE[profile].flatMap((line) => {
    if (!svc.switchesUser || !line.startsWith('SystemCallFilter=~')) return [line];
    const rest = line.replace(/@privileged ?/, '');
    return rest === 'SystemCallFilter=~' ? [] : [rest];
  });
  const notes: string[] = [];
  const warnings: string[] = [];
  const touched = [svc.workingDirectory, svc.command, svc.environmentFile, svc.stdoutLog, svc.stderrLog, svc.pidfile, ...svc.args];
  if (touched.some(homeLike)) {
    lines.push('ProtectHome=read-only');
    notes.push('ProtectHome=read-only, not yes: the service uses a path under /home, /root or /run/user.');
  } else lines.push('ProtectHome=yes');
  const written = [svc.workingDirectory, svc.stdoutLog, svc.stderrLog, svc.pidfile];
  if (written.some(tmpLike)) {
    notes.push('No PrivateTmp=: the service works in /tmp or /var/tmp, which it would not see.');
  } else lines.push('PrivateTmp=yes');
  const caps = capabilities(svc, paths);
  if (svc.systemd.memoryDenyWriteExecute ?? !jitRuntime(svc)) lines.push('MemoryDenyWriteExecute=yes');
  // A user namespace takes every capability on the host away (systemd.exec(5) PrivateUsers=).
  if (caps.length === 0) lines.push('PrivateUsers=yes');
  if (profile === 'strict' && !svc.umask) lines.push('UMask=0077');
  // Only an account of the service's own: on a person's account it would delete their IPC objects at every stop.
  if (svc.user && ownAccount(svc, svc.user)) lines.push('RemoveIPC=yes');
  lines.push(`CapabilityBoundingSet=${caps.join(' ')}`);
  // root gets its bounding set on exec anyway; an unprivileged User= needs it ambient.
  if (caps.length > 0 && svc.user) lines.push(`AmbientCapabilities=${caps.join(' ')}`);
  if (!svc.user && !svc.switchesUser) {
    warnings.push(
      `runs as root, but the "${profile}" sandbox leaves it no capabilities (CapabilityBoundingSet=${caps.join(' ')}) and no privileged system calls: a program that changes user, chowns or reads others' files itself needs "switchesUser", or better a "user"`,
    );
  }
  warnings.push(...paths.warnings);
  return { lines, notes, warnings };
}

/**
 * Commands that create the directories (or fix the mode of existing ones)
 * and give them to the account; "user:" is its login group (chown(1)).
 */
function ownedDirs(account: { user: string; group: string | undefined }, mode: string, dirs: string[]): string[][] {
  return [
    ['/usr/bin/install', '-d', '-m', mode, ...dirs],
    ['/usr/bin/chown', `${account.user}:${account.group ?? ''}`, ...dirs],
  ];
}

export const systemd: Target = {
  id: 'systemd',
  title: 'systemd',

  problems(svc: Service): Problem[] {
    const problems: Problem[] = [];
    const refuse = (path: string, value: string, why: string | undefined, accepted: string) => {
      if (why) problems.push({ path, message: `${quoteForMessage(value)} cannot be written to a unit: ${why}; expected ${accepted}` });
    };
    refuse('description', svc.description, systemdLineProblem(svc.description), 'one line without leading or trailing white space or a trailing backslash');
    if (svc.daemonizes && svc.pidfile && posix.dirname(runPath(svc.pidfile)) === '/' && svc.systemd.hardening !== 'off') {
      refuse(
        'pidfile',
        svc.pidfile,
        `the program writes it in /, which ProtectSystem=strict keeps read-only unless the whole file system is made writable`,
        `a pidfile in a directory of its own, such as /run/${svc.name}/${svc.name}.pid (or systemd.hardening "off")`,
      );
    }
    const paths = ['workingDirectory', 'environmentFile', 'pidfile', 'stdoutLog', 'stderrLog'] as const;
    for (const field of paths) {
      const value = svc[field];
      if (value !== undefined) refuse(field, value, systemdPathProblem(value), 'an absolute path without ".." components, without white space at either end and not ending in a backslash');
    }
    const program = 'an absolute path without ".." components, quotes or backslashes, without white space at either end';
    refuse('command', svc.command, systemdExecPathProblem(svc.command), program);
    const check = svc.configCheck?.[0];
    if (check !== undefined) refuse('configCheck[0]', check, systemdExecPathProblem(check), program);
    if (svc.user === 'nobody') {
      problems.push({
        path: 'user',
        message:
          '"nobody" cannot be the account of a unit: systemd warns "Special user nobody configured, this is not safe!" (nobody owns whatever a user namespace or NFS cannot map, so the service would share it); expected an account of its own, such as the service name',
      });
    }
    const envFile = svc.environmentFile;
    if (envFile !== undefined && /\/etc\/conf\.d(\/|$)/.test(envFile)) {
      problems.push({
        path: 'environmentFile',
        message: `${quoteForMessage(envFile)} is OpenRC's shell configuration: a systemd unit must not read /etc/conf.d (Gentoo QA, install-qa-check.d/60systemd); expected a file such as /etc/default/${svc.name} or /etc/${svc.name}/env`,
      });
    }
    const long = (path: string, line: string) => {
      if (line.length > MAX_LINE) {
        problems.push({ path, message: `is too long for one unit file line (${line.length} characters written, systemd reads at most ${MAX_LINE}); expected a shorter value` });
      }
    };
    long('args', `ExecStart=${systemdExecLine(execStartArgv(svc))}`);
    if (svc.configCheck) long('configCheck', `ExecStartPre=${systemdExecLine(svc.configCheck)}`);
    for (const [name, value] of svc.environment) {
      long(`environment.${name}`, `Environment=${systemdEnvAssignment(name, value)}`);
      const nonchar = systemdNoncharacter(value);
      if (nonchar) {
        problems.push({
          path: `environment.${name}`,
          message: `${quoteForMessage(value)} cannot be written to a unit: systemd refuses an environment value with the Unicode noncharacter ${nonchar}, escaped or not ("Invalid environment assignment"); expected text without U+FDD0-U+FDEF, U+FFFE or U+FFFF (of any plane)`,
        });
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const names = systemdNames(svc);
    const { m, paths, sandbox } = unitModel(svc, names.unit);
    const files: GeneratedFile[] = [];
    if (!names.template) {
      files.push({ path: names.settingsPath, mode: DATA_MODE, content: renderer.render('systemd/service.ejs', { svc, m }) });
    } else {
      // The template: this member with %i where {instance} stood. The first
      // member of the family rendered writes it; a member whose own version
      // differs gets a drop-in with just the settings that differ.
      const locals = { svc, m: unitModel(templateService(svc), names.template.unit).m };
      const own = renderer.render('systemd/service.ejs', locals);
      const shared = renderer.renderOnce('systemd/service.ejs', names.template.unit, locals);
      files.push({ path: names.template.path, mode: DATA_MODE, content: shared });
      const differs = dropInSettings(parseUnit(shared), parseUnit(own));
      if (differs.length > 0) {
        const d = { unit: names.unit, template: names.template.unit, sections: differs };
        files.push({ path: names.settingsPath, mode: DATA_MODE, content: renderer.render('systemd/drop-in.ejs', { svc, m: d }) });
      }
    }
    if (m.tmpfiles) {
      const t = { unit: names.unit, file: m.tmpfiles, dirs: paths.create };
      files.push({ path: LAYOUT.tmpfiles(m.tmpfiles), mode: DATA_MODE, content: renderer.render('systemd/tmpfiles.ejs', { m: t }) });
    }
    return { files, warnings: sandbox.warnings };
  },
};

/**
 * What the unit template renders, for a concrete service or (templateService)
 * a family's template. Values go to the escapers as SystemdText: a template's
 * carry the instance specifier where {instance} stood.
 */
function unitModel(svc: Service, unit: string) {
  const hardened = svc.systemd.hardening !== 'off';
  const paths = writable(svc, hardened);
  const sandbox = hardening(svc, paths);
  const family = unit.endsWith('@.service') ? svc.family : undefined;
  const m = {
    unit,
    family,
    description: text(svc.description, 'I'),
    execStart: execStartArgv(svc).map((a) => text(a)),
    configCheck: svc.configCheck?.map((a) => text(a)),
    workingDirectory: svc.workingDirectory === undefined ? undefined : text(svc.workingDirectory),
    environment: svc.environment.map(([name, value]): [string, SystemdText] => [name, text(value)]),
    environmentFile: svc.environmentFile === undefined ? undefined : text(svc.environmentFile),
    // Per-instance values beside the template, optional ("-").
    instanceEnvironmentFile: family === undefined ? undefined : [`/etc/${family}/`, { specifier: 'i' as const }, '.conf'],
    stdoutLog: svc.stdoutLog === undefined ? undefined : text(svc.stdoutLog),
    stderrLog: svc.stderrLog === undefined ? undefined : text(svc.stderrLog),
    ...dependencies(svc),
    type: svc.daemonizes ? 'forking' : svc.ready === 'notify' ? 'notify' : 'exec',
    pidfile: svc.pidfile === undefined ? undefined : text(paths.pidLink?.pidfile ?? runPath(svc.pidfile)),
    pidLink: paths.pidLink && ['/usr/bin/ln', '-sfn', paths.pidLink.pidfile, paths.pidLink.link].map((a) => text(a)),
    restart: svc.restart,
    limits: svc.limits.map(([name, value]) => [LIMIT_KEYS[name], value === 'unlimited' ? 'infinity' : String(value)]),
    managed: paths.managed.map(([setting, dir]): [string, SystemdText] => [setting, text(dir)]),
    modes: paths.modes,
    owned: paths.owned.length > 0 && svc.switchesUser ? ownedDirs(svc.switchesUser, svc.directoriesMode, paths.owned).map((argv) => argv.map((a) => text(a))) : undefined,
    readWrite: paths.readWrite.map((p) => text(p)),
    hardening: sandbox.lines,
    notes: sandbox.notes,
    tmpfiles: paths.create.length > 0 && !family ? `${unit.replace(/\.service$/, '')}.conf` : undefined,
  };
  return { m, paths, sandbox };
}

function text(value: string, specifier: 'i' | 'I' = 'i'): SystemdText {
  if (!value.includes(INSTANCE_MARK)) return value;
  return instancePieces(value).flatMap((part, i) => (i === 0 ? [part] : [{ specifier }, part])).filter((p) => p !== '');
}

/** The member resolved again with INSTANCE_MARK for {instance}: the family's template. */
function templateService(svc: Service): Service {
  return { ...svc, ...resolveFamily(svc.spec, LINUX_LAYOUT) };
}

type Sections = Map<string, Map<string, string[]>>;

/** A unit's settings by section and key, each key's values in order (comments and blank lines left out). */
function parseUnit(unit: string): Sections {
  const sections: Sections = new Map();
  let section: Map<string, string[]> | undefined;
  for (const line of unit.split('\n')) {
    const head = /^\[(.+)\]$/.exec(line);
    if (head) sections.set(head[1]!, (section = sections.get(head[1]!) ?? new Map()));
    else if (section && line !== '' && !line.startsWith('#')) {
      const at = line.indexOf('=');
      const key = line.slice(0, at);
      section.set(key, [...(section.get(key) ?? []), line.slice(at + 1)]);
    }
  }
  return sections;
}

/** Settings that add up to a list, which an empty assignment empties; any other is replaced by the last assignment. */
const LIST = /^(Exec|Environment|ReadWritePaths|SystemCallFilter|RestrictAddressFamilies|CapabilityBoundingSet|AmbientCapabilities)|Directory$/;

/** Ordering and requirement dependencies only add up: an empty assignment does not reset them. */
const ADDITIVE = new Set(['Wants', 'Requires', 'After', 'Before', 'WantedBy']);

/**
 * The settings of `own` that differ from `shared`, as drop-in lines: each
 * differing setting reset by an empty assignment, then given this member's
 * values (systemd.unit(5): drop-ins are read after the unit).
 */
function dropInSettings(shared: Sections, own: Sections): Array<{ section: string; lines: string[] }> {
  const out: Array<{ section: string; lines: string[] }> = [];
  for (const [name, settings] of own) {
    const base = shared.get(name) ?? new Map<string, string[]>();
    const lines: string[] = [];
    for (const key of new Set([...base.keys(), ...settings.keys()])) {
      const mine = settings.get(key) ?? [];
      const theirs = base.get(key) ?? [];
      if (mine.join('\n') === theirs.join('\n')) continue;
      if (ADDITIVE.has(key)) lines.push(...mine.filter((v) => !theirs.includes(v)).map((v) => `${key}=${v}`));
      else if (LIST.test(key) || mine.length !== 1) lines.push(`${key}=`, ...mine.map((v) => `${key}=${v}`));
      else lines.push(`${key}=${mine[0]}`);
    }
    if (lines.length > 0) out.push({ section: name, lines });
  }
  return out;
}
