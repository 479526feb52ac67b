// Prints the closing line CI reads: "N passed, N failed, N skipped". Vitest's own summary has no such line.
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
    // A file that failed to load has no tests but must count as a failure.
    if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) counts.failed++;
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
