/**
 * OpenRC rules: the service-script guide and openrc-run(8) as gathered in
 * platforms.md §B.7 (generator-side checks) and §0.4.
 */
import { parseShell, unquote, type Script, type Statement } from './shell.js';
import type { Hit, Rule } from './types.js';

export interface OpenrcContext {
  file: string;
  script: Script;
  top: Statement[];
  /** Top-level assignments by variable, first one wins. */
  assigned: Map<string, { line: number; value: string }>;
}

export function openrcContext(file: string, text: string): OpenrcContext {
  const script = parseShell(text);
  const top = script.statements.filter((s) => s.fn === undefined);
  const assigned = new Map<string, { line: number; value: string }>();
  for (const s of script.statements) {
    for (const m of s.text.matchAll(/(?:^|[\s;&|])([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|]*)/g)) {
      if (!assigned.has(m[1]!)) assigned.set(m[1]!, { line: s.line, value: unquote(m[2]!) });
    }
  }
  return { file, script, top, assigned };
}

const yes = (value: string | undefined) => value !== undefined && /^(yes|true|1|on)$/i.test(value);

export const OPENRC_RULES: ReadonlyArray<Rule<OpenrcContext>> = [
  {
    id: 'openrc-shebang',
    severity: 'error',
    ref: 'OpenRC service-script guide; openrc 0.52 dropped runscript',
    summary: 'the first line is exactly #!/sbin/openrc-run',
    fix: 'make the first line #!/sbin/openrc-run',
    check: (c) => {
      const first = c.script.lines[0] ?? '';
      if (first === '#!/sbin/openrc-run') return [];
      return [{ line: 1, message: /runscript/.test(first) ? '#!/sbin/runscript is gone since OpenRC 0.52 (Portage QA warns)' : `first line is ${JSON.stringify(first)}, not #!/sbin/openrc-run` }];
    },
  },
  {
    id: 'openrc-opts',
    severity: 'error',
    ref: 'openrc-run(8): opts is deprecated',
    summary: 'no opts=: extra_commands, extra_started_commands, extra_stopped_commands',
    fix: 'replace opts= with extra_commands= (or extra_started_commands= / extra_stopped_commands=)',
    check: (c) => c.top.filter((s) => /^opts=/.test(s.text)).map((s) => ({ line: s.line, message: 'opts= is deprecated; openrc-run warns about it' })),
  },
  {
    id: 'openrc-custom-start',
    severity: 'error',
    ref: 'OpenRC service-script guide: use the default start and stop',
    summary: 'no start() or stop() when command= is set',
    fix: 'delete start()/stop() and let openrc-run use command, command_args and pidfile (start_pre/stop_post for extra steps)',
    check: (c) => {
      if (!c.assigned.has('command')) return [];
      return ['start', 'stop']
        .filter((f) => c.script.functions.has(f))
        .map((f) => ({ line: c.script.functions.get(f)!.line, message: `${f}() replaces openrc-run's own although command= is set, losing its pid tracking` }));
    },
  },
  {
    id: 'openrc-background',
    severity: 'error',
    ref: 'openrc-run(8): command_background needs pidfile and excludes command_args_background',
    summary: 'command_background has a pidfile and no command_args_background',
    fix: 'set pidfile="/run/${RC_SVCNAME}.pid"; drop command_args_background',
    check: (c) => {
      const bg = c.assigned.get('command_background');
      if (!bg || !yes(bg.value)) return [];
      const hits: Hit[] = [];
      if (!c.assigned.has('pidfile')) hits.push({ line: bg.line, message: 'command_background without pidfile: start-stop-daemon --make-pidfile has nowhere to write' });
      const args = c.assigned.get('command_args_background');
      if (args) hits.push({ line: args.line, message: 'command_args_background with command_background: the program would daemonize itself under a pidfile made for it' });
      return hits;
    },
  },
  {
    id: 'openrc-pidfile-owner',
    severity: 'error',
    ref: 'OpenRC service-script guide: pid files are root-owned, in root-owned directories',
    summary: 'no checkpath --owner other than root on the /run or /var/run directory that holds the pidfile',
    fix: 'keep the pidfile root-owned: pidfile="/run/${RC_SVCNAME}.pid" (and no checkpath --owner for it)',
    check: (c) => {
      // openrc-run's default pidfile sits in /run itself; a directory the service owns elsewhere in /run is no risk to it.
      const pidfile = c.assigned.get('pidfile')?.value ?? '/run/${RC_SVCNAME}.pid';
      return c.script.statements
        .filter((s) => {
          if (!s.commands.includes('checkpath')) return false;
          const owner = /\s(?:-o|--owner)(?:\s+|=)("?)(\S+?)\1(?=\s)/.exec(s.text)?.[2];
          if (owner === undefined || /^(root|0)(:(root|0))?$/.test(owner)) return false;
          const runPaths = [...s.text.matchAll(/\s"?(\/(?:var\/)?run\/[^\s"]*)"?/g)].map((m) => m[1]!.replace(/\/+$/, ''));
          return runPaths.some((dir) => pidfile.startsWith(`${dir}/`));
        })
        .map((s) => ({ line: s.line, message: 'checkpath --owner on a run directory hands the pidfile to the service user, who could point it at any process' }));
    },
  },
  {
    id: 'openrc-extra-command',
    severity: 'error',
    ref: 'openrc-run(8): each extra command is a function; restart and zap are reserved',
    summary: 'every extra_*commands entry has a function, and none is restart or zap',
    fix: 'define a function with the command name, or remove the name from the list',
    check: (c) => {
      const hits: Hit[] = [];
      for (const variable of ['extra_commands', 'extra_started_commands', 'extra_stopped_commands']) {
        for (const s of c.script.statements) {
          const m = new RegExp(`(?:^|[\\s;&|])${variable}=("[^"]*"|'[^']*'|\\S*)`).exec(s.text);
          if (!m) continue;
          for (const name of unquote(m[1]!).split(/\s+/).filter((w) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(w))) {
            if (name === 'restart' || name === 'zap') hits.push({ line: s.line, message: `${variable} lists "${name}", which openrc-run reserves` });
            else if (!c.script.functions.has(name)) hits.push({ line: s.line, message: `${variable} lists "${name}" but the script defines no ${name}()` });
          }
        }
      }
      return hits;
    },
  },
  {
    id: 'openrc-svcname',
    severity: 'warning',
    ref: 'openrc-run(8): SVCNAME is a compatibility alias',
    summary: 'RC_SVCNAME, not SVCNAME',
    fix: 'write ${RC_SVCNAME}',
    check: (c) =>
      c.script.statements
        .filter((s) => /\$\{?SVCNAME\b/.test(s.text))
        .map((s) => ({ line: s.line, message: 'uses $SVCNAME, the deprecated alias of RC_SVCNAME' })),
  },
];
