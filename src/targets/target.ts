import type { GeneratedFile } from '../files.js';
import type { Renderer } from '../render.js';
import type { Problem } from '../spec/check-schema.js';
import type { Service } from '../spec/types.js';

export type TargetId = 'openrc' | 'gentoo' | 'rcd' | 'systemd';

export interface TargetOutput {
  files: GeneratedFile[];
  /** Fields this target cannot express exactly, said out loud instead of dropped. */
  warnings: string[];
}

/** One init system: it owns its field mapping, its refusals and its templates. */
export interface Target {
  id: TargetId;
  title: string;
  /** Values this target cannot carry safely; each names the field and what would be accepted. */
  problems(svc: Service): Problem[];
  render(svc: Service, renderer: Renderer): TargetOutput;
  /** Files that describe every service of the output tree at once (FreeBSD's pkg-plist and Makefile lines). */
  renderShared?(services: readonly Service[], renderer: Renderer): GeneratedFile[];
}
