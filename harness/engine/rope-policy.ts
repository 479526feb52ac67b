// How an engine applies a checkpoint's rotary position embeddings (RoPE) for long contexts, as the checkpoint's
// authors evaluated it. The torch worker computes each policy (harness/engine/torch_worker/rope.py); the label is part of
// the statistics spec, hence of the cache key, so statistics under different policies never mix.
export type RopePolicy =
  /** The config as written. */
  | { kind: 'as-config' }
  /** The config's linear scaling (PI, LongLoRA), its factor checked against the manifest. */
  | { kind: 'linear'; factor: number }
  /** Dynamic NTK with the base frozen at the training length L (LCEG's evaluation code):
   *  base' = base * (f*L/M - (f-1))^(d/(d-2)), M the original context, d the head dimension. */
  | { kind: 'ntk-frozen'; factor: number; trainingLength: number; originalMax: number }
  /** transformers' dynamic NTK: the base recomputed from each forward's own length (no prefix sharing). */
  | { kind: 'transformers-dynamic'; factor: number; trainingLength: number; originalMax: number };

export type RopePolicyKind = RopePolicy['kind'];
export const ROPE_POLICY_KINDS: readonly RopePolicyKind[] = ['as-config', 'linear', 'ntk-frozen', 'transformers-dynamic'];

/** A short, stable label: "as-config", "linear x8", "ntk-frozen f=4 L=32768 M=4096", ... */
export function ropeLabel(p: RopePolicy | undefined): string {
  if (!p || p.kind === 'as-config') return 'as-config';
  if (p.kind === 'linear') return `linear x${p.factor}`;
  return `${p.kind} f=${p.factor} L=${p.trainingLength} M=${p.originalMax}`;
}

/** Whether a forward's RoPE depends on its length (then windows never share a prefix forward). */
export function ropeIsLengthDependent(p: RopePolicy | undefined): boolean {
  return p?.kind === 'transformers-dynamic';
}
