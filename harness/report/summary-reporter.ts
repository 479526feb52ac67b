// Prints the closing line CI reads: "N passed, N failed, N skipped". Vitest's own summary has no such line.
// A failure outside any test counts too, so that the line is green only when Vitest exits 0: a file that fails
// while loading (module errors), a beforeAll/afterAll hook that throws (suite errors; its tests are then
// reported as skipped), and unhandled errors of the run.
import type { Reporter, TestModule } from 'vitest/node';

export function countTests(modules: ReadonlyArray<TestModule>): { passed: number; failed: number; skipped: number } {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const mod of modules) {
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else counts.skipped++;
    }
    counts.failed += mod.errors().length;
    for (const suite of mod.children.allSuites()) counts.failed += suite.errors().length;
    // A file that failed with no error recorded anywhere (defensive: never a green line for a red file).
    const recorded = mod.errors().length + [...mod.children.allSuites()].reduce((a, s) => a + s.errors().length, 0);
    const failedTests = [...mod.children.allTests()].filter((t) => t.result().state === 'failed').length;
    if (mod.state() === 'failed' && recorded === 0 && failedTests === 0) counts.failed++;
  }
  return counts;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const c = countTests(modules);
    const failed = c.failed + unhandledErrors.length;
    process.stdout.write(`\n${c.passed} passed, ${failed} failed, ${c.skipped} skipped\n`);
  }
}
