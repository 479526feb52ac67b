// numpy.percentile(a, q) with the default "linear" method, following numpy 1.24's operation order
// (virtual index (n - 1) * q / 100, then _lerp, which interpolates from the upper neighbour when the weight is
// >= 0.5) so that results are bit-identical to the Python reference.
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile: q must be in [0, 100], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, q);
}

export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtual = (n - 1) * (q / 100);
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (virtual >= n - 1) {
    prev = n - 1;
    next = n - 1;
  }
  // numpy computes the weight against the index after clamping (-1 for the last element); the weight is then
  // irrelevant because both neighbours are the same value, so any finite weight gives that value.
  const gamma = virtual >= n - 1 ? virtual + 1 : virtual - prev;
  const a = sorted[prev];
  const b = sorted[next];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}
