import { readFile, stat } from '../fs-async.js';
import { basename } from 'node:path';
import { SpecError, normalize } from './normalize.js';
import type { Service } from './types.js';

export const MAX_SPEC_BYTES = 1024 * 1024;

/** Reads, parses and validates one description file. Throws SpecError naming the file. */
export async function loadSpecFile(file: string): Promise<Service> {
  return normalize(await readSpecFile(file), basename(file));
}

/** Reads and parses one description file without validating it (the wizard edits it first). */
export async function readSpecFile(file: string): Promise<unknown> {
  const source = basename(file);
  const size = await stat(file).then(
    (s) => s.size,
    (error: NodeJS.ErrnoException) => {
      throw new SpecError([{ path: '(file)', message: `cannot be read: ${error.code ?? error.message}` }], file);
    },
  );
  if (size > MAX_SPEC_BYTES) {
    throw new SpecError([{ path: '(file)', message: `is ${size} bytes; a service description may be at most 1 MiB` }], source);
  }
  const text = await readFile(file, 'utf8');
  return parseSpecText(text, file);
}

/** Parses JSON, or YAML for .yaml/.yml files; syntax errors carry line and column. */
export async function parseSpecText(text: string, file: string): Promise<unknown> {
  const source = basename(file);
  const body = text.replace(/^\uFEFF/, '');
  if (/\.ya?ml$/i.test(file)) return parseYaml(body, source);
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const { line, column } = jsonErrorPosition(body, (error as Error).message);
    const reason = (error as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new SpecError([{ path: `line ${line}, column ${column}`, message: `invalid JSON: ${reason}` }], source);
  }
}

async function parseYaml(text: string, source: string): Promise<unknown> {
  // Bundled by esbuild, yaml (CommonJS) arrives as a default export; under vitest as named ones.
  const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  const { parseDocument } = yaml.default ?? yaml;
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? `line ${position.line}, column ${position.col}` : '(file)';
    throw new SpecError([{ path: where, message: `invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` }], source);
  }
  return document.toJS() as unknown;
}

function jsonErrorPosition(text: string, message: string): { line: number; column: number } {
  const explicit = /line (\d+) column (\d+)/.exec(message);
  if (explicit) return { line: Number(explicit[1]), column: Number(explicit[2]) };
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}
