// Token statistics: the contract between engines (which run models) and metrics (pure arithmetic).
// Every array of a document is aligned to the model's own tokens of that document.

/** A short-context window: tokens are scored in chunks of `step`, each seeing between `size` and
 *  `size + step - 1` preceding tokens (LongPPL: size 4096, step 1024). Tokens at positions < size see the
 *  whole prefix, so their short and long log-probabilities coincide. */
export interface ShortWindow {
  size: number;
  step: number;
}

/** What an engine computes, and how. Part of the cache key. */
export interface StatsSpec {
  /** Most tokens the model sees in one forward for the long-context pass (the model's context or less). */
  contextLength: number;
  /** Sliding-window stride for documents longer than contextLength: each forward after the first scores the
   *  last `stride` tokens, which see at least contextLength - stride tokens of context. */
  stride: number;
  /** Documents are cut to at most this many tokens (0 = no cut). */
  maxTokens: number;
  shortWindows: ShortWindow[];
  /** Prepend the tokenizer's BOS token (not counted as a document token). LongPPL runs without it. */
  addBos: boolean;
  /** RoPE policy label (harness/engine/rope-policy.ts) when not "as-config": statistics under different policies
   *  never share a cache entry. Absent = as the config says (and then absent from the hash: old keys stay valid). */
  rope?: string;
  /** Recorded overrides of the model's manifest (harness/contract/model-manifest.ts), e.g. "sliding_window=4096";
   *  absent when none. */
  overrides?: string[];
}

/** Key of a short window in DocStats.logprobShort, e.g. "4096/1024". */
export function shortWindowKey(w: ShortWindow): string {
  return `${w.size}/${w.step}`;
}

/**
 * Statistics of one document under one model. Position 0 has no prediction when addBos is false: its
 * log-probabilities, entropies are NaN and its top-1 flags 0; metrics use `scoredFrom` to skip it.
 */
export interface DocStats {
  docId: string;
  /** Number of tokens n (after maxTokens). */
  n: number;
  /** First position whose statistics are defined (0 with BOS, 1 without). */
  scoredFrom: number;
  tokenIds: Int32Array;
  /** UTF-8 byte span [byteStart, byteEnd) of each token in the document text. Spans tile the covered text. */
  byteStart: Int32Array;
  byteEnd: Int32Array;
  /** ln p(token | long context). */
  logprobLong: Float32Array;
  /** ln p(token | short window), one array per ShortWindow, keyed by shortWindowKey. */
  logprobShort: Record<string, Float32Array>;
  /** Entropy (nats) of the predictive distribution under the long context. */
  entropy: Float32Array;
  /** 1 where the token is the arg-max of the long-context distribution. */
  top1: Uint8Array;
  /** Entropy (nats) of the predictive distribution under each short window, keyed as logprobShort (cache entry
   *  format 2; equal to `entropy` where the window sees the whole prefix). */
  entropyShort: Record<string, Float32Array>;
  /** 1 where the token is the arg-max under that short window, keyed as logprobShort (entry format 2). */
  top1Short: Record<string, Uint8Array>;
  /** The document's text, which byteStart/byteEnd index (as UTF-8 bytes). Proxy data, never downstream data:
   *  attached when statistics are read together with their corpus (the cache readers do); not stored in entries.
   *  Metrics that read it list 'text' in `needs`. Bytes past byteEnd[n - 1] were cut by maxTokens. */
  text?: string;
}

/** How much compute produced the statistics (for claim bundles). */
export interface ComputeCost {
  engine: string;
  device: string;
  /** Tokens passed through the model, all forwards counted (long and short passes). */
  tokensProcessed: number;
  wallSeconds: number;
  /** The engine's run-time tokenizer check (torch: what the ids were compared with, or why it was unavailable). */
  tokenizerCheck?: string;
}

/** Statistics of one model over a whole corpus: the only input a metric gets. */
export interface ModelCorpusStats {
  model: string;
  spec: StatsSpec;
  docs: DocStats[];
  cost: ComputeCost;
  /** Statistics of the probes the metric declares (MetricDefinition.probes), keyed by probe id; absent for a
   *  metric that reads none. */
  probes?: Readonly<Record<string, ProbeCorpusStats>>;
}

/** Role of a marked region of a probe's derived document (harness/probes/): the cue the model is given, the
 *  target it is scored on, or a control target (the same kind of span whose answer is nowhere earlier). */
export type ProbeRole = 'cue' | 'target' | 'control';

/** A byte span [byteStart, byteEnd) of a derived document with its role. Regions of one probe item share
 *  `item`; `depth` is where the item's source passage sits in the document (fraction of the kept prefix's
 *  bytes), and [sourceStart, sourceEnd) its bytes in the derived document (-1 when the item has none). */
export interface ProbeRegion {
  role: ProbeRole;
  byteStart: number;
  byteEnd: number;
  item: number;
  depth: number;
  sourceStart: number;
  sourceEnd: number;
}

/** Statistics of one derived document with its regions. `variant` names the kind of derived document
 *  (e.g. "context": the document with the appended probe; "excerpt-only": the excerpt without the document). */
export interface ProbeDocStats {
  sourceId: string;
  variant: string;
  stats: DocStats;
  regions: ProbeRegion[];
}

/** One probe's statistics for one model: every derived document of the corpus, and what computing them cost
 *  (beyond the proxy corpus's own statistics). */
export interface ProbeCorpusStats {
  probe: string;
  version: number;
  params: Readonly<Record<string, number | string | boolean | readonly number[]>>;
  docs: ProbeDocStats[];
  cost: ComputeCost;
}
