import type { JsonSchema } from './schema.js';

/** One refusal: where in the description, and why. */
export interface Problem {
  /** The description file it is in, when there is one. */
  source?: string;
  /** Field path as users write it: `args[2]`, `environment.HOME`, `limits.nofile`. */
  path: string;
  message: string;
}

/**
 * Checks a parsed value against the subset of JSON Schema that schema.ts
 * uses. Returns every problem, not just the first, so one run shows them all.
 */
export function checkSchema(value: unknown, schema: JsonSchema, path = ''): Problem[] {
  const problems: Problem[] = [];
  const refuse = (message: string) => {
    const accepts = schema['x-accepts'];
    problems.push({ path: path || '(top level)', message: accepts ? `${message}; expected ${accepts}` : message });
  };

  if (schema.oneOf) {
    const fits = schema.oneOf.some((alternative) => checkSchema(value, alternative, path).length === 0);
    if (!fits) refuse(`${describe(value)} is not accepted`);
    return problems;
  }

  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return refuse(`must be a string, not ${describe(value)}`), problems;
      if (LONE_SURROGATE.test(value)) {
        // JSON's "\ud800" escape, or a JavaScript caller: UTF-8 has no encoding for
        // half a pair, so every file would get U+FFFD instead (a changed value).
        problems.push({ path: path || '(top level)', message: `${quoteForMessage(value)} is not accepted (${loneSurrogate(value)}); expected well-formed Unicode text, with \\ud800-\\udfff escapes only in high-low pairs` });
        return problems;
      }
      if (schema.enum && !schema.enum.includes(value)) {
        const choices = schema.enum.map((c) => JSON.stringify(c)).join(', ');
        refuse(`${JSON.stringify(value)} is not one of ${choices}${didYouMean(value, schema.enum.map(String))}`);
      } else if (schema.pattern && !compiledPattern(schema.pattern).test(value)) {
        refuse(`${quoteForMessage(value)} is not accepted${reasonFor(value)}`);
      }
      return problems;
    case 'boolean':
      if (typeof value !== 'boolean') refuse(`must be true or false, not ${describe(value)}`);
      return problems;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        refuse(`must be a whole number, not ${describe(value)}`);
      } else if (
        (schema.minimum !== undefined && value < schema.minimum) ||
        (schema.maximum !== undefined && value > schema.maximum)
      ) {
        refuse(`${value} is out of range`);
      }
      return problems;
    case 'array':
      if (!Array.isArray(value)) return refuse(`must be a list, not ${describe(value)}`), problems;
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        refuse(`needs at least ${schema.minItems} element${schema.minItems === 1 ? '' : 's'}`);
      }
      if (schema.items) {
        value.forEach((item, i) => problems.push(...checkSchema(item, schema.items!, `${path}[${i}]`)));
      }
      return problems;
    case 'object':
      return checkObject(value, schema, path, refuse, problems);
    default:
      return problems;
  }
}

function checkObject(
  value: unknown,
  schema: JsonSchema,
  path: string,
  refuse: (message: string) => void,
  problems: Problem[],
): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse(`must be an object, not ${describe(value)}`);
    return problems;
  }
  const record = value as Record<string, unknown>;
  const known = Object.keys(schema.properties ?? {});
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(record, key)) problems.push({ path: join(path, key), message: 'is required' });
  }
  for (const [key, item] of Object.entries(record)) {
    const keyPath = join(path, key);
    // Own properties only: "constructor", "toString" or "__proto__" must not find Object.prototype's.
    const property = schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    if (property) {
      problems.push(...checkSchema(item, property, keyPath));
      continue;
    }
    if (schema.additionalProperties === false) {
      const where = path ? `in ${path}` : 'in a service description';
      problems.push({
        path: keyPath,
        message: `unknown field ${where}${didYouMean(key, known)}; known fields: ${known.filter((k) => k !== '$schema').join(', ')}`,
      });
      continue;
    }
    if (schema.propertyNames) {
      const nameProblems = checkSchema(key, schema.propertyNames, keyPath);
      if (nameProblems.length > 0) {
        problems.push(...nameProblems.map((p) => ({ ...p, message: `name ${p.message}` })));
        continue;
      }
    }
    if (typeof schema.additionalProperties === 'object') {
      problems.push(...checkSchema(item, schema.additionalProperties, keyPath));
    }
  }
  return problems;
}

/** Half of a UTF-16 surrogate pair on its own (in a `u` regex, a whole pair is one code point). */
const LONE_SURROGATE = /\p{Surrogate}/u;

function loneSurrogate(value: string): string {
  const unit = value.charCodeAt(value.search(LONE_SURROGATE));
  return `it contains \\u${unit.toString(16)}, half of a UTF-16 surrogate pair, which no UTF-8 file can carry`;
}

function join(path: string, key: string): string {
  const segment = /^[A-Za-z_$][A-Za-z0-9_$]{0,59}$/.test(key) ? key : quoteForMessage(key);
  return path ? `${path}.${segment}` : segment;
}

/** A short, single-line rendering of a user's value for messages. */
export function quoteForMessage(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(shown);
}

function reasonFor(value: string): string {
  if (value.includes('\0')) return ' (it contains a NUL byte)';
  if (/[\n\r]/.test(value)) return ' (it contains a line break)';
  if (/[\u0000-\u001f\u007f]/.test(value)) return ' (it contains a control character)';
  return '';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${quoteForMessage(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value === 'object' ? 'an object' : String(value);
}

/** ` (did you mean "x"?)` when a candidate is close enough, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const close = best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3));
  return close ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

const patterns = new Map<string, RegExp>();

/** The schema's patterns, compiled once (no g or y flag: test() keeps no state between values). */
function compiledPattern(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) patterns.set(source, (pattern = new RegExp(source, 'u')));
  return pattern;
}
