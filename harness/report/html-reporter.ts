// Vitest reporter: at the end of a run, collects the ScoringRecords the scoring suites attached to their tests
// (task.meta.scoring), merges them over the claim bundles in results/claims/, and writes reports/index.html and
// reports/<setting>/<metric>.html. Options (vitest.config.ts reporters tuple): root, outDir, claimsDir.
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import type { ScoringRecord } from '../scoring/types.ts';
import type { DownstreamPathOf } from './claims.ts';
import { buildReports } from './write.ts';

export interface HtmlReporterOptions {
  /** Repository root that record paths are relative to; default: Vitest's root. */
  root?: string;
  /** Output folder, relative to root; default "reports". */
  outDir?: string;
  /** Claim bundles folder, relative to root; default "results/claims". */
  claimsDir?: string;
  /** Downstream file of a setting, for claims rebuilt from disk; default: the settings registry. */
  downstreamPathOf?: DownstreamPathOf;
}

/** The scoring records attached to the tests of these modules, in module and test order. */
export function scoringRecords(modules: ReadonlyArray<TestModule>): ScoringRecord[] {
  const records: ScoringRecord[] = [];
  for (const mod of modules) {
    for (const test of mod.children.allTests()) {
      const record = (test.meta() as { scoring?: ScoringRecord }).scoring;
      if (record && typeof record === 'object' && typeof record.setting === 'string' && typeof record.metric === 'string') records.push(record);
    }
  }
  return records;
}

export default class HtmlReporter implements Reporter {
  private root: string;

  constructor(private readonly options: HtmlReporterOptions = {}) {
    this.root = options.root ?? process.cwd();
  }

  onInit(vitest: Vitest): void {
    if (!this.options.root) this.root = vitest.config.root;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const runRecords = scoringRecords(modules);
    try {
      const r = buildReports({ ...this.options, root: this.root, runRecords });
      const rel = path.relative(process.cwd(), r.index) || r.index;
      process.stdout.write(
        `\n[report] ${rel}: ${r.entries} metric page(s), ${r.fromRun} from this run` +
          (r.problems.length ? `; ${r.problems.length} claim(s) unreadable:\n  ${r.problems.join('\n  ')}` : '') +
          '\n',
      );
    } catch (err) {
      // A report that cannot be written must not pass unnoticed, but the test results stand on their own.
      process.stderr.write(`\n[report] could not write the HTML reports: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    }
  }
}
