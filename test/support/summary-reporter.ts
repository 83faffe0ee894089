import './task-meta.js';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", which
 * CI logs are read for; vitest's own summary is decorated and split. Before
 * it, when the real-program matrix ran (test/real/), one line per cell and
 * "real programs: P/N pass, X expected failures".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const cells: string[] = [];
    let cellsPassing = 0;
    let cellsExpected = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        const { realCell, expectedFailure } = test.meta();
        if (realCell !== undefined) {
          const outcome = state !== 'passed' ? (state === 'failed' ? 'FAIL' : 'skipped') : expectedFailure ? `expected failure (${expectedFailure})` : 'pass';
          cells.push(`${realCell}: ${outcome}`);
          if (outcome === 'pass') cellsPassing += 1;
          if (expectedFailure && state === 'passed') cellsExpected += 1;
        }
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
    }
    // After vitest's own summary, so it is the closing line.
    const matrix = cells.length === 0 ? '' : `\n${cells.join('\n')}\nreal programs: ${cellsPassing}/${cells.length} pass, ${cellsExpected} expected failures\n`;
    process.once('exit', () => process.stdout.write(`${matrix}\n${passed} passed, ${failed} failed, ${skipped} skipped\n`));
  }
}
