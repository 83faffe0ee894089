import { gentoo } from './gentoo.js';
import { openrc } from './openrc.js';
import { rcd } from './rcd.js';
import { systemd } from './systemd.js';
import type { NamedService } from '../generate.js';
import type { Problem } from '../spec/check-schema.js';
import type { Target, TargetId } from './target.js';

/** Every target, in the order files and messages are listed. */
export const TARGETS: readonly Target[] = [openrc, gentoo, rcd, systemd];
export const TARGET_IDS: readonly TargetId[] = TARGETS.map((t) => t.id);
/** What is generated when no target is named: the three init systems (the overlay is for packagers). */
export const DEFAULT_TARGET_IDS: readonly TargetId[] = ['openrc', 'rcd', 'systemd'];

export type { Target, TargetId, TargetOutput } from './target.js';

/**
 * What the requested targets cannot carry, for every service: what
 * generateFiles refuses, and what the wizard checks each answer against.
 */
export function targetProblems(services: readonly NamedService[], ids: readonly TargetId[] = DEFAULT_TARGET_IDS): Problem[] {
  const targets = TARGETS.filter((t) => ids.includes(t.id));
  return services.flatMap(({ service, source }) =>
    targets.flatMap((t) => t.problems(service).map((p) => ({ ...p, source, message: `(${t.id}) ${p.message}` }))),
  );
}
