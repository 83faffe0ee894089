/**
 * A line-oriented reading of a POSIX sh init script, enough for lint rules:
 * logical statements (continuation lines and multi-line quotes joined) with
 * their line numbers, comments, function bodies and if/case/loop nesting.
 * It runs no shell and never fails: text it cannot follow is kept as is.
 */

export interface Statement {
  /** First and last line, 1-based. */
  line: number;
  endLine: number;
  /** The statement as written, without a trailing comment. */
  text: string;
  /** `text` with quoted characters replaced by "_" (quotes kept): for finding words and operators. */
  code: string;
  /** Name of the function whose body holds it, if any. */
  fn?: string;
  /** if/case/for/while/until nesting at its start, counted inside its function or at top level. */
  nesting: number;
  /** Words of `code` in command position (first word, and after ; && || | ( { then do else elif !). */
  commands: string[];
}

export interface Comment {
  line: number;
  /** Text after "#". */
  text: string;
  /** Whether the comment fills its line. */
  whole: boolean;
}

export interface Script {
  lines: string[];
  statements: Statement[];
  comments: Comment[];
  functions: Map<string, { line: number; endLine: number }>;
}

const OPENERS = new Set(['if', 'case', 'for', 'while', 'until']);
const CLOSERS = new Set(['fi', 'esac', 'done']);
const OPERATORS = new Set([';', '&&', '||', '|', '(', ')', '{', '}', '&', ';;']);
/** Reserved words after which the next word is a command again. */
const LEADING = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time']);

/** Splits masked code into words and operators. */
function tokens(code: string): string[] {
  return code.match(/&&|\|\||;;|[;|&()]|(?<=^|\s)[{}](?=[\s;)]|$)|[^\s;|&()]+/g) ?? [];
}

function commandWords(code: string): string[] {
  const out: string[] = [];
  let atCommand = true;
  for (const token of tokens(code)) {
    if (OPERATORS.has(token)) {
      atCommand = token !== ')';
      continue;
    }
    if (atCommand) {
      out.push(token);
      // Reserved words and assignment prefixes (`A=1 cmd`) keep the command position.
      atCommand = LEADING.has(token) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(token);
    }
  }
  return out;
}

/** Reads `text` into statements and comments. */
export function parseShell(text: string): Script {
  const lines = text.split('\n');
  const statements: Statement[] = [];
  const comments: Comment[] = [];
  let raw = '';
  let code = '';
  let start = 1;
  let line = 1;
  // Stack of open quoting contexts: ' " ` or ) for $( ... ) and } for ${ ... }.
  const stack: string[] = [];
  const top = () => stack[stack.length - 1];

  const flush = () => {
    if (raw.trim() !== '') {
      statements.push({ line: start, endLine: line, text: raw.trim(), code: code.trim(), nesting: 0, commands: commandWords(code) });
    }
    raw = '';
    code = '';
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const masked = stack.length > 0;
    if (raw === '' && c !== '\n' && /\s/.test(c) && !masked) continue;
    if (raw === '') start = line;

    if (top() === "'") {
      raw += c;
      if (c === "'") {
        stack.pop();
        code += stack.length === 0 ? c : '_';
      } else code += '_';
      if (c === '\n') line++;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      i++;
      if (next === '\n') {
        raw += ' ';
        code += masked ? '_' : ' ';
        line++;
        continue;
      }
      raw += c + next;
      code += masked ? '__' : '\\_';
      continue;
    }
    if (c === '\n') {
      if (!masked) {
        flush();
        line++;
        continue;
      }
      // A line break inside quotes is part of the value, not a new word or command.
      line++;
      raw += c;
      code += '_';
      continue;
    }
    if (c === '#' && !masked && (raw === '' || /[\s;&|(]$/.test(raw))) {
      let end = text.indexOf('\n', i);
      if (end === -1) end = text.length;
      comments.push({ line, text: text.slice(i + 1, end), whole: raw.trim() === '' });
      i = end - 1;
      continue;
    }
    raw += c;
    if (c === "'" && top() !== '"' && top() !== '`') {
      code += masked ? '_' : c;
      stack.push("'");
    } else if (c === '"' || c === '`') {
      if (top() === c) {
        stack.pop();
        code += stack.length === 0 ? c : '_';
      } else {
        code += masked ? '_' : c;
        stack.push(c);
      }
    } else if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      const open = text[i + 1]!;
      code += masked ? '__' : c + open;
      raw += open;
      stack.push(open === '(' ? ')' : '}');
      i++;
    } else if ((c === ')' || c === '}') && top() === c) {
      stack.pop();
      code += stack.length === 0 ? c : '_';
    } else if (c === '(' && top() === ')') {
      stack.push(')');
      code += '_';
    } else {
      code += masked ? '_' : c;
    }
  }
  flush();

  // Functions (by braces written as words) and if/case/loop nesting.
  const functions = new Map<string, { line: number; endLine: number }>();
  let fn: { name: string; line: number; depth: number; opened: boolean; outerNesting: number } | undefined;
  let depth = 0;
  let nesting = 0;
  for (const s of statements) {
    const words = tokens(s.code);
    const header = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*\)/.exec(s.code);
    if (!fn && header) {
      fn = { name: header[1]!, line: s.line, depth, opened: false, outerNesting: nesting };
      nesting = 0;
    }
    s.fn = fn?.name;
    s.nesting = nesting;
    for (const w of s.commands) {
      if (OPENERS.has(w)) nesting++;
      else if (CLOSERS.has(w)) nesting = Math.max(0, nesting - 1);
    }
    for (const w of words) {
      if (w === '{') depth++;
      else if (w === '}') depth = Math.max(0, depth - 1);
    }
    if (fn) {
      if (words.includes('{')) fn.opened = true;
      if (fn.opened && depth <= fn.depth) {
        functions.set(fn.name, { line: fn.line, endLine: s.endLine });
        nesting = fn.outerNesting;
        fn = undefined;
      }
    }
  }
  if (fn) functions.set(fn.name, { line: fn.line, endLine: lines.length });

  return { lines, statements, comments, functions };
}

/** The value of an assignment's right-hand side with one level of sh quoting removed (no expansion). */
export function unquote(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "'") {
      const end = value.indexOf("'", i + 1);
      out += value.slice(i + 1, end === -1 ? value.length : end);
      i = end === -1 ? value.length : end;
    } else if (c === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && /[\\"$`]/.test(value[i + 1] ?? '')) i++;
        out += value[i];
        i++;
      }
    } else if (c === '\\') {
      out += value[i + 1] ?? '';
      i++;
    } else out += c;
  }
  return out;
}

/** `text` as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
