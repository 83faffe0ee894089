// What tests tell the summary reporter (summary-reporter.ts) through task.meta.
declare module 'vitest' {
  interface TaskMeta {
    /** "redis × systemd": a cell of the real-program matrix (test/real/). */
    realCell?: string;
    /** Why the cell is listed as an expected failure (test/real/expected.ts). */
    expectedFailure?: string;
  }
}

export {};
