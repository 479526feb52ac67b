import { configDefaults, defineConfig } from 'vitest/config';
import { runEnv } from './harness/scoring/run-env.ts';

// Where the scoring suites write (harness/scoring/run-env.ts, docs/recording.md): a plain run under the ignored
// runs/latest/, a record run (LONGPROXY_RECORD=1) into results/; both build reports/ (ignored) from this run's
// records over results/claims/. A separate run (LONGPROXY_RESULTS_DIR elsewhere) builds its reports from its own
// claims, into <dir>/reports, leaving reports/ alone.
const env = runEnv();
const html =
  env.kind === 'separate'
    ? (['./harness/report/html-reporter.ts', { claimsDir: `${env.resultsDir}/claims`, outDir: `${env.resultsDir}/reports` }] as [string, Record<string, unknown>])
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
