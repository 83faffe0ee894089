import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { detectKind, formatFinding, lintScript, LINT_RULES, type Finding, type ScriptKind } from '../lint/index.js';
import type { Command, Io } from './io.js';
import { parseCommandArgs } from './args.js';

export const LINT_HELP = `Usage: init-service lint [options] FILE...

Checks FreeBSD rc.d scripts (files/NAME.in or installed) against the Porter's
Handbook pre-commit checklist, and OpenRC scripts against the service-script
guide, generated or hand-written. Reads the files as text; runs nothing.

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
    for (const file of positionals) {
      let text: string;
      try {
        text = await readFile(resolve(io.cwd, file), 'utf8');
      } catch (error) {
        io.stderr(`init-service: ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`);
        unusable = true;
        continue;
      }
      const kind = (values.type as ScriptKind | undefined) ?? detectKind(file, text);
      if (!kind) {
        io.stderr(`init-service: ${file}: neither an rc.d script (no rc.subr, PROVIDE or .in) nor an OpenRC one (no #!/sbin/openrc-run); use --type\n`);
        unusable = true;
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
      io.stderr(`lint: ${files.length} file${files.length === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    }
    if (unusable) return 2;
    return errors > 0 ? 1 : 0;
  },
};
