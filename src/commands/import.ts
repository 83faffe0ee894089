import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { ImportError, importUnit, UnitSyntaxError, type ReportLine, type UnitText } from '../import/index.js';
import { parseCommandArgs } from './args.js';
import type { Command, Io } from './io.js';

export const IMPORT_HELP = `Usage: init-service import UNIT [options]

Reads a systemd service unit (and its drop-ins) and writes a service
description from it, then reports every directive line: mapped,
approximated (and how) or not carried (and why). Generate OpenRC and
FreeBSD files from the description with init-service generate --spec.

  --drop-in DIR      a drop-in directory to apply too (repeatable); UNIT.d/
                     beside the unit is always read. Files *.conf, by name.
  --instance NAME    the instance, for a template unit (name@.service)
  --set NAME=VALUE   the value of a variable the unit reads from outside (an
                     EnvironmentFile=, such as $DAEMON_OPTS from /etc/default),
                     for the command lines that use it (repeatable)
  --out FILE         write the description there (refused if it exists,
                     unless --force); default: standard output
  --format json|yaml the description's format (default json)
  --json             print { "description", "report" } as JSON instead
  --force            overwrite --out FILE

The report goes to standard error (with --json, into the JSON).
Exit status: 0 a description was written; 1 the unit cannot be expressed
(the message names the line and directive); 2 usage, or an unreadable unit.`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service import', args, {
    'drop-in': { type: 'string', multiple: true },
    instance: { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    force: { type: 'boolean' },
  }, true);
}

export const importCommand: Command = {
  name: 'import',
  summary: 'read a systemd unit, write a service description and say what was carried',
  async run(args: readonly string[], io: Io): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UserError('import needs one UNIT file; run init-service import --help', 2);
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'yaml') throw new UserError(`--format: expected json or yaml, not "${format}"`, 2);
    const file = resolve(io.cwd, positionals[0]!);
    const unit = readUnit(file, basename(file));
    const dirs = [`${file}.d`, ...(values['drop-in'] ?? []).map((d) => resolve(io.cwd, d))];
    const dropIns = dirs.flatMap((dir) => dropInFiles(dir, basename(file)));
    const given = new Map<string, string>();
    for (const assignment of values.set ?? []) {
      const eq = assignment.indexOf('=');
      if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(assignment.slice(0, eq))) throw new UserError(`--set: expected NAME=VALUE, not "${assignment}"`, 2);
      given.set(assignment.slice(0, eq), assignment.slice(eq + 1));
    }
    let imported;
    try {
      imported = importUnit(file, unit, dropIns, values.instance, given);
    } catch (error) {
      if (error instanceof UnitSyntaxError || error instanceof ImportError) {
        io.stderr(`init-service: cannot import ${basename(file)}: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
    const { spec, report } = imported;
    let text: string;
    if (values.json) text = `${JSON.stringify({ description: spec, report }, null, 2)}\n`;
    else if (format === 'yaml') text = (await import('../lazy/yaml.js')).default.stringify(spec);
    else text = `${JSON.stringify(spec, null, 2)}\n`;
    if (!values.json) io.stderr(reportText(report));
    if (values.out === undefined) {
      io.stdout(text);
      return 0;
    }
    const out = resolve(io.cwd, values.out);
    if (existsSync(out) && !values.force) throw new UserError(`--out: ${values.out} exists; use --force to overwrite it, or another --out`, 1);
    // Whole or not at all: a temporary file beside it, renamed into place.
    const temporary = `${out}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, text, { mode: 0o644 });
      renameSync(temporary, out);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new UserError(`--out: cannot write ${values.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 1);
    }
    io.stdout(`wrote ${values.out}\n`);
    return 0;
  },
};

/** One line a directive: `redis.service:8  Service.ExecStart  mapped  command and args`. */
export function reportText(report: readonly ReportLine[]): string {
  const width = Math.max(0, ...report.map((r) => r.at.length));
  const directive = Math.max(0, ...report.map((r) => r.directive.length));
  const counts = (['mapped', 'approximated', 'not carried'] as const).map((o) => `${report.filter((r) => r.outcome === o).length} ${o}`);
  return `${report.map((r) => `${r.at.padEnd(width)}  ${r.directive.padEnd(directive)}  ${r.outcome.padEnd(12)}  ${r.detail}\n`).join('')}${counts.join(', ')}\n`;
}

function readUnit(path: string, name: string): UnitText {
  try {
    return { name, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message}`, 2);
  }
}

/** A drop-in directory's *.conf files in name order; none when it does not exist. */
function dropInFiles(dir: string, unit: string): UnitText[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => readUnit(join(dir, f), `${basename(dir) === `${unit}.d` ? basename(dir) : dir}/${f}`));
}
