// The one line a scoring run prints per (setting, metric), from the suites and from `longproxy score`.
import { hyperKey } from './metric.ts';
import type { ScoringRecord } from './types.ts';

export function heldOutLine(r: ScoringRecord): string {
  const h = r.heldOut;
  return (
    `[held-out] ${r.setting}/${r.metric}: mean Spearman ${h.mean.toFixed(3)} ± ${h.sd.toFixed(3)} ` +
    `(${h.nSplits} splits, ${Math.round(h.trainFraction * 100)}% train); floor ${r.floor ?? 'none'}; ` +
    `full-set Spearman ${r.verify.spearman.rho === null ? 'undefined' : r.verify.spearman.rho.toFixed(3)}; hp ${hyperKey(r.hyperparameters) || '(none)'}`
  );
}
