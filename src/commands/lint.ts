import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { detectKind, formatFinding, isConfFile, lintScript, LINT_RULES, type Finding, type ScriptKind } from '../lint/index.js';
import { readFailure } from '../spec/load.js';
import { count, shownPath, type Command, type Io } from './io.js';
import { parseCommandArgs } from './args.js';

export const LINT_HELP = `Usage: init-service lint [options] FILE|DIR...

Checks FreeBSD rc.d scripts (files/NAME.in or installed) against the Porter's
Handbook pre-commit checklist, and OpenRC scripts against the service-script
guide, generated or hand-written. Reads the files as text; runs nothing.
A DIR (what generate --out wrote) is searched for both kinds of script; its
other files (conf.d, units, pkg-plist) and symbolic links are passed over.

  --format text|json   text (default): file:line: rule: message (ref); fix: ...
  --type rcd|openrc    read every FILE with this rule set (default: by content)
  --rules              list the rules and exit

Exit status: 0 no errors (warnings allowed); 1 errors found; 2 usage, or a
FILE that cannot be read or is neither kind of script.`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service lint', args, {
    format: { type: 'string' },
    type: { type: 'string' },
    rules: { type: 'boolean' },
  }, true);
}

export const lintCommand: Command = {
  name: 'lint',
  summary: 'check rc.d scripts (Porter\'s Handbook checklist) and OpenRC scripts (service-script guide)',
  async run(args: readonly string[], io: Io): Promise<number> {
    const { values, positionals } = parse(args);
    if (values.rules) {
      for (const r of LINT_RULES) io.stdout(`${r.id.padEnd(26)} ${r.severity.padEnd(7)} ${r.summary} (${r.ref})\n`);
      return 0;
    }
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UserError(`--format: expected text or json, not "${format}"`, 2);
    if (values.type !== undefined && values.type !== 'rcd' && values.type !== 'openrc') {
      throw new UserError(`--type: expected rcd or openrc, not "${values.type}"`, 2);
    }
    if (positionals.length === 0) throw new UserError('lint needs at least one FILE; run init-service lint --help', 2);

    const findings: Finding[] = [];
    const files: Array<{ file: string; kind: ScriptKind }> = [];
    let unusable = false;
    const refuse = (message: string) => {
      io.stderr(`init-service: ${message}\n`);
      unusable = true;
    };
    for (const { file, inDirectory } of await expand(positionals, io.cwd, refuse)) {
      let text: string;
      try {
        text = await readFile(resolve(io.cwd, file), 'utf8');
      } catch (error) {
        refuse(`cannot read ${file}: ${readFailure(error)}`);
        continue;
      }
      const kind = (values.type as ScriptKind | undefined) ?? detectKind(file, text);
      if (isConfFile(text)) {
        if (!inDirectory) refuse(`${file}: a conf.d file (only NAME=value lines), which configures a script; lint the script itself (init.d/NAME)`);
        continue;
      }
      if (!kind) {
        if (!inDirectory) refuse(`${file}: neither an rc.d script (no rc.subr, PROVIDE or .in) nor an OpenRC one (no #!/sbin/openrc-run); use --type`);
        continue;
      }
      files.push({ file, kind });
      findings.push(...lintScript(file, text, kind));
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    const warnings = findings.length - errors;
    if (format === 'json') {
      io.stdout(`${JSON.stringify({ files, errors, warnings, findings }, null, 2)}\n`);
    } else {
      for (const f of findings) io.stdout(`${formatFinding(f)}\n`);
      io.stderr(`lint: ${count(files.length, 'file')}, ${count(errors, 'error')}, ${count(warnings, 'warning')}\n`);
    }
    if (unusable) return 2;
    return errors > 0 ? 1 : 0;
  },
};

/**
 * The files to lint: each FILE as given, each DIR's regular files (searched
 * to any depth, in name order) named as the user would type them. A DIR with
 * no script in it is refused.
 */
async function expand(paths: readonly string[], cwd: string, refuse: (message: string) => void): Promise<Array<{ file: string; inDirectory: boolean }>> {
  const out: Array<{ file: string; inDirectory: boolean }> = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    let isDir = false;
    try {
      isDir = (await lstat(absolute)).isDirectory();
    } catch {
      // not there: reading it says so
    }
    if (!isDir) {
      out.push({ file: path, inDirectory: false });
      continue;
    }
    const found = await walk(absolute);
    const scripts = [];
    for (const file of found) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (detectKind(file, text) !== undefined && !isConfFile(text)) scripts.push(file);
    }
    if (scripts.length === 0) refuse(`${path}: no rc.d or OpenRC script in this directory`);
    out.push(...scripts.map((file) => ({ file: shownPath(file, cwd), inDirectory: true })));
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
