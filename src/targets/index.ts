import { openrc } from './openrc.js';
import { rcd } from './rcd.js';
import { systemd } from './systemd.js';
import type { Target, TargetId } from './target.js';

/** Every target, in the order files and messages are listed. */
export const TARGETS: readonly Target[] = [openrc, rcd, systemd];
export const TARGET_IDS: readonly TargetId[] = TARGETS.map((t) => t.id);

export type { Target, TargetId, TargetOutput } from './target.js';
