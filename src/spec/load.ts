import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { jsonFlaw } from './json-scan.js';
import { UserError } from '../errors.js';
import { SpecError, normalize } from './normalize.js';
import { quoteForMessage, type Problem } from './check-schema.js';
import type { Service } from './types.js';

export const MAX_SPEC_BYTES = 1024 * 1024;

/** Reads, parses and validates one description file. Throws SpecError naming the file. */
export async function loadSpecFile(file: string): Promise<Service> {
  return normalize(await readSpecFile(file), basename(file));
}

/** Reads and parses one description file without validating it (the wizard edits it first). */
export async function readSpecFile(file: string): Promise<unknown> {
  const source = basename(file);
  const bytes = await readBounded(file, source);
  return parseSpecText(decodeUtf8(bytes, source), file);
}

let scratch: Buffer | undefined;

/**
 * The file's bytes, refusing it once it has more than MAX_SPEC_BYTES. Read
 * through one handle up to the limit, not sized by stat(): a pipe
 * (`--spec <(...)`) has no size, /dev/zero never ends, and a file can grow
 * between stat() and read().
 */
async function readBounded(file: string, source: string): Promise<Buffer> {
  const refuse = (message: string): never => {
    throw new SpecError([{ path: '(file)', message }], source);
  };
  const cannotRead = (error: unknown): never => {
    throw new UserError(`cannot read ${file}: ${readFailure(error)}`, 2);
  };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return cannotRead(error);
  }
  try {
    // Read into one buffer kept for every file, and copied out as it comes,
    // never more than the limit plus one byte: a description is small, and a
    // fresh 64 KiB buffer per file is memory the garbage collector must
    // account for in a run over a directory of them.
    scratch ??= Buffer.allocUnsafe(64 * 1024);
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= MAX_SPEC_BYTES) {
      let bytesRead: number;
      try {
        bytesRead = readSync(fd, scratch, 0, Math.min(scratch.length, MAX_SPEC_BYTES + 1 - length), null);
      } catch (error) {
        return cannotRead(error);
      }
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(scratch.subarray(0, bytesRead)));
      length += bytesRead;
    }
    if (length > MAX_SPEC_BYTES) {
      let size = 0;
      try {
        size = fstatSync(fd).size;
      } catch {
        // a pipe or a device: say "more than 1 MiB"
      }
      refuse(`is ${size > MAX_SPEC_BYTES ? `${size} bytes` : 'more than 1 MiB'}; a service description may be at most 1 MiB (${MAX_SPEC_BYTES} bytes)`);
    }
    return Buffer.concat(chunks, length);
  } finally {
    closeSync(fd);
  }
}

/** Why a file cannot be read, in words: `no such file`, not ENOENT. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ELOOP: 'too many symbolic links',
  };
  return (code && words[code]) ?? code ?? (error as Error).message;
}

/**
 * The text of a UTF-8 file. An invalid byte is refused where it is:
 * decoding it as U+FFFD would quietly change a value.
 */
function decodeUtf8(bytes: Buffer, source: string): string {
  // isUtf8 (native, strict like invalidUtf8At) first; the scan only finds where a bad byte is.
  const bad = isUtf8(bytes) ? undefined : invalidUtf8At(bytes);
  if (bad === undefined) return bytes.toString('utf8');
  const { line, column } = position(bytes.subarray(0, bad).toString('utf8'), Number.POSITIVE_INFINITY);
  const shown = [...bytes.subarray(bad, bad + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new SpecError(
    [{ path: `line ${line}, column ${column}`, message: `is not UTF-8 (bytes ${shown}); expected a UTF-8 text file (save it as UTF-8, or write the character as a \\u escape)` }],
    source,
  );
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629), or undefined. */
export function invalidUtf8At(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (no overlongs, no surrogates, <= U+10FFFF).
    const [length, low, high] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf]
      : b === 0xed ? [3, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
      : b === 0xf0 ? [4, 0x90, 0xbf]
      : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf]
      : b === 0xf4 ? [4, 0x80, 0x8f]
      : [0, 0, 0];
    if (length === 0) return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return undefined;
}

/** Parses JSON, or YAML for .yaml/.yml files; syntax errors carry line and column. */
export async function parseSpecText(text: string, file: string): Promise<unknown> {
  const source = basename(file);
  const body = text.replace(/^\uFEFF/, '');
  if (/\.ya?ml$/i.test(file)) return parseYaml(body, source);
  const at = (offset: number, message: string): SpecError => {
    const { line, column } = position(body, offset);
    return new SpecError([{ path: `line ${line}, column ${column}`, message: `invalid JSON: ${message}` }], source);
  };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const flaw = jsonFlaw(body);
    if (flaw?.kind === 'syntax') throw at(flaw.offset, flaw.reason);
    // Never expected (the scanner is strict JSON); V8's message then, without its quote of the file.
    const message = (error as Error).message;
    const offset = Number(/position (\d+)/.exec(message)?.[1] ?? body.length);
    throw at(offset, message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '').replace(/^JSON\.parse: /, ''));
  }
  const flaw = jsonFlaw(body);
  if (flaw?.kind === 'duplicate') {
    const first = position(body, flaw.firstOffset);
    throw at(
      flaw.offset,
      `the key ${quoteForMessage(flaw.key)} appears again in the same object (first at line ${first.line}, column ${first.column}); a key may appear once, so remove one of them`,
    );
  }
  return value;
}

const PLAIN_YAML = 'expected a plain service description (not nested thousands of levels deep, no aliases that multiply its size)';

async function parseYaml(text: string, source: string): Promise<unknown> {
  // Bundled by esbuild, yaml (CommonJS) arrives as a default export; under vitest as named ones.
  const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  const { parseDocument, visit, isScalar } = yaml.default ?? yaml;
  const refuse = (problem: Problem): never => {
    throw new SpecError([problem], source);
  };
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    // yaml recurses: nesting thousands of levels deep overflows the stack.
    return refuse({ path: '(file)', message: `invalid YAML: ${(error as Error).message}; ${PLAIN_YAML}` });
  }
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? `line ${position.line}, column ${position.col}` : '(file)';
    let message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (error.code === 'DUPLICATE_KEY') {
      let key = 'a key';
      visit(document, {
        Pair(_, pair) {
          if (!isScalar(pair.key) || pair.key.range?.[0] !== error.pos[0]) return undefined;
          key = `the key ${quoteForMessage(String(pair.key.value))}`;
          return visit.BREAK;
        },
      });
      message = `${key} appears again in the same mapping; a key may appear once, so remove one of them`;
    }
    return refuse({ path: where, message: `invalid YAML: ${message}` });
  }
  try {
    return document.toJS() as unknown;
  } catch (error) {
    // toJS refuses an alias explosion ("billion laughs") and overflows on deep nesting.
    return refuse({ path: '(file)', message: `invalid YAML: ${(error as Error).message}; ${PLAIN_YAML}` });
  }
}

/** 1-based line and column (in characters) of `offset` in `text`. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: [...before[before.length - 1]!].length + 1 };
}
