import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'metrics/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Model-running suites share 2 cores; more workers only thrash.
    maxWorkers: 2,
    reporters: ['default', './harness/report/html-reporter.ts', './harness/report/summary-reporter.ts'],
  },
});
