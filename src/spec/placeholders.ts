import type { DirectoryKind } from './types.js';

/**
 * Placeholders in a description's values: `{instance}` (a family member's
 * name), `{config}` (configFile) and `{state}` `{cache}` `{logs}` `{runtime}`
 * (the first directory of that kind, in the platform's layout). `{{` is a
 * literal `{`; any other `{` is kept as it is.
 */
export type Placeholder = 'instance' | 'config' | DirectoryKind;
export const PLACEHOLDERS: readonly Placeholder[] = ['instance', 'config', 'state', 'cache', 'logs', 'runtime'];

export type Part = { text: string } | { placeholder: Placeholder };

const TOKEN = /\{\{|\{(instance|config|state|cache|logs|runtime)\}/g;

/** A value as literal text and placeholders, in order; adjacent text is joined. */
export function parts(value: string): Part[] {
  const out: Part[] = [];
  let text = '';
  let at = 0;
  for (const match of value.matchAll(TOKEN)) {
    text += value.slice(at, match.index);
    at = match.index + match[0].length;
    if (match[1] === undefined) {
      text += '{';
      continue;
    }
    if (text) out.push({ text });
    text = '';
    out.push({ placeholder: match[1] as Placeholder });
  }
  text += value.slice(at);
  if (text) out.push({ text });
  return out;
}

/** The placeholders a value uses, each once. */
export function placeholdersIn(value: string): Placeholder[] {
  return [...new Set(parts(value).flatMap((p) => ('placeholder' in p ? [p.placeholder] : [])))];
}

/** The value with every placeholder replaced; one without a value throws (the description was checked first). */
export function fill(value: string, values: Readonly<Partial<Record<Placeholder, string>>>): string {
  return parts(value)
    .map((p) => {
      if ('text' in p) return p.text;
      const v = values[p.placeholder];
      if (v === undefined) throw new Error(`no value for {${p.placeholder}}`);
      return v;
    })
    .join('');
}
