import { SERVICE_SCHEMA, type JsonSchema } from '../spec/schema.js';

/**
 * The description being edited: a plain object shaped like a spec file, whose
 * values may still be invalid (a file opened for editing, an answer not yet
 * checked). Fields are addressed by path: `name`, `limits.nofile`.
 */
export type Draft = Record<string, unknown>;

export function getField(draft: Draft, path: string): unknown {
  let value: unknown = draft;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A copy of the draft with `path` set; undefined removes it, and an object left empty goes too. */
export function setField(draft: Draft, path: string, value: unknown): Draft {
  const [key, ...rest] = path.split('.') as [string, ...string[]];
  const copy = { ...draft };
  if (rest.length > 0) {
    const inner = copy[key];
    const child = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Draft) : {};
    value = setField(child, rest.join('.'), value);
    if (Object.keys(value as Draft).length === 0) value = undefined;
  }
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** The schema of one field, such as `limits.nofile`. */
export function schemaAt(path: string): JsonSchema {
  let schema: JsonSchema = SERVICE_SCHEMA;
  for (const key of path.split('.')) {
    const next = schema.properties?.[key];
    if (!next) throw new Error(`no field ${path} in the service schema`);
    schema = next;
  }
  return schema;
}

/** Whether a problem at `problemPath` (`args[2]`, `environment.X`) is about the field `field`. */
export function isWithin(problemPath: string, field: string): boolean {
  return problemPath === field || problemPath.startsWith(`${field}.`) || problemPath.startsWith(`${field}[`);
}

/** The draft with its keys in schema order (nested objects too): how a saved file reads best. */
export function inSchemaOrder(draft: Draft, schema: JsonSchema = SERVICE_SCHEMA): Draft {
  const order = Object.keys(schema.properties ?? {});
  const keys = Object.keys(draft).sort((a, b) => rank(order, a) - rank(order, b));
  return Object.fromEntries(
    keys.map((key) => {
      const value = draft[key];
      const inner = schema.properties?.[key];
      const nested = inner?.properties && typeof value === 'object' && value !== null && !Array.isArray(value);
      return [key, nested ? inSchemaOrder(value as Draft, inner) : value];
    }),
  );
}

function rank(order: string[], key: string): number {
  const i = order.indexOf(key);
  return i < 0 ? order.length : i;
}
