import { normalize, SpecError } from '../spec/normalize.js';
import type { ServiceSpec } from '../spec/types.js';
import { ImportError, mapUnit, type ReportLine, type UnitName } from './map.js';
import { parseUnitFile, UnitSyntaxError, type Entry } from './unit-file.js';

export { ImportError, type ReportLine } from './map.js';
export { UnitSyntaxError } from './unit-file.js';

export interface UnitText {
  /** As messages name it: `redis-server.service`, `redis-server.service.d/override.conf`. */
  name: string;
  text: string;
}

/**
 * `unit` and its drop-ins (applied in the order given: systemd sorts them by
 * file name) as a v2 description and a report of every directive line;
 * `given` holds values for variables the unit reads from outside (--set).
 * Throws UnitSyntaxError or ImportError, each naming the line.
 */
export function importUnit(
  unitFile: string,
  unit: UnitText,
  dropIns: readonly UnitText[],
  instance?: string,
  given: ReadonlyMap<string, string> = new Map(),
): { spec: ServiceSpec; report: ReportLine[] } {
  const entries: Entry[] = [unit, ...dropIns].flatMap((f) => parseUnitFile(f.text, f.name));
  const imported = mapUnit(entries, unitName(unitFile, instance), given);
  // What the targets will be given must be a description they accept.
  try {
    normalize(imported.spec);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    const first = error.problems[0]!;
    throw new ImportError(unit.name, first.path, `the description would be refused: ${error.message.split('\n').join('; ')}`);
  }
  return imported;
}

/** `redis-server.service`; `openvpn-server@.service` with an instance; `getty@tty1.service`. */
export function unitName(file: string, instance?: string): UnitName {
  const base = file.replace(/^.*\//, '');
  const match = /^([^@]+?)(?:@([^.]*))?\.service$/.exec(base);
  if (!match) throw new UnitSyntaxError(base, 'not a service unit: its name must end in .service');
  const [, prefix, fromName] = match;
  const template = base.includes('@');
  if (template && !fromName && instance === undefined) throw new UnitSyntaxError(base, 'a template unit: name the instance with --instance NAME');
  if (!template && instance !== undefined) throw new UnitSyntaxError(base, 'not a template unit (no "@" in its name): --instance does not apply');
  return { prefix: descriptionName(prefix!), instance: template ? descriptionName(instance ?? fromName!) : undefined };
}

/** A unit name as a description's name: lowercase, other characters "-", a letter first. */
function descriptionName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '');
  return (cleaned || 'service').slice(0, 64);
}

