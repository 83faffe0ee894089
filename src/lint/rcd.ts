/**
 * FreeBSD rc.d rules: the Porter's Handbook pre-commit checklist in its
 * current edition (16 items; "checklist item N" below), the handbook's
 * rc-scripts text around it, and what rc.subr(8) needs. platforms.md §A.2.
 */
import { USR_LOCAL } from '../targets/rcd.js';
import { isRcName, parseDefault, type RcdContext } from './rcd-context.js';
import { escapeRegExp, unquote } from './shell.js';
import type { Hit, Rule } from './types.js';

export { rcdContext, type RcdContext } from './rcd-context.js';

/** Variables rc.subr reads from the script. */
const RC_SUBR_VARIABLES = new Set([
  'name',
  'rcvar',
  'desc',
  'command',
  'command_args',
  'command_interpreter',
  'procname',
  'pidfile',
  'extra_commands',
  'required_dirs',
  'required_files',
  'required_vars',
  'required_modules',
  'sig_stop',
  'sig_reload',
  'rcvars',
]);
/** ${name}_<knob> variables rc.subr reads (rc.subr(8)). */
const RC_SUBR_KNOBS = new Set([
  'enable',
  'program',
  'flags',
  'user',
  'group',
  'groups',
  'chroot',
  'chdir',
  'nice',
  'env',
  'env_file',
  'fib',
  'cpuset',
  'limits',
  'login_class',
  'umask',
  'prepend',
  'setup',
  'oomprotect',
  'offcmd',
  'audit_user',
  'svcj',
  'svcj_options',
  'svcj_ipaddrs',
]);
const SCRIPT_EXTENSION = /\.(py|pl|rb|js|mjs|cjs|php|lua|tcl|sh)$/;

