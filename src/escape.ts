/**
 * One escaper per context a value can reach. Each returns text that, read by
 * that context, yields exactly the input; none of them ever drops a byte.
 * Values a context cannot carry are refused earlier, by the target's checks
 * (see the `cannot` helpers at the bottom and each target's `problems`).
 */

/**
 * Characters no POSIX shell treats specially in an unquoted word (not first
 * in a command). A word starting with "=" or "+=" is quoted anyway: after a
 * command, shellcheck reads it as a mistyped assignment (SC2283, SC2285).
 */
const SH_PLAIN = /^(?!\+?=)[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A POSIX sh word that evaluates to exactly `value`: bare when that is safe,
 * otherwise single-quoted runs joined by `\'` for each `'` in the value.
 */
export function shWord(value: string): string {
  if (SH_PLAIN.test(value)) return value;
  if (value === '') return "''";
  if (value.startsWith('~') && value !== '~') return `\\~${shWord(value.slice(1))}`;
  // The usual case, what the general one below gives for it: one quoted run.
  if (!value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
  // Each run between quotes in single quotes, each ' as \'; backslashes that
  // would end a quoted run go outside it as \\ (shellcheck reads '...\' as a
  // mistaken attempt to escape the quote, SC1003), and so does a leading ~
  // as \~ (it reads '~/...' as a tilde meant to expand, SC2088).
  return value
    .split("'")
    .map((part) => {
      const [, body, slashes] = /^([^]*?)(\\*)$/.exec(part)!;
      return `${body ? `'${body}'` : ''}${slashes!.replaceAll('\\', '\\\\')}`;
    })
    .join("\\'");
}

/** Shell words for an argv list: the text `eval "set -- $text"` turns back into the list. */
export function shWords(values: readonly string[]): string {
  return values.map(shWord).join(' ');
}

/**
 * The right-hand side of `name=<here>` in a sourced sh file, so that the
 * variable holds exactly `value`. Single quotes when the value has none
 * (easiest to read; always quoted, so no value looks like a command) and
 * does not end in a backslash (SC1003, see shWord), else double quotes with
 * `\ " $ \`` escaped; a leading ~ as \~ (SC2088, see shWord).
 */
export function shAssign(value: string): string {
  if (value.startsWith('~') && value !== '~') return `\\~${shAssign(value.slice(1))}`;
  if (!value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/**
 * Text for a variable that OpenRC or rc.subr later passes through `eval`
 * (command_args, command_user, ${name}_env, ...): the argv as shell words,
 * itself quoted for the assignment. Two layers, each undone once.
 */
export function shEvalAssign(values: readonly string[]): string {
  return shAssign(shWords(values));
}

/** A piece of one shell word: literal text, or a shell variable whose value stands there. */
export type ShPart = { text: string } | { variable: string };

/**
 * One sh word made of literal text and variable references, for a
 * placeholder put back as shell where the word is evaluated ({config} as
 * "${NGINX_CONFIGFILE}", {instance} as "${instance}"): each literal run
 * through shWord, so a $ ` " or ' in it stays literal, each reference as
 * "${name}", quoted, so its value is one word, never split, globbed or
 * evaluated again.
 */
export function shWordWithVariables(parts: readonly ShPart[]): string {
  if (parts.length === 0) return "''";
  return parts
    .map((part) => {
      if ('text' in part) return part.text === '' ? '' : shWord(part.text);
      assertShellName(part.variable, 'a shell variable name');
      return `"\${${part.variable}}"`;
    })
    .join('') || "''";
}

/** Throws unless `name` is a shell (and environment) variable name: the escapers below print names as is. */
function assertShellName(name: string, what: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not ${what}: ${name}`);
}

/** Characters systemd takes literally in a bare command-line word (no %, $, quotes, \\, ;). */
const SYSTEMD_PLAIN = /^[A-Za-z0-9_@+=:,./-]+$/;

/** A specifier of a template unit (systemd.unit(5) "SPECIFIERS"): %i, the instance name as given, or %I, unescaped. */
export interface SystemdSpecifier {
  specifier: 'i' | 'I';
}

/**
 * A value of a systemd unit: text, or (in a template unit, `name@.service`)
 * text and specifiers where a family's {instance} stood. systemd expands
 * specifiers in nearly every setting, so each escaper below doubles every
 * `%` of the text and writes only the specifiers themselves as `%i`/`%I`.
 * An instance is a service name ([a-z][a-z0-9_-]*), so a specifier expands
 * to plain characters in every context.
 */
export type SystemdText = string | ReadonlyArray<string | SystemdSpecifier>;

function textParts(value: SystemdText): ReadonlyArray<string | SystemdSpecifier> {
  return typeof value === 'string' ? [value] : value;
}

/** Each part through `literal`, each specifier as written. */
function withSpecifiers(value: SystemdText, literal: (text: string) => string): string {
  return textParts(value)
    .map((p) => (typeof p === 'string' ? literal(p) : `%${p.specifier}`))
    .join('');
}

/** The value with a plain stand-in for each specifier: what the checks of a context see. */
function checkable(value: SystemdText): string {
  return textParts(value)
    .map((p) => (typeof p === 'string' ? p : 'x'))
    .join('');
}

/** systemd.syntax(7) "QUOTING": the C escape of one character, or the character itself. */
function systemdCEscape(c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '"':
      return '\\"';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    default: {
      const code = c.codePointAt(0)!;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      // Raw, systemd would drop the whole setting as "not UTF-8 clean"; as \x bytes it takes it
      // (its \U escape refuses noncharacters too, its \u only some).
      if (isNoncharacter(code)) return [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16)}`).join('');
      return c;
    }
  }
}

/**
 * Unicode noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF), which
 * systemd's UTF-8 check refuses (unichar_is_valid() in utf8.c): a unit line
 * holding one raw is "not UTF-8 clean" and ignored, and Environment= refuses
 * one even when escaped.
 */
function isNoncharacter(code: number): boolean {
  return (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
}

/** The first noncharacter of `value`, as "U+FFFF", or undefined. */
export function systemdNoncharacter(value: string): string | undefined {
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (isNoncharacter(code)) return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

/**
 * One double-quoted word of a setting systemd splits into words, unquotes,
 * C-unescapes and then expands specifiers in (Environment=, the path field
 * of tmpfiles.d(5)): `%` becomes `%%`; `$` is not special there.
 */
export function systemdQuoted(value: SystemdText): string {
  return systemdQuote(value, false);
}

/** Double quotes with C escapes, `%` doubled, and `$` doubled where the setting expands variables. */
function systemdQuote(value: SystemdText, expanding: boolean): string {
  const quoteText = (text: string) => {
    let out = '';
    for (const c of text) {
      if (c === '%') out += '%%';
      else if (c === '$' && expanding) out += '$$';
      else out += systemdCEscape(c);
    }
    return out;
  };
  return `"${withSpecifiers(value, quoteText)}"`;
}

/**
 * One argument of ExecStart=/ExecStartPre=/ExecReload= (systemd.service(5)
 * "COMMAND LINES", systemd.syntax(7) "QUOTING"): `%` is a specifier so it
 * becomes `%%`; `$` would expand a variable so it becomes `$$`; anything that
 * is not plain goes in double quotes with C escapes. A quoted ";" is a literal
 * argument: only an unquoted lone ";" separates commands.
 */
export function systemdExecArg(value: SystemdText): string {
  return systemdExecWord(value, true);
}

function systemdExecWord(value: SystemdText, expanding: boolean): string {
  return SYSTEMD_PLAIN.test(checkable(value)) ? withSpecifiers(value, (text) => text) : systemdQuote(value, expanding);
}

/**
 * A whole command line for an Exec*= setting. systemd executes the program
 * path as written, "$$" included, while it expands argv[0]: a program path
 * with a "$" gets the ":" prefix instead, which turns variable expansion off
 * for the whole line (systemd.service(5), the prefix table), so no "$" is
 * doubled on that line.
 */
export function systemdExecLine(argv: readonly SystemdText[]): string {
  const [first, ...args] = argv;
  if (first !== undefined && typeof first !== 'string') throw new Error('the program of a command line takes no specifier');
  const program = first;
  if (program === undefined || !program.includes('$')) return argv.map(systemdExecArg).join(' ');
  return [`:${program}`, ...args].map((word) => systemdExecWord(word, false)).join(' ');
}

/**
 * Why an absolute path cannot be the program of an Exec*= line, or
 * undefined: systemd refuses one with a quote or a backslash ("Executable
 * name contains special characters", string_is_safe()), on top of the path
 * rules. (One ending in "/", "Executable path specifies a directory", the
 * spec refuses for every target: see normalize.ts.)
 */
export function systemdExecPathProblem(value: string): string | undefined {
  if (/["'\\]/.test(value)) return 'systemd refuses a program path with a quote or a backslash ("Executable name contains special characters")';
  return systemdPathProblem(value);
}

/**
 * One `NAME=value` word of Environment= (systemd.exec(5)): quoted as a whole,
 * C escapes for `\\` `"` and control characters, `%` doubled (specifiers are
 * expanded here) and `$` kept as is (Environment= does not expand variables).
 */
export function systemdEnvAssignment(name: string, value: SystemdText): string {
  assertShellName(name, 'an environment variable name');
  return systemdQuoted([`${name}=`, ...textParts(value)]);
}

/**
 * A value systemd takes as the rest of the line (Description=, WorkingDirectory=,
 * PIDFile=, ...): only specifiers are expanded there, so `%` becomes `%%`.
 * Leading/trailing white space and a trailing backslash cannot be carried;
 * `systemdLineProblem` names them.
 */
export function systemdLineValue(value: SystemdText): string {
  const why = systemdLineProblem(checkable(value));
  if (why) throw new Error(`${JSON.stringify(value)} cannot be a unit setting: ${why}`);
  return withSpecifiers(value, (text) => text.replaceAll('%', '%%'));
}

/** Why a rest-of-line value cannot be written to a unit file, or undefined. */
export function systemdLineProblem(value: string): string | undefined {
  if (value !== value.trim()) return 'systemd strips leading and trailing white space from a setting';
  if (value.endsWith('\\')) return 'systemd reads a trailing backslash as a line continuation';
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'a unit file setting is one line without control characters';
  const nonchar = systemdNoncharacter(value);
  if (nonchar) return `systemd drops a setting that holds the Unicode noncharacter ${nonchar} ("String is not UTF-8 clean")`;
  return undefined;
}

/**
 * Why an absolute path cannot be a path setting (WorkingDirectory=, PIDFile=,
 * StandardOutput=append:, ...), or undefined: on top of the rest-of-line
 * rules, systemd refuses a path with a ".." component ("path is not
 * normalized"); "//" and "/./" it simplifies to the same path.
 */
export function systemdPathProblem(value: string): string | undefined {
  if (value.split('/').includes('..')) return 'systemd refuses a path with a ".." component ("path is not normalized")';
  return systemdLineProblem(value);
}

/**
 * One path of a space-separated path list (ReadWritePaths=, ...). These lists
 * are unquoted but not C-unescaped: a backslash takes the next character
 * literally. So: double quotes when not plain, `\\` before `\\` and `"`, `%%`
 * for `%`. A control character cannot be carried (paths refuse them earlier).
 */
export function systemdListPath(value: SystemdText): string {
  const text = checkable(value);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new Error(`a path list entry cannot carry control characters: ${JSON.stringify(value)}`);
  if (SYSTEMD_PLAIN.test(text)) return withSpecifiers(value, (t) => t);
  return `"${withSpecifiers(value, (t) => t.replace(/[\\"%]/g, (c) => (c === '%' ? '%%' : `\\${c}`)))}"`;
}

/**
 * A directory below /var/lib, /var/cache, /var/log or /run for
 * StateDirectory=, CacheDirectory=, LogsDirectory=, RuntimeDirectory=: a
 * relative path of plain names (systemd.exec(5) refuses "..", and these lists
 * are C-unescaped, so only plain text is taken literally). Asserted, not
 * quoted: the target falls back to ReadWritePaths= for anything else.
 */
export function systemdDirectoryName(value: SystemdText): string {
  const why = systemdDirectoryProblem(checkable(value));
  if (why) throw new Error(`${JSON.stringify(value)} ${why}`);
  return withSpecifiers(value, (text) => text);
}

/** Why a relative directory cannot be written as is to StateDirectory= and the like, or undefined. */
export function systemdDirectoryProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9_@+=:,.-]+(\/[A-Za-z0-9_@+=:,.-]+)*$/.test(value)) return 'is not a relative path of letters, digits and _ @ + = : , . -';
  if (value.split('/').some((part) => part === '.' || part === '..')) return 'has a "." or ".." component';
  return undefined;
}

/** Text inside a `#` comment: one line, so it cannot end the comment early. */
export function commentText(value: string): string {
  if (value.includes('\n') || value.includes('\r')) throw new Error('a comment cannot carry a line break');
  return value;
}

/**
 * A name or number that validation already restricted to a plain charset
 * (account names, signal names, numbers): printed as is, and asserted, so
 * that a template can never pass a raw user string by mistake.
 */
export function ident(value: string | number): string {
  const text = String(value);
  if (!/^[A-Za-z0-9_.@:%+-]+$/.test(text)) throw new Error(`not a plain identifier: ${JSON.stringify(text)}`);
  return text;
}


/**
 * One word of rc.subr's start command line (rc.subr(8), run_rc_command,
 * which evaluates the line once) that refers to an rc.conf variable,
 * expanded then, so after its `cd ${name}_chdir`: `"${var:-fallback}"`.
 * The rest of the line is shWords: the script never has rc.subr add its
 * second, `sh -c "..."` layer (nice goes in ${name}_prepend, and start_precmd
 * refuses an admin's ${name}_nice when the arguments would need it).
 */
export function rcSubrParam(name: string, fallback: string): string {
  assertShellName(name, 'a shell variable name');
  if (!SH_PLAIN.test(fallback)) throw new Error(`not a plain fallback: ${fallback}`);
  return `"\${${name}:-${fallback}}"`;
}

/**
 * A word of rc.subr's start line: literal text, a reference to an rc.conf
 * variable (see rcSubrParam), or `{ variable }`, the value of a variable
 * whose default is a plain path: rcSubrAssign expands it at the assignment
 * (as the tree's `command_args="${redis_config}"` does); rcSubrLine writes
 * `"${var}"`, for a line the shell runs directly (a function's command).
 * `{ word }` is one word of text and variables (a family's path with
 * "${profile}" in it), whose variables hold plain words (letters, digits, _):
 * rcSubrAssign expands them at the assignment too, so rc.subr's eval reads
 * their values once more.
 */
export type RcSubrPart = string | { param: string; fallback: string } | { variable: string } | { word: readonly ShPart[] };

/**
 * Start-line text from words and rc.conf references, quoted for the one eval
 * by rc.subr. Never for its ${name}_nice layer: rc.subr also runs
 * `eval "export -- $${name}_env"` before every custom command (kill, zap,
 * reload, configtest, foreground), which words quoted for two evaluations
 * would break; nice goes in ${name}_prepend instead, which adds no layer.
 */
export function rcSubrLine(parts: readonly RcSubrPart[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return shWord(part);
      if ('word' in part) return shWordWithVariables(part.word);
      if ('variable' in part) {
        assertShellName(part.variable, 'a shell variable name');
        return `"\${${part.variable}}"`;
      }
      return rcSubrParam(part.param, part.fallback);
    })
    .join(' ');
}

/**
 * The right-hand side of `command_args=<here>`: rcSubrLine's words, quoted
 * for rc.subr's one eval, except that each `{ variable }` is expanded now,
 * at the assignment, as the tree's `command_args="${redis_config}"` does:
 * rc.subr may run the line through `su -m user -c 'sh -c "..."'`, whose
 * inner shell does not have the script's variables.
 */
export function rcSubrAssign(parts: readonly RcSubrPart[]): string {
  let out = '';
  let text = '';
  parts.forEach((part, i) => {
    text += i === 0 ? '' : ' ';
    if (typeof part !== 'string' && 'variable' in part) {
      assertShellName(part.variable, 'a shell variable name');
      out += `${text === '' ? '' : shAssign(text)}"\${${part.variable}}"`;
      text = '';
    } else if (typeof part !== 'string' && 'word' in part) {
      // One word: its literal runs quoted for the eval and joined to the variables' plain values.
      if (part.word.every((p) => 'text' in p && p.text === '')) text += "''";
      for (const p of part.word) {
        if ('text' in p) text += p.text === '' ? '' : shWord(p.text);
        else {
          assertShellName(p.variable, 'a shell variable name');
          out += `${text === '' ? '' : shAssign(text)}"\${${p.variable}}"`;
          text = '';
        }
      }
    } else {
      text += rcSubrLine([part]);
    }
  });
  return text === '' && out !== '' ? out : out + shAssign(text);
}

/**
 * A default for an rc.conf variable, set only when the admin has not set it
 * (Porter's Handbook: `=` not `:=`, so an empty value set on purpose stays).
 * Quote-free values take the handbook's `: "${var="value"}"` form; others a
 * plain assignment behind a test, since quotes nested inside `${var=...}`
 * are read differently by different shells.
 */
export function shDefault(name: string, value: string): string {
  assertShellName(name, 'a shell variable name');
  if (/^[A-Za-z0-9_@%+=:,./ -]*$/.test(value)) return `: "\${${name}="${value}"}"`;
  return `[ -n "\${${name}+set}" ] || ${name}=${shAssign(value)}`;
}

/** Plain identifiers (see ident) separated by single spaces: rcorder lists, USE_RC_SUBR, USERS=. */
export function identList(values: ReadonlyArray<string | number>): string {
  return values.map(ident).join(' ');
}

/**
 * `KEY=value` words of a port Makefile's SUB_LIST (bsd.port.mk), which
 * apply-slist turns into `sed -e 's!%%KEY%%!value!g'`: plain identifiers
 * only (see ident), so neither make nor sed reads anything into them.
 * subListValues (targets/rcd.ts) reads the line back.
 */
export function subListWords(pairs: ReadonlyArray<{ key: string; value: string }>): string {
  return pairs.map(({ key, value }) => `${ident(key)}=${ident(value)}`).join(' ');
}
