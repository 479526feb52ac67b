import { configDefaults, defineConfig } from 'vitest/config';

// A scoring run into LONGPROXY_RESULTS_DIR (harness/scoring/run-env.ts) builds its reports from its own claims,
// into <dir>/reports, leaving reports/ and results/claims/ of the committed run alone.
const results = process.env.LONGPROXY_RESULTS_DIR;
const html = results
  ? (['./harness/report/html-reporter.ts', { claimsDir: `${results}/claims`, outDir: `${results}/reports` }] as [string, Record<string, unknown>])
  : './harness/report/html-reporter.ts';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'metrics/**/*.test.ts', 'scripts/**/*.test.ts'],
    // The metric template's scoring suite runs only in a copy (the template is not registered and has no floor).
    exclude: [...configDefaults.exclude, 'metrics/_template/*.scoring.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Model-running suites share 2 cores; more workers only thrash.
    maxWorkers: 2,
    reporters: ['default', html, './harness/report/summary-reporter.ts'],
  },
});
