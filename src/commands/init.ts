import { basename, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { DATA_MODE } from '../files.js';
import { normalize } from '../spec/normalize.js';
import { SERVICE_SCHEMA } from '../spec/schema.js';
import { plan } from '../write.js';
import { parseCommandArgs } from './args.js';
import { shownPath, type Command, type Io } from './io.js';
import { writeInterruptibly } from './plan-report.js';

export const INIT_HELP = `Usage: init-service init [FILE] [options]

Writes a starter service description, without the wizard: the two fields
every description needs and the restart policy every target carries, then
every other field commented out, each with what it means and an example.
YAML, so that it can carry those comments. It generates as it is.

  FILE               where to write it (default: NAME.yaml)
  --name NAME        the service name (default: FILE's base name, else "myservice")
  --command PATH     the program (default: /usr/bin/NAME)
  --force            overwrite FILE if it exists

Then edit it and run: init-service generate --spec FILE`;

/** An example value for each field, as YAML; what is commented out in the starter. */
const EXAMPLES: Record<string, string> = {
  family: 'web                      # members share one script; {instance} is the member\'s name',
  description: 'My web application',
  interpreter: '/usr/local/bin/python3  # FreeBSD: the #! program of a script command',
  args: '["--port", "8080", "--config", "{config}"]',
  user: 'NAME',
  group: 'NAME',
  workingDirectory: '{state}',
  environment: '{ LC_ALL: C.UTF-8 }',
  environmentFile: '/etc/default/NAME',
  daemonizes: 'false',
  pidfile: '/run/NAME/NAME.pid     # with daemonizes: true only',
  reloadSignal: 'HUP',
  stopSignal: 'TERM',
  stopTimeout: '30',
  umask: '"0027"',
  nice: '0',
  limits: '{ nofile: 65536, nproc: 4096, core: 0 }',
  requires: '[network]',
  after: '[syslog]',
  stdoutLog: '{logs}/out.log',
  stderrLog: '{logs}/err.log',
  directories: '{ state: [NAME], logs: [NAME] }',
  directoriesMode: '"0750"',
  configFile: '/etc/NAME/NAME.conf',
  ready: 'started                 # or notify (sd_notify)',
  switchesUser: '{ user: www-data }     # it starts as root and switches itself',
  commands: '[kill, zap, foreground]',
  configCheck: '["/usr/bin/NAME", "--check-config", "{config}"]',
  freebsd: '{ plist: modern }',
  systemd: '{ hardening: default, bindPrivilegedPorts: false }',
};

/** The starter text: name, command and restart set, every other field of the schema commented out with its description. */
export function starterDescription(name: string, command: string): string {
  const lines = [
    `# Service description of "${name}" for init-service.`,
    '# Fill in what applies and delete the rest; a field left out takes its default.',
    '# Every field is in the README\'s table; check the file with: init-service generate --spec FILE --dry-run',
    '',
    `name: ${name}`,
    `command: ${command}`,
    '',
    `# restart: ${(SERVICE_SCHEMA.properties as Record<string, { description?: string }>).restart?.description ?? ''}`.trimEnd(),
    '#   "always" is the one policy every target carries as it is; with "on-failure"',
    "#   OpenRC's supervise-daemon and FreeBSD's daemon(8) restart after a clean exit too.",
    'restart: always',
  ];
  const properties = SERVICE_SCHEMA.properties as Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
  for (const [field, schema] of Object.entries(properties)) {
    if (field === '$schema' || field === 'name' || field === 'command' || field === 'restart') continue;
    lines.push('', `# ${field}: ${schema.description ?? ''}`.trimEnd());
    for (const [sub, subSchema] of Object.entries(schema.properties ?? {})) lines.push(`#   ${sub}: ${subSchema.description ?? ''}`.trimEnd());
    lines.push(`#${field}: ${(EXAMPLES[field] ?? '').replaceAll('NAME', name)}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a commented starter description to edit (no questions)',
  async run(args: readonly string[], io: Io): Promise<number> {
    const { values, positionals } = parseCommandArgs('init-service init', args, {
      name: { type: 'string' },
      command: { type: 'string' },
      force: { type: 'boolean' },
    }, true);
    if (positionals.length > 1) throw new UserError('init takes at most one FILE; run init-service init --help', 2);
    const given = positionals[0];
    if (given !== undefined && !/\.ya?ml$/i.test(given)) throw new UserError(`init writes YAML, for its comments: name the file ${given.replace(/\.json$/i, '')}.yaml`, 2);
    const name = values.name ?? (given ? basename(given).replace(/\.ya?ml$/i, '') : 'myservice');
    const command = values.command ?? `/usr/bin/${name}`;
    // The starter must be a description that generates as it is: the same check as a spec file.
    normalize({ name, command }, '--name/--command');
    const file = resolve(io.cwd, given ?? `${name}.yaml`);
    const [planned] = await plan([{ path: basename(file), mode: DATA_MODE, content: starterDescription(name, command) }], resolve(file, '..'));
    const shown = shownPath(file, io.cwd);
    if (planned!.blocker) throw new UserError(`cannot write ${shown}: ${planned!.blocker}`, 1);
    if (planned!.state === 'changed' && !values.force) throw new UserError(`${shown} exists and differs; nothing was written. Use --force to replace it, or name another FILE`, 1);
    if (!(await writeInterruptibly([planned!]))) return 130;
    io.stdout(`wrote ${shown}\nEdit it, then: init-service generate --spec ${shown} --dry-run\n`);
    return 0;
  },
};
