// Per-position statistics from one row of logits: log-softmax of the target, entropy and arg-max, with float64
// accumulation (a 150k-entry float32 sum loses ~1e-4 of relative precision, as much as the parity budget).

export interface RowStats {
  logprob: number;
  entropy: number;
  top1: boolean;
}

/** Statistics of `target` under softmax(logits[offset .. offset + vocab)). */
export function rowStats(logits: Float32Array, offset: number, vocab: number, target: number): RowStats {
  let max = -Infinity;
  let arg = 0;
  for (let j = 0; j < vocab; j++) {
    const x = logits[offset + j];
    if (x > max) {
      max = x;
      arg = j;
    }
  }
  let sum = 0;
  let weighted = 0;
  for (let j = 0; j < vocab; j++) {
    const z = logits[offset + j] - max;
    const e = Math.exp(z);
    sum += e;
    weighted += e * z;
  }
  const logSum = Math.log(sum);
  // H = -sum p (z - logSum) = logSum - sum(e z) / sum
  return { logprob: logits[offset + target] - max - logSum, entropy: logSum - weighted / sum, top1: arg === target };
}

/** Arg-max of one row (first index on ties, as torch.argmax on CPU). */
export function rowArgmax(logits: Float32Array, offset: number, vocab: number): number {
  let max = -Infinity;
  let arg = 0;
  for (let j = 0; j < vocab; j++) {
    if (logits[offset + j] > max) {
      max = logits[offset + j];
      arg = j;
    }
  }
  return arg;
}
