import { describe, expect, it } from 'vitest';
import { rowStats } from './logits.ts';
import { rowStatsBatch } from './row-stats.ts';

describe('token statistics of logit rows', () => {
  it('onnxruntime graph (float64) agrees with the JavaScript float64 loop and with hand values', async () => {
    const V = 5000;
    const T = 40;
    const logits = new Float32Array(V * T);
    for (let i = 0; i < logits.length; i++) logits[i] = Math.sin(i * 0.731) * 6 + (i % V === 17 ? 30 : 0);
    const rows = Array.from({ length: T }, (_, t) => ({ offset: t * V, target: t % 2 ? 17 : (t * 7919) % V }));
    const ort = await rowStatsBatch(logits, V, rows);
    rows.forEach((r, k) => {
      const js = rowStats(logits, r.offset, V, r.target);
      expect(Math.abs(ort.logprob[k] - js.logprob)).toBeLessThan(1e-12);
      expect(Math.abs(ort.entropy[k] - js.entropy)).toBeLessThan(1e-12);
      expect(ort.argmax[k] === r.target).toBe(js.top1);
    });
    // uniform row: ln p = -ln V, entropy ln V, arg-max the first index
    const flat = await rowStatsBatch(new Float32Array(8).fill(2.5), 8, [{ offset: 0, target: 3 }]);
    expect(flat.logprob[0]).toBeCloseTo(-Math.log(8), 12);
    expect(flat.entropy[0]).toBeCloseTo(Math.log(8), 12);
    expect(flat.argmax[0]).toBe(0);
  });
});
