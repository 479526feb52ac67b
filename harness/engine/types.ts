// Engines run models; everything downstream of them is arithmetic over their outputs.
// Both engines (onnx: embedded, CPU; torch: Python worker, GPU) implement LanguageModel.

/** A model on local disk: a folder in Hugging Face layout (config.json, tokenizer.json, weights or onnx/). */
export interface ModelRef {
  /** Model id as the setting names it, e.g. "Qwen/Qwen2.5-7B-Instruct" or "zoo/pi-4k". */
  id: string;
  /** Absolute or repo-relative folder holding the model files. */
  dir: string;
}

/** Tokens of a text with the UTF-8 byte span [byteStart, byteEnd) of each token in that text. */
export interface TokenizedText {
  ids: Int32Array;
  byteStart: Int32Array;
  byteEnd: Int32Array;
}

/** Per-position outputs of one forward, for the scored positions only (index 0 = first scored position). */
export interface ForwardResult {
  /** ln p(ids[i] | ids[0..i)) */
  logprob: Float32Array;
  /** entropy (nats) of p(. | ids[0..i)) */
  entropy: Float32Array;
  /** 1 when ids[i] is the arg-max of p(. | ids[0..i)) */
  top1: Uint8Array;
}

/**
 * One forward of a plan over a document's token ids: the model reads ids[start..end) (preceded by BOS when the
 * spec asks for it) and positions [scoreFrom, end) are scored into `field` ("long" or a short-window key).
 */
export interface PlannedForward {
  start: number;
  end: number;
  scoreFrom: number;
  field: string;
}

export interface PlanOutputs {
  /** Per field, an array over all document positions (NaN where not scored). */
  logprob: Record<string, Float32Array>;
  /** Long-context entropy and top-1 flags over all document positions. */
  entropy: Float32Array;
  top1: Uint8Array;
  /** The same under each short-window field of the plan (every field but "long"; NaN / 0 where not scored). */
  entropyShort: Record<string, Float32Array>;
  top1Short: Record<string, Uint8Array>;
  /** Tokens fed through the model, all forwards counted. */
  tokensProcessed: number;
  /** Engines that check the ids against the model folder's own tokenizer (torch) say what they compared with, or
   *  why the check was unavailable; absent where no check exists (onnx: its tokenizer made the ids). */
  tokenizerCheck?: string;
}

export interface LanguageModel {
  readonly ref: ModelRef;
  /** "onnx" | "torch" */
  readonly engine: string;
  /** "cpu", "cuda:0", ... */
  readonly device: string;
  /** Longest input the model accepts in one forward (from its config, or the engine's setting). */
  readonly maxPositions: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** Label of the RoPE policy applied (harness/engine/rope-policy.ts); absent = as the config says. */
  readonly rope?: string;
  /** sha256 over the model's files (weights, config, tokenizer): part of every cache key. */
  readonly fingerprint: string;
  /** Tokenize without adding special tokens. */
  tokenize(text: string): TokenizedText;
  decode(ids: ArrayLike<number>): string;
  /** One forward over ids (length <= maxPositions); scores positions [scoreFrom, ids.length), scoreFrom >= 1. */
  forward(ids: Int32Array, scoreFrom: number): Promise<ForwardResult>;
  /** Runs a whole plan. Engines that batch (torch) implement it natively; others loop over forward(). */
  runPlan(ids: Int32Array, plan: readonly PlannedForward[], addBos: boolean, text?: string): Promise<PlanOutputs>;
  /** Greedy decoding of up to maxNewTokens tokens after ids (stops at EOS). */
  generateGreedy(ids: Int32Array, maxNewTokens: number): Promise<Int32Array>;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly id: string;
  /** Bumped when the engine's numerics change: part of every cache key. */
  readonly version: string;
  load(ref: ModelRef, options?: { device?: string }): Promise<LanguageModel>;
}
