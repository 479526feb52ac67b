// The chart libraries' browser builds, read from node_modules once per process, to be inlined into pages.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PageAssets } from './render-metric.ts';

let cached: PageAssets | undefined;

export function loadAssets(): PageAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // The packages' exports hide dist/, so find it from the main entry, which lives beside the UMD builds.
  const chartDir = path.dirname(require.resolve('chart.js'));
  const labelsDir = path.dirname(require.resolve('chartjs-plugin-datalabels'));
  cached = {
    chartJs: readFileSync(path.join(chartDir, 'chart.umd.min.js'), 'utf8'),
    dataLabelsJs: readFileSync(path.join(labelsDir, 'chartjs-plugin-datalabels.min.js'), 'utf8'),
  };
  return cached;
}