const word = (name: string) => new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(name)}(?![A-Za-z0-9_])`);

const knob = (c: RcdContext, variable: string): string | undefined => {
  const prefix = `${c.prefix}_`;
  return variable.startsWith(prefix) ? variable.slice(prefix.length) : undefined;
};

/** Whether `variable` appears, as a whole word, in a statement that does not assign it. */
function used(c: RcdContext, variable: string, assignedAt: number): boolean {
  const re = word(variable);
  return c.script.statements.some((s, i) => s.line !== assignedAt && re.test(c.statementsText[i]!));
}

function commandValue(c: RcdContext): string | undefined {
  return c.assignments.find((a) => a.variable === 'command')?.value;
}

const runsAsUser = (text: string) => /_user=|_user:?=|\bdaemon\b[^\n]*\s-u\s|\bchroot\b[^\n]*\s-u\s|\bsu\s+-m\b/.test(text);

export const RCD_RULES: ReadonlyArray<Rule<RcdContext>> = [
  {
    id: 'rc-shebang',
    severity: 'error',
    ref: 'rc(8): rc.d scripts are /bin/sh scripts',
    summary: 'the first line is #!/bin/sh',
    fix: 'make the first line #!/bin/sh',
    check: (c) => (c.script.lines[0] === '#!/bin/sh' ? [] : [{ line: 1, message: `first line is ${JSON.stringify(c.script.lines[0] ?? '')}, not #!/bin/sh` }]),
  },
  {
    id: 'rc-freebsd-tag',
    severity: 'error',
    ref: "Porter's Handbook: the current example and checklist have no $FreeBSD$ (git does not expand it)",
    summary: 'no $FreeBSD$ tag',
    fix: 'delete the $FreeBSD$ line',
    check: (c) =>
      c.script.lines.flatMap((l, i) => (/\$FreeBSD[:$]/.test(l) ? [{ line: i + 1, message: 'carries a $FreeBSD$ tag, which FreeBSD removed after moving to git' }] : [])),
  },
  {
    id: 'rc-file-extension',
    severity: 'error',
    ref: 'checklist item 1',
    summary: 'the file is files/NAME.in, not NAME.sh',
    fix: 'rename it to files/NAME.in (USE_RC_SUBR= NAME)',
    check: (c) => (/\.sh(\.in)?$/.test(c.file) ? [{ line: 1, message: `file name ${c.file.replace(/^.*\//, '')} ends in .sh, which new rc.d scripts must not` }] : []),
  },
  {
    id: 'rc-provide-missing',
    severity: 'error',
    ref: 'checklist item 2',
    summary: 'a # PROVIDE: line exists',
    fix: 'add "# PROVIDE: NAME" after the #!/bin/sh line',
    check: (c) => (c.provide ? [] : [{ line: 1, message: 'no "# PROVIDE:" line: rcorder(8) cannot order the script' }]),
  },
  {
    id: 'rc-provide-mismatch',
    severity: 'error',
    ref: 'checklist item 2',
    summary: 'PROVIDE names the file',
    fix: 'make the first PROVIDE name the file name (without .in)',
    check: (c) =>
      c.provide && c.provide.value[0] !== c.base
        ? [{ line: c.provide.line, message: `PROVIDE is "${c.provide.value.join(' ')}" but the file is ${c.base}`, fix: `write "# PROVIDE: ${c.base}"` }]
        : [],
  },
  {
    id: 'rc-name-missing',
    severity: 'error',
    ref: 'checklist item 2; rc.subr(8): run_rc_command needs $name',
    summary: 'name= is set',
    fix: 'add name=NAME before load_rc_config',
    check: (c) => (c.name ? [] : [{ line: 1, message: 'no top-level name= assignment' }]),
  },
  {
    id: 'rc-name-mismatch',
    severity: 'error',
    ref: 'checklist item 2',
    summary: 'name= is the file name',
    fix: 'make name= the file name (without .in)',
    check: (c) =>
      c.name && c.name.value !== c.base && c.name.value !== '${name}'
        ? [{ line: c.name.line, message: `name=${c.name.value} but the file is ${c.base}`, fix: `write name=${c.base}` }]
        : [],
  },
  {
    id: 'rc-name-charset',
    severity: 'error',
    ref: 'rc.subr(8): $name prefixes rc.conf variable names',
    summary: 'name is letters, digits and _',
    fix: 'use letters, digits and "_" only (for example php_fpm, not php-fpm)',
    check: (c) =>
      c.name && !isRcName(c.name.value)
        ? [{ line: c.name.line, message: `name=${c.name.value} is not a valid shell variable prefix, so ${c.name.value}_enable cannot be set` }]
        : [],
  },
  {
    id: 'rc-require-login',
    severity: 'error',
    ref: 'checklist item 3',
    summary: 'REQUIRE includes LOGIN (a warning for root services, an error for the others)',
    fix: 'add LOGIN to the "# REQUIRE:" line',
    check: (c) => {
      if (c.require.some((r) => r.value.includes('LOGIN'))) return [];
      const asUser = runsAsUser(c.script.lines.join('\n'));
      const line = c.require[0]?.line ?? c.provide?.line ?? 1;
      return [
        {
          line,
          message: asUser
            ? 'REQUIRE lacks LOGIN, which is mandatory for a service that runs as a non-root user'
            : 'REQUIRE lacks LOGIN: a root service needs a good reason to start before the local scripts',
          severity: asUser ? 'error' : 'warning',
        },
      ];
    },
  },
  {
    id: 'rc-keyword-shutdown',
    severity: 'error',
    ref: 'checklist item 4',
    summary: 'a persistent service has KEYWORD: shutdown',
    fix: 'add "# KEYWORD: shutdown"',
    check: (c) => {
      const persistent = c.assignments.some((a) => a.variable === 'command' || a.variable === 'pidfile' || a.variable === 'procname');
      if (!persistent || c.keyword.some((k) => k.value.includes('shutdown'))) return [];
      return [{ line: c.keyword[0]?.line ?? c.provide?.line ?? 1, message: 'the script starts a persistent service (command=) but has no "KEYWORD: shutdown", so it is not stopped at shutdown' }];
    },
  },
  {
    id: 'rc-keyword-freebsd',
    severity: 'error',
    ref: 'checklist item 5',
    summary: 'no KEYWORD: FreeBSD',
    fix: 'remove FreeBSD from the KEYWORD line',
    check: (c) => c.keyword.filter((k) => k.value.includes('FreeBSD')).map((k) => ({ line: k.line, message: '"KEYWORD: FreeBSD" has not been needed or wanted for years' })),
  },
  {
    id: 'rc-interpreter',
    severity: 'warning',
    ref: 'checklist item 6',
    summary: 'a script run by an interpreter sets command_interpreter; daemon(8) as command does not',
    fix: 'set command_interpreter to the interpreter of the #! line (for example %%LOCALBASE%%/bin/python3.11)',
    check: (c) => {
      const command = commandValue(c);
      const hits: Hit[] = [];
      const interpreter = c.assignments.find((a) => a.variable === 'command_interpreter');
      const procname = c.assignments.some((a) => a.variable === 'procname');
      const line = c.assignments.find((a) => a.variable === 'command')?.line ?? 1;
      if (command && SCRIPT_EXTENSION.test(unquote(command)) && !interpreter && !procname) {
        hits.push({ line, message: `command ${unquote(command)} looks like a script, and command_interpreter is not set: rc.subr would not find it to stop it` });
      }
      if (interpreter && command && /\/daemon$/.test(unquote(command)) && !procname) {
        hits.push({
          line: interpreter.line,
          message: 'command_interpreter is set while command is daemon(8): rc.subr would look for "<interpreter> /usr/sbin/daemon" and never find it',
          fix: 'remove command_interpreter (rc.subr tracks daemon(8)), or set procname and pidfile to the script',
        });
      }
      return hits;
    },
  },
  {
    id: 'rc-usr-local',
    severity: 'error',
    ref: 'checklist item 7',
    summary: 'no literal /usr/local in a port file: %%PREFIX%% or %%LOCALBASE%%',
    fix: 'write %%PREFIX%% for what the port installs, %%LOCALBASE%% for what other ports install',
    check: (c) =>
      c.port ? c.script.lines.flatMap((l, i) => (USR_LOCAL.test(l) ? [{ line: i + 1, message: 'literal /usr/local in a port file: it breaks with another PREFIX' }] : [])) : [],
  },
  {
    id: 'rc-subr-missing',
    severity: 'error',
    ref: 'rc.subr(8)',
    summary: 'the script sources /etc/rc.subr',
    fix: 'add ". /etc/rc.subr" after the header',
    check: (c) => (c.rcSubrLine ? [] : [{ line: 1, message: 'does not source /etc/rc.subr' }]),
  },
  {
    id: 'rc-load-rc-config',
    severity: 'error',
    ref: 'checklist item 8',
    summary: 'load_rc_config $name is called',
    fix: 'call "load_rc_config $name" after name= and rcvar=',
    check: (c) => (c.loadLine ? [] : [{ line: c.name?.line ?? 1, message: 'load_rc_config is never called, so rc.conf settings are not read' }]),
  },
  {
    id: 'rc-default-before-load',
    severity: 'error',
    ref: 'checklist item 8',
    summary: 'defaults come after load_rc_config',
    fix: 'move the default below "load_rc_config $name"',
    check: (c) => {
      if (c.loadLine === undefined) return [];
      const early = [
        ...c.defaults.filter((d) => d.line < c.loadLine!).map((d) => ({ line: d.line, message: `default for ${d.variable} before load_rc_config: rc.conf is read after it` })),
        ...c.assignments
          .filter((a) => a.line < c.loadLine! && knob(c, a.variable) !== undefined)
          .map((a) => ({ line: a.line, message: `${a.variable} is set before load_rc_config, as a default in disguise` })),
      ];
      return early.sort((a, b) => a.line - b.line);
    },
  },
  {
    id: 'rc-overrides-rcconf',
    severity: 'error',
    ref: 'checklist item 8: rc.conf variables get defaults, not assignments, after load_rc_config',
    summary: 'no plain assignment to an rc.conf variable after load_rc_config',
    fix: 'write : ${VAR="value"} so that rc.conf can still set it',
    check: (c) =>
      c.loadLine === undefined
        ? []
        : c.assignments
            .filter((a) => a.line > c.loadLine! && knob(c, a.variable) !== undefined)
            .map((a) => ({ line: a.line, message: `${a.variable}= after load_rc_config overrides whatever rc.conf sets` })),
  },
  {
    id: 'rc-empty-default',
    severity: 'error',
    ref: 'checklist item 9',
    summary: 'no default is an empty string',
    fix: 'delete the assignment and document the variable in the header instead',
    check: (c) => c.defaults.filter((d) => d.value === '').map((d) => ({ line: d.line, message: `${d.variable} defaults to an empty string` })),
  },
  {
    id: 'rc-undocumented-var',
    severity: 'error',
    ref: 'checklist item 9',
    summary: 'every rc.conf variable with a default is documented in the header comments',
    fix: 'describe the variable, its type and default in the comment block before ". /etc/rc.subr"',
    check: (c) =>
      c.defaults
        .filter((d) => knob(c, d.variable) !== undefined && !word(d.variable).test(c.header))
        .map((d) => ({ line: d.line, message: `rc.conf variable ${d.variable} is not documented in the header comments` })),
  },
  {
    id: 'rc-unused-var',
    severity: 'warning',
    ref: 'checklist item 10',
    summary: 'every variable set is used',
    fix: 'use the variable (in command_args, required_files, ...) or remove it',
    check: (c) => {
      const candidates = [
        ...c.assignments.map((a) => ({ line: a.line, variable: a.variable })),
        ...c.defaults.map((d) => ({ line: d.line, variable: d.variable })),
      ];
      return candidates
        .filter(({ variable }) => {
          if (RC_SUBR_VARIABLES.has(variable) || /_(cmd|precmd|postcmd)$/.test(variable) || /^[A-Z_][A-Z0-9_]*$/.test(variable)) return false;
          const k = knob(c, variable);
          return k === undefined || !RC_SUBR_KNOBS.has(k);
        })
        .filter(({ variable, line }) => !used(c, variable, line))
        .map(({ variable, line }) => ({ line, message: `${variable} is set but never used` }));
    },
  },
  {
    id: 'rc-flags-default',
    severity: 'warning',
    ref: 'checklist item 11',
    summary: 'no default for ${name}_flags: mandatory options belong in command_args',
    fix: 'move the options into command_args and leave ${name}_flags to the admin',
    check: (c) =>
      c.defaults
        .filter((d) => knob(c, d.variable) === 'flags' && d.value !== '')
        .map((d) => ({
          line: d.line,
          message: `${d.variable} has a default (${JSON.stringify(d.value)})${/(^|\s)-d(\s|$)/.test(d.value) ? ', with -d, which is surely mandatory' : ''}: an admin setting flags would lose it`,
        })),
  },
  {
    id: 'rc-flags-in-command-args',
    severity: 'error',
    ref: 'checklist item 12',
    summary: '${name}_flags is not in command_args (rc.subr adds it), and command_args is not in the flags',
    fix: 'remove ${name}_flags from command_args: rc.subr already passes it before command_args',
    check: (c) => {
      const n = c.prefix;
      const hits: Hit[] = [];
      const flags = new RegExp(`\\$\\{?(${escapeRegExp(n)}_flags|rc_flags)\\b|\\$\\{name\\}_flags`);
      for (const a of c.assignments.filter((a) => a.variable === 'command_args')) {
        if (flags.test(a.value)) hits.push({ line: a.line, message: `command_args includes ${n}_flags, so the flags are passed twice` });
      }
      for (const d of c.defaults.filter((d) => knob(c, d.variable) === 'flags')) {
        if (/\$\{?command_args\b/.test(d.value)) hits.push({ line: d.line, message: `${d.variable} includes command_args, so they are passed twice` });
      }
      return hits;
    },
  },
  {
    id: 'rc-unconditional-code',
    severity: 'error',
    ref: 'checklist item 13',
    summary: 'only assignments, defaults, load_rc_config, functions and run_rc_command at top level',
    fix: 'move the code into a function such as start_precmd',
    check: (c) =>
      c.top
        .filter((s) => s.nesting === 0)
        .filter((s) => {
          const first = s.commands[0] ?? '';
          if (/^[A-Za-z_][A-Za-z0-9_]*\s*\(\s*\)/.test(s.code)) return false;
          if (s.commands.length > 0 && s.commands.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w))) return false;
          if (parseDefault(s)) return false;
          if (first === ':' && /^:\s+"?\$\{/.test(s.text)) return false;
          if (/^(\.|source)\s+["']?\/etc\/rc\.subr["']?$/.test(s.text)) return false;
          // The profiles idiom (www/nginx, databases/redis-devel): "$2" names a profile, read before run_rc_command.
          if (/^if \[ -n "\$2" \]; then\b/.test(s.text)) return false;
          return !['load_rc_config', 'run_rc_command', 'set_rcvar', 'export'].includes(first) && s.code !== '{' && s.code !== '}';
        })
        .map((s) => ({ line: s.line, message: `top-level code runs whenever the script is read (even for "rcvar" or at boot when disabled): ${s.text.split('\n')[0]!.slice(0, 60)}` })),
  },
  {
    id: 'rc-checkyesno',
    severity: 'error',
    ref: 'checklist item 14',
    summary: 'boolean tests use checkyesno',
    fix: 'write "checkyesno VARIABLE" instead of comparing with YES/NO',
    check: (c) =>
      c.script.statements
        .filter((s) => /\[Yy\]\[Ee\]|\[Nn\]\[Oo\]|\[Tt\]\[Rr\]/i.test(s.text) || /(\[|test)\s[^\]]*\s!?=\s*["']?(yes|no|true|false|on|off)["']?(\s|$|\])/i.test(s.text))
        .map((s) => ({ line: s.line, message: 'hand-rolled yes/no test' })),
  },
  {
    id: 'rc-unbounded-loop',
    severity: 'error',
    ref: 'checklist item 15',
    summary: 'wait loops have a counter',
    fix: 'count the iterations and give up after a limit: while [ $n -lt 30 ]; do ...; n=$((n + 1)); done',
    check: (c) => {
      const hits: Hit[] = [];
      const st = c.script.statements;
      st.forEach((s, i) => {
        const loop = s.commands.findIndex((w) => w === 'while' || w === 'until');
        if (loop === -1) return;
        if (s.commands[loop + 1] === 'read' || /^(while|until)\s+(IFS=\S*\s+)?read\b/.test(s.code)) return;
        let body = s.code;
        for (let j = i + 1; j < st.length && st[j]!.fn === s.fn && st[j]!.nesting > s.nesting; j++) body += `\n${st[j]!.code}`;
        if (!/\$\(\(|\s-(lt|le|gt|ge|eq|ne)\s|\bexpr\b|\blet\b/.test(body)) hits.push({ line: s.line, message: 'loop without a counter: it can wait forever and hang the boot' });
      });
      return hits;
    },
  },
  {
    id: 'rc-touch-chown',
    severity: 'warning',
    ref: 'checklist item 16',
    summary: 'files that need an owner are made with install(1), not touch/chown/chmod',
    fix: 'install -d -o USER -g GROUP -m 0750 DIR (or install -o USER /dev/null FILE) in start_precmd',
    check: (c) =>
      c.script.statements
        .filter((s) => s.commands.some((w) => w === 'touch' || w === 'chown' || w === 'chmod'))
        .map((s) => ({ line: s.line, message: `uses ${s.commands.find((w) => ['touch', 'chown', 'chmod'].includes(w))} to set up a file` })),
  },
  {
    id: 'rc-rcvar',
    severity: 'error',
    ref: 'rc.subr(8): rcvar names the _enable variable run_rc_command checks',
    summary: 'rcvar=${name}_enable',
    fix: 'write rcvar=${name}_enable',
    check: (c) => {
      if (!c.rcvar) return [{ line: c.name?.line ?? 1, message: 'no rcvar=: the service cannot be enabled in rc.conf' }];
      const n = c.prefix;
      if (!isRcName(n)) return [];
      const ok = [`${n}_enable`, '${name}_enable', '$(set_rcvar)', '`set_rcvar`'];
      return ok.includes(c.rcvar.value) ? [] : [{ line: c.rcvar.line, message: `rcvar=${c.rcvar.value}, not ${n}_enable` }];
    },
  },
  {
    id: 'rc-enable-default',
    severity: 'error',
    ref: "Porter's Handbook, rc scripts: the _enable default uses :=",
    summary: '${name}_enable has a default, set with :="NO"',
    fix: 'write : ${NAME_enable:="NO"} after load_rc_config',
    check: (c) => {
      const n = c.prefix;
      if (!isRcName(n)) return [];
      const d = c.defaults.find((d) => d.variable === `${n}_enable`);
      if (!d) return [{ line: c.loadLine ?? 1, message: `${n}_enable has no default` }];
      return d.colon ? [] : [{ line: d.line, message: `${n}_enable defaults with "=": an empty ${n}_enable="" would then fail checkyesno with a warning` }];
    },
  },
  {
    id: 'rc-default-colon',
    severity: 'error',
    ref: "Porter's Handbook, rc scripts: optional defaults use =, not :=",
    summary: 'other defaults use = so that an admin can set a variable to ""',
    fix: 'write : ${VAR="value"} instead of : ${VAR:="value"}',
    check: (c) => {
      return c.defaults
        .filter((d) => d.colon && !d.variable.endsWith('_enable'))
        .map((d) => ({ line: d.line, message: `${d.variable} defaults with ":=", which overrides an admin's ${d.variable}=""` }));
    },
  },
  {
    id: 'rc-run-rc-command',
    severity: 'error',
    ref: 'rc.subr(8)',
    summary: 'the script ends with run_rc_command "$1"',
    fix: 'end the script with run_rc_command "$1"',
    check: (c) => {
      const last = c.top[c.top.length - 1];
      if (c.runLine === undefined) return [{ line: c.script.lines.length, message: 'run_rc_command is never called' }];
      return last && last.line !== c.runLine ? [{ line: last.line, message: 'code after run_rc_command' }] : [];
    },
  },
];
