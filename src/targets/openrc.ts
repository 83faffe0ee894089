import { DATA_MODE, LINK_MODE, SCRIPT_MODE, type GeneratedFile } from '../files.js';
import type { Renderer } from '../render.js';
import type { Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';
import { plainPathProblems, wrap, type CommandHelp } from './shared.js';
import type { Target } from './target.js';

/** One conf.d variable: `words` values are argv lists that OpenRC passes through `eval`. */
export interface ConfVar {
  name: string;
  value: string | string[];
  exported?: boolean;
  doc: string;
}

/**
 * Names a conf.d `export` must not take: conf.d is sourced into the very
 * shell that runs openrc-run (openrc-run.sh sources conf.d, then the script),
 * so these would change how OpenRC itself starts the service.
 */
const SHELL_RESERVED = ['IFS', 'PATH', 'ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'OPTIND', 'OPTARG', 'SVCNAME'];
// LD_: ld.so(8) would load what they name into every program openrc-run starts as root (start-stop-daemon, supervise-daemon).
const RESERVED_PREFIXES = ['RC_', 'EINFO_', 'SSD_', 'LD_'];
/** OpenRC's own variables (openrc-run(8)) and this script's, all lowercase. */
const OPENRC_VARIABLES = new Set(
  (
    'name description command command_args command_args_background command_args_foreground command_background ' +
    'command_user command_progress pidfile procname directory chroot umask input_file output_log error_log ' +
    'output_logger error_logger retry stopsig stopgroup supervisor respawn_delay respawn_max respawn_period ' +
    'extra_commands extra_started_commands extra_stopped_commands required_dirs required_files ' +
    'start_stop_daemon_args supervise_daemon_args capabilities secbits no_new_privs notify ' +
    'healthcheck_timer healthcheck_delay start_inactive in_background_fake opts ' +
    'reload_signal config_check environment_file'
  ).split(' '),
);

const DEPENDENCY = {
  requires: { network: ['use', 'net'], syslog: ['use', 'logger'], time: ['use', 'ntp-client'], localfs: ['need', 'localmount'] },
  after: { network: ['after', 'net'], syslog: ['after', 'logger'], time: ['after', 'ntp-client'], localfs: ['after', 'localmount'] },
} as const;

export function openrcNames(svc: Service): { base: string; entry: string } {
  const base = svc.family ?? svc.name;
  return { base, entry: svc.family ? `${svc.family}.${svc.name}` : svc.name };
}

function supervised(svc: Service): boolean {
  return !svc.daemonizes && svc.restart !== 'no';
}

function dependencies(svc: Service): Record<'need' | 'use' | 'after', string[]> {
  const out = { need: [] as string[], use: [] as string[], after: [] as string[] };
  for (const kind of ['requires', 'after'] as const) {
    for (const dep of svc[kind]) {
      const mapped = DEPENDENCY[kind] as Record<string, readonly [keyof typeof out, string]>;
      // Own keys only: a service named "constructor" is not Object.prototype's.
      const [how, name] = (Object.hasOwn(mapped, dep) ? mapped[dep] : undefined) ?? [
        kind === 'requires' ? 'need' : 'after',
        dep,
      ];
      if (!out[how].includes(name)) out[how].push(name);
    }
  }
  return out;
}

export function confVars(svc: Service): ConfVar[] {
  const { entry } = openrcNames(svc);
  const vars: ConfVar[] = [
    { name: 'description', value: svc.description, doc: `One line shown by "rc-service ${entry} describe".` },
    { name: 'command', value: svc.command, doc: 'Absolute path of the program.' },
  ];
  const add = (name: string, value: string | string[] | undefined, doc: string, exported = false) => {
    if (value !== undefined && value.length > 0) vars.push({ name, value, doc, exported });
  };
  add('command_args', svc.args, 'Arguments of the program, as shell words: OpenRC evaluates this once, so each argument is quoted for that evaluation.');
  const user = svc.user ?? (svc.group ? 'root' : undefined);
  add('command_user', user && (svc.group ? `${user}:${svc.group}` : user), 'user[:group] the program runs as.');
  add('directory', svc.workingDirectory, 'Directory the program starts in.');
  add('umask', svc.umask, 'File mode creation mask of the program.');
  add(
    'rc_ulimit',
    svc.limits.map(([limit, value]) => `-${{ nofile: 'n', nproc: 'u', core: 'c' }[limit]} ${value}`).join(' '),
    'Resource limits, in the shell\'s "ulimit" syntax (-n open files, -u processes, -c core size).',
  );
  add('start_stop_daemon_args', svc.nice === undefined ? undefined : ['--nicelevel', String(svc.nice)], 'Extra supervisor options: here the scheduling priority (-20 first .. 19 last).');
  if (svc.daemonizes) {
    add('pidfile', svc.pidfile, 'Pidfile the program writes itself when it forks (it daemonizes on its own).');
  } else if (supervised(svc)) {
    add('supervisor', 'supervise-daemon', 'OpenRC\'s supervisor keeps the program in the foreground and respawns it when it exits.');
    add('respawn_delay', '1', 'Seconds to wait before a respawn.');
    add('respawn_max', '5', 'Give up after this many respawns within respawn_period ...');
    add('respawn_period', '60', '... seconds.');
  } else {
    add('command_background', 'true', 'The program stays in the foreground; start-stop-daemon backgrounds it and writes the pidfile. It is not respawned.');
  }
  add('retry', `${svc.stopSignal}/${svc.stopTimeout}/KILL/5`, 'Stop schedule: signal/seconds to wait, then SIGKILL.');
  add('output_log', svc.stdoutLog, 'File the standard output of the program is appended to.');
  add('error_log', svc.stderrLog, 'File the standard error of the program is appended to.');
  add('reload_signal', svc.reloadSignal, `Signal sent by "rc-service ${entry} reload".`);
  add('config_check', svc.configCheck, 'Command that checks the configuration, as shell words; run before start, before the stop half of restart and before reload.');
  add('environment_file', svc.environmentFile, 'File of NAME=value lines exported to the program at start.');
  const deps = dependencies(svc);
  add('rc_need', deps.need.join(' '), 'Services that must be started first (hard dependency).');
  add('rc_use', deps.use.join(' '), 'Services started first when they are in the runlevel. For one network interface only, set rc_need="net.eth0" instead of using net.');
  add('rc_after', deps.after.join(' '), 'Services this one starts after, when both start (ordering only).');
  // Not add(): an empty value is still a variable the program gets (VAR= is not unset VAR).
  for (const [name, value] of svc.environment) vars.push({ name, value, doc: 'Environment of the program.', exported: true });
  return vars;
}

function commands(entry: string, svc: Service): CommandHelp[] {
  const rc = `rc-service ${entry}`;
  return [
    { name: 'start, stop, restart, status', how: `${rc} start (OpenRC built-ins)` },
    ...(svc.reloadSignal ? [{ name: 'reload', how: `${rc} reload: config check, then SIG${svc.reloadSignal}` }] : []),
    { name: 'kill', how: `${rc} kill: SIGKILL the program (and its supervisor), forget the pidfile` },
    { name: 'zap', how: `${rc} zap (OpenRC built-in: mark stopped, forget recorded state)` },
    { name: 'foreground', how: `${rc} foreground: run in this terminal as the service would (only while stopped)` },
    { name: 'checkconfig', how: `${rc} checkconfig: run config_check` },
  ];
}

export const openrc: Target = {
  id: 'openrc',
  title: 'Gentoo OpenRC',

  problems(svc: Service): Problem[] {
    const problems = plainPathProblems(
      svc,
      ['command', 'workingDirectory', 'pidfile', 'stdoutLog', 'stderrLog'],
      'OpenRC passes it through eval when starting and splits it on white space when stopping (start-stop-daemon.sh, supervise-daemon.sh)',
    );
    for (const [name] of svc.environment) {
      const clash =
        SHELL_RESERVED.includes(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p)) || OPENRC_VARIABLES.has(name) || name.startsWith('rc_');
      if (clash) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for OpenRC: conf.d is sourced into the shell that runs openrc-run, so ${name} would change how OpenRC itself starts the service; set it in environmentFile, or rename it`,
        });
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const { base, entry } = openrcNames(svc);
    const vars = confVars(svc).map((v) => ({ ...v, docLines: wrap(v.doc) }));
    const m = { base, entry, family: svc.family, vars, commands: commands(entry, svc) };
    const files: GeneratedFile[] = [
      { path: `openrc/init.d/${base}`, mode: SCRIPT_MODE, content: renderer.render('openrc/init.d.ejs', { svc, m }) },
    ];
    if (svc.family) {
      files.push({ path: `openrc/init.d/${entry}`, mode: LINK_MODE, linkTarget: base });
      files.push({ path: `openrc/conf.d/${base}`, mode: DATA_MODE, content: renderer.render('openrc/conf.d-family.ejs', { svc, m }) });
    }
    files.push({ path: `openrc/conf.d/${entry}`, mode: DATA_MODE, content: renderer.render('openrc/conf.d.ejs', { svc, m }) });
    const warnings =
      svc.restart === 'on-failure' && supervised(svc)
        ? ['openrc: restart "on-failure" respawns after any exit, a clean one too: supervise-daemon does not tell them apart']
        : [];
    return { files, warnings };
  },
};
