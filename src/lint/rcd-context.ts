/**
 * What the FreeBSD rc.d rules read from a script: rcorder(8) comments,
 * name/rcvar, rc.conf defaults in their usual forms, top-level
 * assignments, the header comments, and where rc.subr is sourced and run.
 */
import { SUB_LIST_TOKEN } from '../targets/rcd.js';
import { parseShell, unquote, type Script, type Statement } from './shell.js';

export interface Located<T> {
  line: number;
  value: T;
}

export interface Default {
  line: number;
  variable: string;
  /** `:=` (or `${v:-...}`), which also replaces an empty value. */
  colon: boolean;
  value: string;
}

export interface RcdContext {
  file: string;
  /** The file name without directories and without ".in". */
  base: string;
  /** The rc.conf variable prefix: name= when the script sets it, else the file name. */
  prefix: string;
  /** A port's files/*.in (or a file carrying %%TOKENS%%), rather than an installed script. */
  port: boolean;
  script: Script;
  top: Statement[];
  name?: Located<string>;
  rcvar?: Located<string>;
  provide?: Located<string[]>;
  require: Array<Located<string[]>>;
  keyword: Array<Located<string[]>>;
  rcSubrLine?: number;
  loadLine?: number;
  runLine?: number;
  defaults: Default[];
  /** Top-level plain assignments (not defaults). */
  assignments: Array<Located<string> & { variable: string }>;
  /** Comment text before `. /etc/rc.subr`: where rc.conf variables are documented. */
  header: string;
  /** Every statement's text with ${name} and $name written out. */
  statementsText: string[];
}

export function parseDefault(s: Statement): Default | undefined {
  let m = /^:\s+"?\$\{([A-Za-z_][A-Za-z0-9_]*)(:?)=(.*)\}"?$/s.exec(s.text);
  if (m) return { line: s.line, variable: m[1]!, colon: m[2] === ':', value: unquote(m[3]!) };
  m = /^\[\s+-n\s+"\$\{([A-Za-z_][A-Za-z0-9_]*)\+[A-Za-z_]*\}"\s+\]\s+\|\|\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(s.text);
  if (m && m[1] === m[2]) return { line: s.line, variable: m[1]!, colon: false, value: unquote(m[3]!) };
  m = /^\[\s+-z\s+"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?\s+\]\s+&&\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(s.text);
  if (m && m[1] === m[2]) return { line: s.line, variable: m[1]!, colon: true, value: unquote(m[3]!) };
  m = /^([A-Za-z_][A-Za-z0-9_]*)="?\$\{([A-Za-z_][A-Za-z0-9_]*)(:?)-(.*)\}"?$/s.exec(s.text);
  if (m && m[1] === m[2]) return { line: s.line, variable: m[1]!, colon: m[3] === ':', value: unquote(m[4]!) };
  return undefined;
}

function rcorder(script: Script, keyword: string): Array<Located<string[]>> {
  return script.comments
    .filter((c) => c.whole)
    .flatMap((c) => {
      const m = new RegExp(`^\\s*${keyword}:(.*)$`).exec(c.text);
      return m ? [{ line: c.line, value: m[1]!.trim().split(/\s+/).filter(Boolean) }] : [];
    });
}

/** A name rc.subr can prefix rc.conf variables with (name_enable, name_flags): letters, digits and _. */
export function isRcName(value: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(value);
}

export function rcdContext(file: string, text: string): RcdContext {
  const script = parseShell(text);
  const top = script.statements.filter((s) => s.fn === undefined);
  const base = file.replace(/^.*\//, '').replace(/\.in$/, '').replace(/\.sh$/, '');
  const find = (re: RegExp) => top.find((s) => re.test(s.text));
  const assignment = (variable: string): Located<string> | undefined => {
    const s = find(new RegExp(`^${variable}=`));
    return s && { line: s.line, value: unquote(s.text.slice(variable.length + 1)) };
  };
  const name = assignment('name');
  const defaults: Default[] = [];
  const assignments: RcdContext['assignments'] = [];
  for (const s of top) {
    const d = parseDefault(s);
    if (d) defaults.push(d);
    else {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(s.text);
      if (m && s.commands.length === 1) assignments.push({ line: s.line, variable: m[1]!, value: s.text.slice(m[0].length) });
    }
  }
  const rcSubrLine = find(/^(\.|source)\s+["']?\/etc\/rc\.subr["']?$/)?.line;
  const header = script.comments
    .filter((c) => c.whole && c.line < (rcSubrLine ?? name?.line ?? Infinity))
    .map((c) => c.text)
    .join('\n');
  const n = name?.value;
  const statementsText = script.statements.map((s) =>
    n && isRcName(n) ? s.text.replace(/\$\{name\}|\$name(?![A-Za-z0-9_])/g, n) : s.text,
  );
  return {
    file,
    base,
    prefix: n ?? base,
    port: /\.in$/.test(file) || SUB_LIST_TOKEN.test(text),
    script,
    top,
    name,
    rcvar: assignment('rcvar'),
    provide: rcorder(script, 'PROVIDE')[0],
    require: rcorder(script, 'REQUIRE'),
    keyword: rcorder(script, 'KEYWORD'),
    rcSubrLine,
    loadLine: find(/^load_rc_config(\s|$)/)?.line,
    runLine: find(/^run_rc_command(\s|$)/)?.line,
    defaults,
    assignments,
    header,
    statementsText,
  };
}
