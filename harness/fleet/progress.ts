// One progress line per device: the model it runs, its documents done of those it has, tokens/s, ETA.
export interface DeviceProgressState {
  device: string;
  model: string;
  /** Documents this device finished, and those it holds in all (its queue changes as others steal). */
  done: number;
  total: number;
  tokensProcessed: number;
  busySeconds: number;
  /** Estimated cost left in its queue and the cost it finished, for the ETA. */
  costLeft: number;
  costDone: number;
}

function clock(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export function progressLine(p: DeviceProgressState): string {
  const rate = p.busySeconds > 0 ? p.tokensProcessed / p.busySeconds : 0;
  const eta = p.costDone > 0 ? (p.costLeft * p.busySeconds) / p.costDone : Number.NaN;
  return `fleet [${p.device}] ${p.model || '-'}: ${p.done}/${p.total} documents, ${rate.toFixed(0)} tokens/s, ETA ${p.costLeft === 0 ? '0s' : clock(eta)}`;
}
