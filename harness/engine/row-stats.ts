// Per-position statistics of many logit rows at once, in onnxruntime (token-stats.onnx, made by
// make_stats_graph.py): float64 log-softmax of the target, entropy, arg-max. About 10x faster than a JavaScript
// loop over the vocabulary, which dominated the engine's time on 150k-entry vocabularies.
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const GRAPH = path.join(import.meta.dirname, 'token-stats.onnx');
/** Logit floats per session run: bounds the float64 intermediates (~3 x 8 bytes each). */
const CHUNK_FLOATS = 4 * 1024 * 1024;

let session: Promise<ort.InferenceSession> | null = null;

export interface RowRequest {
  /** Offset of the row in the logits array. */
  offset: number;
  target: number;
}

export interface RowResults {
  logprob: Float64Array;
  entropy: Float64Array;
  argmax: Int32Array;
}

export async function rowStatsBatch(logits: Float32Array, vocab: number, rows: readonly RowRequest[]): Promise<RowResults> {
  // No spinning: the model's session runs right after, and idle spinning threads would steal its cores.
  session ??= ort.InferenceSession.create(GRAPH, { executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const s = await session;
  const out: RowResults = { logprob: new Float64Array(rows.length), entropy: new Float64Array(rows.length), argmax: new Int32Array(rows.length) };
  const per = Math.max(1, Math.floor(CHUNK_FLOATS / vocab));
  for (let a = 0; a < rows.length; a += per) {
    const chunk = rows.slice(a, a + per);
    const buf = new Float32Array(chunk.length * vocab);
    const target = new BigInt64Array(chunk.length);
    chunk.forEach((r, k) => {
      buf.set(logits.subarray(r.offset, r.offset + vocab), k * vocab);
      target[k] = BigInt(r.target);
    });
    const res = await s.run({
      logits: new ort.Tensor('float32', buf, [chunk.length, vocab]),
      target: new ort.Tensor('int64', target, [chunk.length, 1]),
    });
    out.logprob.set(res.logprob.data as Float64Array, a);
    out.entropy.set(res.entropy.data as Float64Array, a);
    const am = res.argmax.data as BigInt64Array;
    for (let k = 0; k < chunk.length; k++) out.argmax[a + k] = Number(am[k]);
  }
  return out;
}
