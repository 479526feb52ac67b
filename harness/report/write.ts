// Collects the report entries (this run's records over the claim bundles on disk) and writes the pages, each
// atomically. Pages of metrics that are in neither source are left as they are: a partial run erases nothing.
import path from 'node:path';
import type { ScoringRecord } from '../scoring/types.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { loadAssets } from './assets.ts';
import { CLAIMS_DIR, entryFromRunRecord, readClaims, type DownstreamPathOf } from './claims.ts';
import type { ReportEntry } from './entry.ts';
import { safeName } from './html.ts';
import { renderIndex } from './render-index.ts';
import { renderMetricPage, type PageAssets } from './render-metric.ts';

export const REPORTS_DIR = 'reports';

export interface CollectOptions {
  root: string;
  claimsDir?: string;
  /** Records of this run (test metadata); they replace the claim of the same (setting, metric). */
  runRecords?: readonly ScoringRecord[];
  /** Downstream file of a setting, for claims rebuilt from disk; default: the settings registry. */
  downstreamPathOf?: DownstreamPathOf;
}

export function collectEntries(opts: CollectOptions): { entries: ReportEntry[]; problems: string[]; fromRun: number } {
  const key = (e: { setting: string; metric: string }) => `${e.setting}\u0000${e.metric}`;
  const { entries: fromClaims, problems } = readClaims(opts.root, opts.claimsDir ?? CLAIMS_DIR, opts.downstreamPathOf);
  const merged = new Map<string, ReportEntry>(fromClaims.map((e) => [key(e), e]));
  const run = (opts.runRecords ?? []).map((r) => entryFromRunRecord(opts.root, r));
  for (const e of run) merged.set(key(e), e);
  const entries = [...merged.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { entries, problems, fromRun: run.length };
}

export function metricPagePath(outDir: string, setting: string, metric: string): string {
  return path.join(outDir, safeName(setting), `${safeName(metric)}.html`);
}

/** Writes every metric page, then the index (so the index never links a page that is not there yet). */
export function writeReports(
  outDir: string,
  entries: readonly ReportEntry[],
  problems: readonly string[] = [],
  assets: PageAssets = loadAssets(),
): string[] {
  const written: string[] = [];
  for (const entry of entries) {
    const file = metricPagePath(outDir, entry.setting, entry.metric);
    writeFileAtomic(file, renderMetricPage(entry, assets));
    written.push(file);
  }
  const index = path.join(outDir, 'index.html');
  writeFileAtomic(index, renderIndex({ entries, problems }));
  written.push(index);
  return written;
}

/** collectEntries + writeReports; the one call the reporter and the CLI make. */
export function buildReports(opts: CollectOptions & { outDir?: string }): { index: string; entries: number; fromRun: number; problems: string[] } {
  const outDir = path.resolve(opts.root, opts.outDir ?? REPORTS_DIR);
  const { entries, problems, fromRun } = collectEntries(opts);
  writeReports(outDir, entries, problems);
  return { index: path.join(outDir, 'index.html'), entries: entries.length, fromRun, problems };
}
