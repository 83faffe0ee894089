import { DATA_MODE, LINK_MODE, SCRIPT_MODE, type GeneratedFile } from '../files.js';
import type { Renderer } from '../render.js';
import type { Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';
import { OPENRC_VARIABLES, OPENRC_VARIABLE_NAMES, variableDoc, type OpenrcVariable } from './openrc-vars.js';
import { LIMIT_FLAG, plainPathProblems, wrap, type CommandHelp } from './shared.js';
import type { Target } from './target.js';
import { LAYOUT } from '../layout.js';

/** One conf.d variable: `words` values are argv lists that OpenRC passes through `eval`. */
export interface ConfVar {
  name: string;
  value: string | string[];
  /** An environment variable of the program, not one of OpenRC's. */
  exported: boolean;
}

/**
 * Names a conf.d `export` must not take: conf.d is sourced into the very
 * shell that runs openrc-run (openrc-run.sh sources conf.d, then the script),
 * so these would change how OpenRC itself starts the service.
 */
const SHELL_RESERVED = ['IFS', 'PATH', 'ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'OPTIND', 'OPTARG', 'SVCNAME'];
const RESERVED_PREFIXES = ['RC_', 'EINFO_', 'SSD_'];
/**
 * openrc-run(8)'s variables this script does not set, and names openrc-run.sh
 * assigns itself; lowercase names starting with "_" are refused too (the
 * scratch variables of openrc-run.sh and of the generic script).
 */
const OTHER_OPENRC_VARIABLES = new Set(
  (
    'name command_args_background command_args_foreground command_progress procname chroot input_file ' +
    'output_logger error_logger stopsig stopgroup extra_commands extra_started_commands extra_stopped_commands ' +
    'required_dirs required_files supervise_daemon_args capabilities secbits no_new_privs notify ' +
    'healthcheck_timer healthcheck_delay start_inactive in_background_fake opts lsbh shebang'
  ).split(' '),
);

/** Respawn settings under supervise-daemon: 1 s apart, at most 5 within a minute. */
const RESPAWN = { delay: '1', max: '5', period: '60' };

/**
 * OpenRC names for the abstract dependencies, as the service-script guide
 * advises: the network is a soft `use net` (a blanket `need net` is wrong
 * for servers happy with 0.0.0.0), syslog daemons provide `logger`, NTP
 * clients `ntp-client`; local filesystems are a hard `need localmount`.
 */
const DEPENDENCY = {
  requires: { network: ['use', 'net'], syslog: ['use', 'logger'], time: ['use', 'ntp-client'], localfs: ['need', 'localmount'] },
  after: { network: ['after', 'net'], syslog: ['after', 'logger'], time: ['after', 'ntp-client'], localfs: ['after', 'localmount'] },
} as const;

export function openrcNames(svc: Service): { base: string; entry: string } {
  const base = svc.family ?? svc.name;
  return { base, entry: svc.family ? `${svc.family}.${svc.name}` : svc.name };
}

/** Foreground programs with restart on run under supervise-daemon; it cannot leave one dead, so "no" uses start-stop-daemon. */
export function supervised(svc: Service): boolean {
  return !svc.daemonizes && svc.restart !== 'no';
}

/** `user[:group]` for command_user, or undefined for root:root. */
export function commandUser(svc: Service): string | undefined {
  const user = svc.user ?? (svc.group ? 'root' : undefined);
  return user && (svc.group ? `${user}:${svc.group}` : user);
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

/** The variables this service's conf.d sets, in the order of OPENRC_VARIABLES, then its environment. */
export function confVars(svc: Service): ConfVar[] {
  const values = new Map<string, string | string[]>();
  const set = (name: string, value: string | string[] | undefined) => {
    if (value !== undefined && value.length > 0) values.set(name, value);
  };
  // Always set, empty too: the description is the user's value, carried as is.
  values.set('description', svc.description);
  set('command', svc.command);
  set('command_args', svc.args);
  set('command_user', commandUser(svc));
  set('directory', svc.workingDirectory);
  set('umask', svc.umask);
  set('rc_ulimit', svc.limits.map(([limit, value]) => `-${LIMIT_FLAG[limit]} ${value}`).join(' '));
  set('start_stop_daemon_args', svc.nice === undefined ? undefined : ['--nicelevel', String(svc.nice)]);
  if (svc.daemonizes) {
    set('pidfile', svc.pidfile);
  } else if (supervised(svc)) {
    set('supervisor', 'supervise-daemon');
    set('respawn_delay', RESPAWN.delay);
    set('respawn_max', RESPAWN.max);
    set('respawn_period', RESPAWN.period);
  } else {
    set('command_background', 'true');
  }
  set('retry', `${svc.stopSignal}/${svc.stopTimeout}/KILL/5`);
  set('output_log', svc.stdoutLog);
  set('error_log', svc.stderrLog);
  set('reload_signal', svc.reloadSignal);
  set('config_check', svc.configCheck);
  set('environment_file', svc.environmentFile);
  const deps = dependencies(svc);
  set('rc_need', deps.need.join(' '));
  set('rc_use', deps.use.join(' '));
  set('rc_after', deps.after.join(' '));

  const vars: ConfVar[] = OPENRC_VARIABLES.filter((v) => values.has(v.name)).map((v) => ({ name: v.name, value: values.get(v.name)!, exported: false }));
  for (const [name, value] of svc.environment) vars.push({ name, value, exported: true });
  return vars;
}

function commands(entry: string, svc: Service): CommandHelp[] {
  const rc = `rc-service ${entry}`;
  return [
    { name: 'start, stop, restart, status', how: `${rc} start (OpenRC built-ins)` },
    ...(svc.reloadSignal ? [{ name: 'reload', how: `${rc} reload: config check, then SIG${svc.reloadSignal}` }] : []),
    { name: 'kill', how: `${rc} kill: SIGKILL the program (and its supervisor), forget the pidfile` },
    { name: 'zap', how: `${rc} zap (OpenRC built-in: mark stopped, forget recorded state)` },
    svc.daemonizes
      ? { name: 'foreground', how: `${rc} foreground refuses: the program daemonizes itself (use its own foreground option)` }
      : { name: 'foreground', how: `${rc} foreground: run in this terminal as the service would (only while stopped)` },
    { name: 'checkconfig', how: `${rc} checkconfig: run config_check` },
  ];
}

/** Comment lines of at most 78 columns: "# name: " then the wrapped text. */
function docLines(name: string, doc: string): string[] {
  return wrap(doc, Math.max(40, 76 - name.length - 2));
}

/** A variable with its comment lines, for one service; shared by every service when its text does not name one. */
interface DocumentedVariable {
  name: string;
  /** `name:`, what the comment starts with. */
  label: string;
  example: string;
  doc: string;
  docLines: string[];
}

const ENVIRONMENT_DOC = 'Environment of the program.';
const serviceFree = new Map<string, DocumentedVariable>();

function documentedVariable(v: OpenrcVariable, service: string): DocumentedVariable {
  const namesService = v.doc.includes('{svc}');
  let documented = namesService ? undefined : serviceFree.get(v.name);
  if (!documented) {
    const doc = variableDoc(v, service);
    documented = { name: v.name, label: `${v.name}:`, example: v.example, doc, docLines: docLines(v.name, doc) };
    if (!namesService) serviceFree.set(v.name, documented);
  }
  return documented;
}

/** Every OpenRC variable with its documentation for one service, in the order of OPENRC_VARIABLES. */
function documented(service: string): DocumentedVariable[] {
  return OPENRC_VARIABLES.map((v) => documentedVariable(v, service));
}

const POSITION = new Map(OPENRC_VARIABLES.map((v, i) => [v.name, i]));

/** Everything the templates need: names, the set variables and the rest, commented. */
function model(svc: Service) {
  const { base, entry } = openrcNames(svc);
  const docs = documented(entry);
  const vars = confVars(svc).map(({ name, value, exported }) => {
    const { label, doc, docLines: lines } = exported
      ? { label: `${name}:`, doc: ENVIRONMENT_DOC, docLines: docLines(name, ENVIRONMENT_DOC) }
      : docs[POSITION.get(name)!]!;
    return { name, label, value, exported, doc, docLines: lines };
  });
  const setNames = new Set(vars.map((v) => v.name));
  return {
    base,
    entry,
    family: svc.family,
    vars,
    unset: docs.filter((v) => !setNames.has(v.name)),
    /** Only the family's conf.d lists them all: worked out when it is rendered (once per family). */
    get all(): DocumentedVariable[] {
      return svc.family ? documented(`${base}.NAME`) : [];
    },
    commands: commands(entry, svc),
  };
}

export type OpenrcModel = ReturnType<typeof model>;

function warnings(svc: Service): string[] {
  if (svc.daemonizes && svc.restart !== 'no') {
    return [
      `openrc: restart "${svc.restart}" is not carried for a program that daemonizes itself: supervise-daemon needs it in the foreground and start-stop-daemon never respawns`,
    ];
  }
  if (svc.restart === 'on-failure' && supervised(svc)) {
    return ['openrc: restart "on-failure" respawns after any exit, a clean one too: supervise-daemon does not tell them apart'];
  }
  return [];
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
      if (name.startsWith('LD_')) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for OpenRC: exported from conf.d (or environmentFile, also sourced by openrc-run), ld.so(8) would apply ${name} to every helper openrc-run starts as root (start-stop-daemon, supervise-daemon), not to the program alone; let the program's own start script set it`,
        });
        continue;
      }
      const clash =
        SHELL_RESERVED.includes(name) ||
        RESERVED_PREFIXES.some((p) => name.startsWith(p)) ||
        OPENRC_VARIABLE_NAMES.has(name) ||
        OTHER_OPENRC_VARIABLES.has(name) ||
        name.startsWith('rc_') ||
        /^_[a-z0-9_]*$/.test(name);
      if (clash) {
        problems.push({
          path: `environment.${name}`,
          message: `cannot be set for OpenRC: conf.d is sourced into the shell that runs openrc-run, so ${name} would change how OpenRC itself starts the service; set it in environmentFile, or rename it`,
        });
      }
    }
    for (const [limit, value] of svc.limits) {
      if (limit === 'core' && value !== 0 && value !== 'unlimited') {
        problems.push({
          path: 'limits.core',
          message: `${value} cannot be carried: rc_ulimit applies "ulimit -c", whose unit is 512 bytes in dash and 1024 in bash, so the size would depend on /bin/sh; expected 0 or "unlimited"`,
        });
      }
    }
    return problems;
  },

  render(svc: Service, renderer: Renderer) {
    const { m, initd, confd, familyConfd } = renderOpenrcTexts(svc, renderer);
    const files: GeneratedFile[] = [{ path: LAYOUT.openrcScript(m.base), mode: SCRIPT_MODE, content: initd }];
    if (familyConfd !== undefined) {
      files.push({ path: LAYOUT.openrcScript(m.entry), mode: LINK_MODE, linkTarget: m.base });
      files.push({ path: LAYOUT.openrcConf(m.base), mode: DATA_MODE, content: familyConfd });
    }
    files.push({ path: LAYOUT.openrcConf(m.entry), mode: DATA_MODE, content: confd });
    return { files, warnings: warnings(svc) };
  },
};

/** The generic script and the conf.d files as text: the openrc/ tree and the Gentoo overlay both ship them. */
export function renderOpenrcTexts(svc: Service, renderer: Renderer) {
  const m = model(svc);
  return {
    m,
    initd: svc.family ? renderer.renderOnce('openrc/init.d.ejs', m.base, { svc, m }) : renderer.render('openrc/init.d.ejs', { svc, m }),
    confd: renderer.render('openrc/conf.d.ejs', { svc, m }),
    familyConfd: svc.family ? renderer.renderOnce('openrc/conf.d-family.ejs', m.base, { svc, m }) : undefined,
    warnings: warnings(svc),
  };
}
