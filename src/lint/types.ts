export type Severity = 'error' | 'warning';

/** One problem found in one file. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  severity: Severity;
  message: string;
  /** Where the rule comes from: "checklist item 7", "openrc-run(8)", ... */
  ref: string;
  fix: string;
}

/** What a rule's check reports; the rule fills in the rest. */
export interface Hit {
  line: number;
  message: string;
  /** A fix more precise than the rule's own. */
  fix?: string;
  /** A lower severity than the rule's, for a case lint cannot judge. */
  severity?: Severity;
}

export interface Rule<Context> {
  id: string;
  severity: Severity;
  ref: string;
  /** What the rule checks, in one line (README, --help). */
  summary: string;
  fix: string;
  check(context: Context): Hit[];
}

export type ScriptKind = 'rcd' | 'openrc';
