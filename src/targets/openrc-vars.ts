/**
 * Every variable the generic OpenRC script and openrc-run read from conf.d,
 * with the documentation each conf.d file carries. One table feeds the
 * service's conf.d (values it sets, then the rest commented out), the
 * family's conf.d (all commented out) and the README's variable list.
 */
export interface OpenrcVariable {
  name: string;
  /** What it does and what happens when it is unset; {svc} stands for the service name. */
  doc: string;
  /** A value shown commented out where the variable is not set. */
  example: string;
}

export const OPENRC_VARIABLES: readonly OpenrcVariable[] = [
  { name: 'description', doc: 'One line shown by "rc-service {svc} describe".', example: 'My site' },
  {
    name: 'command',
    doc: 'Absolute path of the program. start-stop-daemon also finds the running process by it, so name the real binary.',
    example: '/usr/bin/mysite',
  },
  {
    name: 'command_args',
    doc: 'Arguments of the program, as shell words: OpenRC evaluates them once, so quote each argument for that; the script then hands each one over unchanged (spaces, tabs and * included).',
    example: "--port 8080 'two words'",
  },
  {
    name: 'command_user',
    doc: "user[:group] the program runs as; the group defaults to the user's primary group. Unset: root.",
    example: 'mysite:mysite',
  },
  { name: 'directory', doc: 'Directory the program starts in. Unset: /.', example: '/var/lib/mysite' },
  { name: 'umask', doc: 'File mode creation mask of the program. Unset: inherited (usually 0022).', example: '0027' },
  {
    name: 'rc_ulimit',
    doc: 'Resource limits of the program, as "ulimit" option/value pairs: -n open files, -u processes, -c core file size (0 or unlimited: its unit differs between shells). The script applies one pair at a time, so that dash takes them too, and refuses to start when a limit cannot be set.',
    example: '-n 65536',
  },
  {
    name: 'start_stop_daemon_args',
    doc: 'Extra options for start-stop-daemon or supervise-daemon, such as --nicelevel N: the scheduling priority from -20 (first) to 19 (last).',
    example: '--nicelevel 5',
  },
  {
    name: 'supervisor',
    doc: 'supervise-daemon: OpenRC\'s supervisor keeps the program in the foreground, holds the root-owned pidfile /run/{svc}.pid and respawns the program whenever it exits, after a clean exit too. Unset: start-stop-daemon, which never respawns.',
    example: 'supervise-daemon',
  },
  { name: 'respawn_delay', doc: 'Seconds supervise-daemon waits before it respawns the program.', example: '1' },
  {
    name: 'respawn_max',
    doc: 'supervise-daemon gives up, and marks the service failed, after this many respawns within respawn_period seconds; 0: never.',
    example: '5',
  },
  { name: 'respawn_period', doc: 'Seconds over which respawn_max counts respawns.', example: '60' },
  {
    name: 'command_background',
    doc: 'true: the program stays in the foreground; start-stop-daemon puts it in the background and writes its pid to the root-owned /run/{svc}.pid. It is not respawned.',
    example: 'true',
  },
  {
    name: 'pidfile',
    doc: 'Only for a program that forks and writes its own pidfile: where it writes it (as root, in a root-owned directory). Unset: /run/{svc}.pid, kept by OpenRC.',
    example: '/run/mysite.pid',
  },
  {
    name: 'retry',
    doc: 'How stop ends the program: signal/seconds to wait, then KILL/seconds (start-stop-daemon(8) --retry).',
    example: 'TERM/30/KILL/5',
  },
  {
    name: 'output_log',
    doc: "File the program's standard output is appended to; the script creates it owned by command_user when missing. Unset: discarded.",
    example: '/var/log/mysite/out.log',
  },
  {
    name: 'error_log',
    doc: "File the program's standard error is appended to; the script creates it owned by command_user when missing. Unset: discarded.",
    example: '/var/log/mysite/err.log',
  },
  {
    name: 'reload_signal',
    doc: 'Signal that "rc-service {svc} reload" sends once the configuration checks out. Unset: no reload command.',
    example: 'HUP',
  },
  {
    name: 'config_check',
    doc: 'Command that checks the configuration, as shell words (evaluated once), run as root before start, before the stop half of restart and before reload; when it fails, nothing is changed. Unset: no check.',
    example: '/usr/bin/mysite --check-config',
  },
  {
    name: 'environment_file',
    doc: 'File of NAME=value lines (sh syntax) exported to the program by start and foreground. Unset: none.',
    example: '/etc/mysite/env',
  },
  {
    name: 'rc_need',
    doc: 'Services that must run before this one (hard dependency: stopping them stops this one). "!name" removes a dependency.',
    example: 'net.eth0',
  },
  {
    name: 'rc_use',
    doc: 'Services started before this one when they are in the runlevel (soft). The network is a soft dependency: for one interface, set rc_need="net.eth0" instead; rc_use="!net" drops it.',
    example: 'net logger',
  },
  { name: 'rc_after', doc: 'Services this one starts after when both start (ordering only).', example: 'logger' },
];

export const OPENRC_VARIABLE_NAMES: ReadonlySet<string> = new Set(OPENRC_VARIABLES.map((v) => v.name));

/** A variable's documentation for one service ({svc} filled in). */
export function variableDoc(v: OpenrcVariable, service: string): string {
  return v.doc.replaceAll('{svc}', service);
}
