/**
 * `init-service lint`: checks rc.d scripts against the Porter's Handbook
 * checklist and OpenRC scripts against the service-script guide, reading
 * them as text (no shell runs). Replaces devel/rclint, which is dead and
 * still demands $FreeBSD$.
 */
import { OPENRC_RULES, openrcContext } from './openrc.js';
import { RCD_RULES, rcdContext } from './rcd.js';
import type { Finding, Hit, Rule, ScriptKind } from './types.js';

export type { Finding, ScriptKind } from './types.js';

export interface RuleDoc {
  id: string;
  kind: ScriptKind;
  severity: Finding['severity'];
  ref: string;
  summary: string;
  fix: string;
}

/** Every rule, for documentation. */
export const LINT_RULES: readonly RuleDoc[] = [
  ...RCD_RULES.map((r) => doc(r, 'rcd')),
  ...OPENRC_RULES.map((r) => doc(r, 'openrc')),
];

function doc<C>(rule: Rule<C>, kind: ScriptKind): RuleDoc {
  return { id: rule.id, kind, severity: rule.severity, ref: rule.ref, summary: rule.summary, fix: rule.fix };
}

/** Which rule set reads `text`, or undefined when it is neither kind of script. */
export function detectKind(file: string, text: string): ScriptKind | undefined {
  const first = text.split('\n', 1)[0] ?? '';
  if (/^#!\s*\S*(openrc-run|runscript)\b/.test(first)) return 'openrc';
  if (/\.in$/.test(file) || /^\s*\.\s+\/etc\/rc\.subr\b/m.test(text) || /\brun_rc_command\b/.test(text) || /^#\s*PROVIDE:/m.test(text)) return 'rcd';
  return undefined;
}

/**
 * Whether `text` is an OpenRC conf.d file (or an rc.conf.d one): only
 * comments and NAME=value lines, no #! line. It configures a script; it is
 * not one, so no script rule applies to it.
 */
export function isConfFile(text: string): boolean {
  if (text.startsWith('#!')) return false;
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  // Only comments: a conf.d file that sets nothing (an instance of a family that differs in nothing).
  if (lines.length === 0) return /^\s*#/m.test(text);
  return lines.every((l) => /^(export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(l));
}

function apply<C>(rules: ReadonlyArray<Rule<C>>, context: C, file: string): Finding[] {
  return rules.flatMap((rule) =>
    rule.check(context).map((hit: Hit) => ({
      file,
      line: hit.line,
      rule: rule.id,
      severity: hit.severity ?? rule.severity,
      message: hit.message,
      ref: rule.ref,
      fix: hit.fix ?? rule.fix,
    })),
  );
}

/** Lints one script; `kind` forces the rule set. Findings are sorted by line, then rule. */
export function lintScript(file: string, text: string, kind: ScriptKind): Finding[] {
  const findings = kind === 'rcd' ? apply(RCD_RULES, rcdContext(file, text), file) : apply(OPENRC_RULES, openrcContext(file, text), file);
  return findings.sort((a, b) => a.line - b.line || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}

/** `file:line: rule: message (ref); fix: ...`, warnings marked as such. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: ${f.rule}: ${f.severity === 'warning' ? 'warning: ' : ''}${f.message} (${f.ref}); fix: ${f.fix}`;
}
