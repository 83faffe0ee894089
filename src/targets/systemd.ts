import { posix } from 'node:path';
import { systemdLineProblem } from '../escape.js';
import { DATA_MODE } from '../files.js';
import type { Renderer } from '../render.js';
import type { Problem } from '../spec/check-schema.js';
import type { HardeningProfile, Service } from '../spec/types.js';
import type { CommandHelp } from './shared.js';
import type { Target } from './target.js';

const LIMIT_KEYS = { nofile: 'LimitNOFILE', nproc: 'LimitNPROC', core: 'LimitCORE' } as const;

/** systemd.special(7): what each abstract dependency means for a unit. */
const DEPENDENCY: Record<string, { wants?: string; requires?: string; after?: string }> = {
  network: { wants: 'network-online.target', after: 'network-online.target' },
  // journald takes syslog(3) messages from early boot on; nothing to order after.
  syslog: {},
  time: { wants: 'time-sync.target', after: 'time-sync.target' },
  localfs: { requires: 'local-fs.target', after: 'local-fs.target' },
};

/**
 * Sandboxing per profile (systemd.exec(5)). "default" keeps JIT runtimes
 * (SBCL, Node, the JVM) working: no MemoryDenyWriteExecute=. "strict" adds
 * what most services survive but some do not.
 */
const HARDENING: Record<HardeningProfile, string[]> = {
  off: [],
  default: [
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'ProcSubset=pid',
    'RestrictSUIDSGID=yes',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'LockPersonality=yes',
    'RemoveIPC=yes',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    'SystemCallFilter=~@privileged @resources',
    'SystemCallErrorNumber=EPERM',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'DevicePolicy=closed',
    'KeyringMode=private',
  ],
  strict: [],
};
HARDENING.strict = [
  ...HARDENING.default,
  'PrivateUsers=yes',
  'MemoryDenyWriteExecute=yes',
  'UMask=0077',
];

export function unitName(svc: Service): string {
  return `${svc.name}.service`;
}

function homeLike(path: string | undefined): boolean {
  return path !== undefined && /^\/(home|root|run\/user)(\/|$)/.test(path);
}

/** Directories the program writes to, which ProtectSystem=strict must leave writable. */
function writablePaths(svc: Service): { logsDirectory?: string; runtimeDirectory?: string; readWrite: string[] } {
  const readWrite: string[] = [];
  let logsDirectory: string | undefined;
  let runtimeDirectory: string | undefined;
  if (svc.workingDirectory && svc.workingDirectory !== '/') readWrite.push(svc.workingDirectory);
  for (const log of [svc.stdoutLog, svc.stderrLog]) {
    if (!log) continue;
    const dir = posix.dirname(log);
    const underLog = /^\/var\/log\/(.+)$/.exec(dir);
    if (underLog) logsDirectory = underLog[1];
    else if (dir !== '/var/log' && !readWrite.includes(dir)) readWrite.push(dir);
  }
  if (svc.daemonizes && svc.pidfile) {
    const dir = posix.dirname(svc.pidfile);
    const underRun = /^\/(?:var\/)?run\/(.+)$/.exec(dir);
    if (underRun) runtimeDirectory = underRun[1];
    else if (!readWrite.includes(dir) && dir !== '/run' && dir !== '/var/run') readWrite.push(dir);
  }
  return { logsDirectory, runtimeDirectory, readWrite };
}

function commands(unit: string, svc: Service): CommandHelp[] {
  return [
    { name: 'start, stop, restart, status', how: `systemctl start ${unit} (systemd built-ins)` },
    ...(svc.reloadSignal ? [{ name: 'reload', how: `systemctl reload ${unit}` }] : []),
    { name: 'kill', how: `systemctl kill --signal=KILL ${unit}` },
    { name: 'zap', how: `systemctl reset-failed ${unit} (systemd keeps no stale pidfile)` },
    { name: 'foreground', how: `systemd-run --pty --same-dir --uid=... or run ExecStart by hand` },
  ];
}

export const systemd: Target = {
  id: 'systemd',
  title: 'systemd',

  problems(svc: Service): Problem[] {
    const problems: Problem[] = [];
    const lineFields = ['description', 'workingDirectory', 'environmentFile', 'pidfile', 'stdoutLog', 'stderrLog'] as const;
    for (const field of lineFields) {
      const value = svc[field];
      const why = value === undefined ? undefined : systemdLineProblem(value);
      if (why) problems.push({ path: field, message: `cannot be written to a unit: ${why}` });
    }
    for (const field of ['workingDirectory', 'pidfile', 'stdoutLog', 'stderrLog'] as const) {
      const value = svc[field];
      if (value !== undefined && /[\\"'\s]/.test(value)) {
        problems.push({
          path: field,
          message: `${JSON.stringify(value)} cannot be listed in ReadWritePaths= exactly; expected a path without white space, quotes or backslashes`,
        });
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const unit = unitName(svc);
    const deps = [...svc.requires.map((d) => ['requires', d] as const), ...svc.after.map((d) => ['after', d] as const)];
    const wants = new Set<string>();
    const requires = new Set<string>();
    const after = new Set<string>();
    for (const [kind, dep] of deps) {
      const mapped = DEPENDENCY[dep];
      if (mapped) {
        if (kind === 'requires' && mapped.wants) wants.add(mapped.wants);
        if (kind === 'requires' && mapped.requires) requires.add(mapped.requires);
        if (mapped.after) after.add(mapped.after);
      } else {
        if (kind === 'requires') requires.add(`${dep}.service`);
        after.add(`${dep}.service`);
      }
    }
    const paths = writablePaths(svc);
    const hardening = HARDENING[svc.systemd.hardening].filter((line) => !(line.startsWith('UMask=') && svc.umask));
    const protectHome = [svc.workingDirectory, svc.command, svc.environmentFile, ...svc.args].some(homeLike) ? 'read-only' : 'yes';
    const m = {
      unit,
      commands: commands(unit, svc),
      wants: [...wants],
      requires: [...requires],
      after: [...after],
      type: svc.daemonizes ? 'forking' : 'exec',
      restart: svc.restart,
      limits: svc.limits.map(([name, value]) => [LIMIT_KEYS[name], value === 'unlimited' ? 'infinity' : String(value)]),
      hardening: svc.systemd.hardening === 'off' ? [] : [...hardening, `ProtectHome=${protectHome}`],
      capabilities: svc.systemd.bindPrivilegedPorts ? 'CAP_NET_BIND_SERVICE' : '',
      ...paths,
    };
    return {
      files: [{ path: `systemd/${unit}`, mode: DATA_MODE, content: renderer.render('systemd/service.ejs', { svc, m }) }],
      warnings: [],
    };
  },
};
