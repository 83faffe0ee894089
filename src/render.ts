import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';
import * as escape from './escape.js';
import { PRECOMPILED } from './precompiled-templates.js';
import { htmlEscapingProblem, normalizeTemplateText, TEMPLATE_OPTIONS, type TemplateFunction } from './template-options.js';

/** Where the shipped templates live: `templates/` beside `dist/` or `src/`. */
export const BUILTIN_TEMPLATES = fileURLToPath(new URL('../templates', import.meta.url));

type Compiled = (locals: Record<string, unknown>) => string;

/**
 * The escapers as templates see them (`q.shWord(x)`): the same functions as
 * escape.ts, but a missing value throws instead of printing "undefined" or
 * nothing, which is what raw `<%-` would do.
 */
const q = Object.fromEntries(
  Object.entries(escape).map(([name, fn]) => [name, refusingMissing(name, fn as (...a: unknown[]) => string)]),
) as typeof escape;

function refusingMissing(name: string, fn: (...a: unknown[]) => string): (...a: unknown[]) => string {
  const missing = () => new Error(`template passed a missing value to q.${name}()`);
  // The one- and two-argument escapers (nearly every call) without a rest array.
  if (fn.length === 1) {
    return (a) => {
      if (a === undefined || a === null) throw missing();
      return fn(a);
    };
  }
  if (fn.length === 2) {
    return (a, b) => {
      if (a === undefined || a === null || b === undefined || b === null) throw missing();
      return fn(a, b);
    };
  }
  return (...args) => {
    if (args.some((a) => a === undefined || a === null)) throw missing();
    return fn(...args);
  };
}

export interface TemplateSource {
  /** Directories searched in order for `<target>/<file>.ejs`; the built-in one is always last. */
  dirs: readonly string[];
}

type Compile = (text: string, options: Record<string, unknown>) => TemplateFunction;
let compileTemplate: Compile | undefined;

/**
 * Loads ejs, which only compiling a template at run time needs: a
 * --templates override, or every template when running from source. The
 * built-in templates come compiled in the bundle, so `generate` never loads it.
 */
export async function loadTemplateEngine(): Promise<void> {
  compileTemplate ??= (await import('ejs')).default.compile as unknown as Compile;
}

/**
 * Partials whose text depends only on the arguments they are given (not on
 * the caller's svc or m), so that one output serves every call with equal
 * arguments. A --templates override of one of them must keep it so.
 */
const PURE_PARTIALS = new Set(['variable-doc']);

/**
 * One level of the pure-partial memo: the value of one argument (an object
 * by identity). A path also fixes each argument's name: calls of a partial
 * pass them in one order, and one that does not simply goes unmemoized.
 */
class MemoNode {
  text: string | undefined;
  /** The name of the argument whose value picks the next node. */
  private key: string | undefined;
  private readonly next = new Map<unknown, MemoNode>();

  child(key: string, value: unknown): MemoNode | undefined {
    if (this.key === undefined) this.key = key;
    else if (this.key !== key) return undefined;
    let node = this.next.get(value);
    if (!node) this.next.set(value, (node = new MemoNode()));
    return node;
  }
}

/**
 * How many texts the memo keeps before it starts afresh: the documentation
 * that recurs is back after one service, while a label that names the
 * service (rc.d's `<name>_enable`) never recurs and would only pile up.
 */
const MEMO_LIMIT = 2048;

/** Only ejs' own error messages reach this (template file names); never HTML-escape. */
const noEscape = (text: unknown) => String(text);

/**
 * Renders templates by relative path (`openrc/conf.d.ejs`). Built-in ones
 * come compiled from the build; overrides (and, from source, every template)
 * are compiled with the same options when first used.
 */
export class Renderer {
  private readonly compiled = new Map<string, Compiled>();
  /** Outputs of PURE_PARTIALS, by name and then by each argument in turn: the same documentation recurs in every service's files. */
  private readonly partials = new Map<string, MemoNode>();
  private memoized = 0;
  /** Texts of renderOnce, by template and key. */
  private readonly once = new Map<string, Map<string, string>>();
  private readonly dirs: readonly string[];
  private readonly overrideDirs: readonly string[];

  constructor(overrideDirs: readonly string[] = []) {
    if (overrideDirs.length > 0) checkTemplateOverrides(overrideDirs);
    this.overrideDirs = overrideDirs;
    this.dirs = [...overrideDirs, BUILTIN_TEMPLATES];
  }

