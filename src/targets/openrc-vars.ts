/**
 * The variables openrc-run and the generated script read, set by the script
 * or by an admin in conf.d (openrc-run(8), the service-script guide). conf.d
 * is sourced into the shell that runs openrc-run, so an environment variable
 * of the program must not take one of these names.
 */
export const OPENRC_VARIABLE_NAMES: ReadonlySet<string> = new Set([
  'description',
  'command',
  'command_args',
  'required_files',
  'command_user',
  'directory',
  'umask',
  'directories',
  'directories_mode',
  'directories_owner',
  'rc_ulimit',
  'start_stop_daemon_args',
  'supervisor',
  'respawn_delay',
  'respawn_max',
  'respawn_period',
  'command_background',
  'pidfile',
  'retry',
  'output_log',
  'error_log',
  'reload_signal',
  'config_check',
  'environment_file',
  'rc_need',
  'rc_use',
  'rc_after',
  'supervise_daemon_args',
]);
