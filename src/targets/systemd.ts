import { posix } from 'node:path';
import {
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
import type { HardeningProfile, Service } from '../spec/types.js';
import type { CommandHelp } from './shared.js';
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

/**
 * Sandboxing per profile (systemd.exec(5)), scored by
 * `systemd-analyze security --offline=true` (test/systemd-security.test.ts
 * holds every fixture to <= 2.5 for "default" and <= 1.5 for "strict").
 * "default" leaves out what breaks common runtimes: MemoryDenyWriteExecute=
 * (JITs: SBCL, Node, the JVM), ProcSubset=pid (hides /proc/meminfo,
 * /proc/cpuinfo, ...; the man page calls it unsuitable for most non-trivial
 * programs), and keeps AF_NETLINK (getifaddrs(3), glibc's getaddrinfo).
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
  'RemoveIPC=yes',
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
    'MemoryDenyWriteExecute=yes',
    'ProcSubset=pid',
  ],
};

export interface SystemdNames {
  /** The unit systemctl is given: `web.service` or `restas@homesite.service`. */
  unit: string;
  /** The file that carries the service's settings, relative to the output directory. */
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
  readWrite: string[];
  /** Log directories that must exist before systemd opens the log files: created by tmpfiles.d. */
  create: string[];
  warnings: string[];
}

/**
 * Where the program writes (working directory, log directories, pidfile
 * directory), made writable under ProtectSystem=strict: by the setting that
 * creates and owns the directory when it lies in one of systemd's managed
 * trees, else by ReadWritePaths=.
 */
function writable(svc: Service, hardened: boolean): Writable {
  const out: Writable = { managed: [], readWrite: [], create: [], warnings: [] };
  const seen = new Set<string>();
  const add = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    for (const [prefix, setting] of MANAGED_DIRECTORIES) {
      if (dir.startsWith(prefix) && !systemdDirectoryProblem(dir.slice(prefix.length))) {
        out.managed.push([setting, dir.slice(prefix.length)]);
        return;
      }
    }
    if (hardened) out.readWrite.push(dir);
  };
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
        out.readWrite.push('/run');
        out.warnings.push(
          `pidfile ${JSON.stringify(svc.pidfile)} lies directly in /run: the sandbox must leave all of /run writable for it; a pidfile in its own directory (/run/${svc.name}/${svc.name}.pid) gets RuntimeDirectory= instead`,
        );
      }
    } else add(dir);
  }
  return out;
}

function commands(unit: string, svc: Service): CommandHelp[] {
  return [
    { name: 'start, stop, restart, status', how: `systemctl start ${unit} (systemd built-ins)` },
    ...(svc.reloadSignal ? [{ name: 'reload', how: `systemctl reload ${unit}${svc.configCheck ? ' (checks the config first)' : ''}` }] : []),
    { name: 'kill', how: `systemctl kill --signal=KILL ${unit}` },
    { name: 'zap', how: `systemctl reset-failed ${unit}` },
    {
      name: 'foreground',
      how: svc.daemonizes ? `journalctl -f -u ${unit} follows its output` : `it already runs in the foreground; journalctl -f -u ${unit}`,
    },
    ...(svc.configCheck ? [{ name: 'config check', how: 'ExecStartPre= (before every start), first ExecReload=' }] : []),
  ];
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

function hardening(svc: Service, paths: Writable): { lines: string[]; notes: string[]; warnings: string[] } {
  const profile = svc.systemd.hardening;
  if (profile === 'off') return { lines: [], notes: [], warnings: [] };
  const lines = [...PROFILE[profile]];
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
  if (profile === 'strict') {
    // A user namespace takes every capability on the host away, including
    // CAP_NET_BIND_SERVICE (systemd.exec(5) PrivateUsers=).
    if (svc.systemd.bindPrivilegedPorts) notes.push('No PrivateUsers=: it would take CAP_NET_BIND_SERVICE away on the host.');
    else lines.push('PrivateUsers=yes');
    if (!svc.umask) lines.push('UMask=0077');
  }
  const caps = svc.systemd.bindPrivilegedPorts ? 'CAP_NET_BIND_SERVICE' : '';
  lines.push(`CapabilityBoundingSet=${caps}`);
  // root gets its bounding set on exec anyway; an unprivileged User= needs it ambient.
  if (caps && svc.user) lines.push(`AmbientCapabilities=${caps}`);
  if (!svc.user) {
    warnings.push(
      `runs as root, but the "${profile}" sandbox leaves it no capabilities (CapabilityBoundingSet=${caps}) and no privileged system calls: a program that changes user, chowns or reads others' files itself needs "systemd": { "hardening": "off" }, or better a "user"`,
    );
  }
  warnings.push(...paths.warnings);
  return { lines, notes, warnings };
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
    const hardened = svc.systemd.hardening !== 'off';
    const paths = writable(svc, hardened);
    const sandbox = hardening(svc, paths);
    const m = {
      unit: names.unit,
      execStart: execStartArgv(svc),
      dropIn: names.template !== undefined,
      template: names.template?.unit,
      commands: commands(names.unit, svc),
      ...dependencies(svc),
      type: svc.daemonizes ? 'forking' : 'exec',
      pidfile: svc.pidfile && runPath(svc.pidfile),
      restart: svc.restart,
      limits: svc.limits.map(([name, value]) => [LIMIT_KEYS[name], value === 'unlimited' ? 'infinity' : String(value)]),
      managed: paths.managed,
      readWrite: paths.readWrite,
      hardening: sandbox.lines,
      notes: sandbox.notes,
      tmpfiles: paths.create.length > 0 ? `${names.unit.replace(/\.service$/, '')}.conf` : undefined,
    };
    const files: GeneratedFile[] = [{ path: names.settingsPath, mode: DATA_MODE, content: renderer.render('systemd/service.ejs', { svc, m }) }];
    if (names.template) {
      const t = { family: svc.family, unit: names.template.unit };
      files.push({ path: names.template.path, mode: DATA_MODE, content: renderer.renderOnce('systemd/template.ejs', t.unit, { m: t }) });
    }
    if (m.tmpfiles) {
      const t = { unit: names.unit, file: m.tmpfiles, dirs: paths.create };
      files.push({ path: LAYOUT.tmpfiles(m.tmpfiles), mode: DATA_MODE, content: renderer.render('systemd/tmpfiles.ejs', { m: t }) });
    }
    return { files, warnings: sandbox.warnings };
  },
};