  /**
   * Renders a built-in template once per `key`: for a family's generic
   * files, which the built-in templates render from family-wide values
   * alone (test/generate.test.ts proves two members get identical bytes).
   * An override may read anything, so it is rendered for every member, and
   * generate still refuses members that would write one file differently.
   */
  renderOnce(template: string, key: string, locals: Record<string, unknown>): string {
    if (this.isOverridden(template)) return this.render(template, locals);
    let byKey = this.once.get(template);
    if (!byKey) this.once.set(template, (byKey = new Map()));
    let text = byKey.get(key);
    if (text === undefined) byKey.set(key, (text = this.render(template, locals)));
    return text;
  }

  /** The rendered text, ending in exactly one newline. */
  render(template: string, locals: Record<string, unknown>): string {
    const text = this.run(template, locals);
    // Most texts end in one newline already: keep them. The check flattens
    // the string in place, so the write does not copy it again; trimEnd plus
    // "\n" would build a new one. (\s is what trimEnd removes.)
    if (text.endsWith('\n') && (text.length < 2 || !/\s/.test(text[text.length - 2]!))) return text;
    // trimEnd, not /\s+$/: that regex backtracks over every blank run of a large file.
    return `${text.trimEnd()}\n`;
  }

  private run(template: string, locals: Record<string, unknown>): string {
    // A partial sees the caller's locals and its own arguments, copied with
    // Object.assign: Object.create(callerLocals) makes V8 re-shape every
    // object that becomes a prototype, and object spread ({...a, ...b}) of
    // these shapes is several times slower than Object.assign on Node 20.
    const context: Record<string, unknown> = Object.assign({}, locals);
    context.q = q;
    context.partial = (name: string, extra: Record<string, unknown> = {}) => {
      const memo = PURE_PARTIALS.has(name) ? this.memoFor(name, extra) : undefined;
      if (memo?.text !== undefined) return memo.text;
      const rendered = this.run(`shared/${name}.ejs`, Object.assign({}, context, extra));
      const text = rendered.endsWith('\n') ? rendered.slice(0, -1) : rendered;
      if (memo) {
        memo.text = text;
        if (++this.memoized > MEMO_LIMIT) {
          this.partials.clear();
          this.memoized = 0;
        }
      }
      return text;
    };
    return this.template(template)(context);
  }

  /** The memo entry of a pure partial's call (one level per argument), or undefined when its arguments come in another order. */
  private memoFor(name: string, args: Record<string, unknown>): MemoNode | undefined {
    let node = this.partials.get(name);
    if (!node) this.partials.set(name, (node = new MemoNode()));
    for (const key in args) {
      node = node.child(key, args[key]);
      if (!node) return undefined;
    }
    return node;
  }

  private template(relative: string): Compiled {
    let fn = this.compiled.get(relative);
    if (!fn) {
      const built = PRECOMPILED?.[relative];
      fn = built && !this.isOverridden(relative) ? (locals) => built(locals, noEscape) : this.compile(relative);
      this.compiled.set(relative, fn);
    }
    return fn;
  }

  private compile(relative: string): Compiled {
    const { text, file } = this.read(relative);
    const problem = htmlEscapingProblem(text, file);
    if (problem) throw new UserError(problem, 2);
    if (!compileTemplate) throw new Error(`${relative} must be compiled at run time: await loadTemplateEngine() first`);
    return compileTemplate(text, { ...TEMPLATE_OPTIONS, destructuredLocals: [...TEMPLATE_OPTIONS.destructuredLocals], filename: file, escape: noEscape });
  }

  private isOverridden(relative: string): boolean {
    return this.overrideDirs.some((dir) => {
      try {
        return statSync(join(dir, relative)).isFile();
      } catch {
        return false;
      }
    });
  }

  private read(relative: string): { text: string; file: string } {
    for (const dir of this.dirs) {
      const file = join(dir, relative);
      try {
        return { text: normalizeTemplateText(readFileSync(file, 'utf8')), file };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new Error(`template not found: ${relative}`);
  }
}

/** Every `.ejs` file under dir, as relative POSIX paths, sorted. */
export function templateNames(dir: string = BUILTIN_TEMPLATES): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ejs') ? [relative(dir, join(d, e.name)).split(sep).join('/')] : [],
    );
  return walk(dir).sort();
}

/**
 * Checks --templates directories before anything is rendered: each must
 * exist, and each `.ejs` file in it must have the relative path of a
 * built-in template, so that a misspelt override fails loudly instead of
 * being ignored. Other files (a README, notes) are ignored.
 */
export function checkTemplateOverrides(dirs: readonly string[]): void {
  const builtin = new Set(templateNames());
  for (const dir of dirs) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UserError(`--templates ${dir}: not a directory`, 2);
    const unknown = templateNames(dir).filter((name) => !builtin.has(name));
    if (unknown.length > 0) {
      throw new UserError(
        `--templates ${dir}: ${unknown.join(', ')} would override no built-in template; the built-in ones are:\n  ${[...builtin].join('\n  ')}`,
        2,
      );
    }
  }
}
