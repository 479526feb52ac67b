// The reporter inside a real Vitest run: a test file attaches a ScoringRecord to its test metadata, as the scoring
// suites do, and the reporter's onTestRunEnd turns it (merged with the claims on disk) into pages.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import HtmlReporter from './html-reporter.ts';
import { writeSyntheticCase } from './testing/synthetic-case.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-reporter-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('HtmlReporter in a Vitest run', () => {
  it('collects task.meta.scoring from the run and keeps the claims of metrics not run', async () => {
    const ran = writeSyntheticCase(tmp, { metric: 'ran', seed: 1 });
    writeSyntheticCase(tmp, { metric: 'not-run', seed: 2 });
    // The record travels from the worker to the reporter as JSON, like the suites' records do.
    const record = { ...ran.record, description: 'attached by the test' };
    writeFileSync(path.join(tmp, 'record.json'), JSON.stringify(record));
    writeFileSync(
      path.join(tmp, 'scoring.fixture.test.ts'),
      `import { readFileSync } from 'node:fs';
import { it } from 'vitest';
it('held-out mean Spearman is at or above its recorded floor', (ctx) => {
  (ctx.task.meta as any).scoring = JSON.parse(readFileSync(${JSON.stringify(path.join(tmp, 'record.json'))}, 'utf8'));
});
it('a test without a record', () => {});
`,
    );
    // The claims reader would find the setting's downstream file through the registry: point it at the temp file.
    const reporter = new HtmlReporter({ root: tmp, downstreamPathOf: () => ran.downstreamPath });
    const vitest = await startVitest('test', [], {
      root: tmp,
      config: false,
      include: ['scoring.fixture.test.ts'],
      watch: false,
      reporters: [reporter],
      pool: 'threads',
      maxWorkers: 1,
    });
    await vitest.close();
    expect(vitest.state.getCountOfFailedTests()).toBe(0);
    const index = readFileSync(path.join(tmp, 'reports/index.html'), 'utf8');
    expect(index).toContain('href="test-setting/ran.html"');
    expect(index).toContain('href="test-setting/not-run.html"');
    expect(readFileSync(path.join(tmp, 'reports/test-setting/ran.html'), 'utf8')).toContain('attached by the test');
    expect(readFileSync(path.join(tmp, 'reports/test-setting/ran.html'), 'utf8')).not.toContain('rebuilt from the claim bundle');
    expect(readFileSync(path.join(tmp, 'reports/test-setting/not-run.html'), 'utf8')).toContain('rebuilt from the claim bundle');
  }, 60_000);
});
