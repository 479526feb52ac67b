// Downstream tasks for the zoo: items are token-id sequences (prompt + gold answer) with the answer positions
// marked, so that one teacher-forced forward tells whether greedy decoding would produce the answer exactly.

export const TASK_IDS = [
  'niah_single',
  'niah_multikey',
  'niah_multivalue',
  'kv_retrieval',
  'variable_tracking',
  'doc_qa',
] as const;
export type TaskId = (typeof TASK_IDS)[number];

/** The part of a LanguageModel that item generation needs (items depend on the tokenizer only). */
export interface TaskTokenizer {
  tokenize(text: string): { ids: Int32Array };
  decode(ids: ArrayLike<number>): string;
}

/** Half-open range [start, end) of positions in TaskItem.ids that the model must generate itself. */
export interface AnswerSpan {
  start: number;
  end: number;
}

export interface TaskItem {
  /** Stable id, e.g. "kv_retrieval/L1024/d0.30/i0". */
  id: string;
  task: TaskId;
  /** Target length in tokens: ids.length === length (prompt, question and answer together). */
  length: number;
  /** Relative position (0..1) of the queried fact in the context. */
  depth: number;
  index: number;
  /** The whole teacher-forced sequence, without BOS. */
  ids: Int32Array;
  /**
   * Answer spans, ascending and disjoint. Between two spans lies gold text (a template the model is given,
   * e.g. the next question of a multi-part answer). A span counts as correct if greedy decoding from everything
   * before it generates it exactly; the item's score is the share of correct spans (at most 9 spans).
   */
  spans: AnswerSpan[];
  /**
   * Ranked items (doc_qa): other answers that could fill the last span (figures from elsewhere in the haystack).
   * The item then scores 1 / rank of the gold answer's log-likelihood among gold + candidates (reciprocal rank).
   */
  candidates?: Int32Array[];
}

/** What a generator (generators/) returns: a TaskItem without its grid coordinates. */
export interface GeneratedItem {
  ids: Int32Array;
  spans: AnswerSpan[];
  candidates?: Int32Array[];
}

/** Difficulty and size of the task set: chosen once for a whole setting, recorded in the lock. */
export interface TaskConfig {
  seed: number;
  tasks: TaskId[];
  lengths: number[];
  depths: number[];
  itemsPerCell: number;
  /** Digits of the magic numbers of the needle tasks and of variable tracking's value. */
  numberDigits: number;
  /** Needles (distinct keys) in niah_multikey, the queried one included. */
  multikeyNeedles: number;
  /** Values of the one key in niah_multivalue; all must be retrieved. */
  multivalueValues: number;
  /** Hex characters of keys and values in kv_retrieval. */
  kvChars: number;
  /** Variables in the queried chain of variable_tracking (value assignment included). */
  vtChainLength: number;
  /** Further chains (other variables, other value) mixed in as distractors. */
  vtDistractorChains: number;
  /** Fewest context tokens before the figure that a doc_qa question quotes. */
  qaMinPrefixTokens: number;
  /** Answers doc_qa ranks by log-likelihood, the gold figure included (at most 9). */
  qaCandidates: number;
}

/** Result of one item under one model. */
export interface ItemResult {
  /** Every span exact. */
  correct: boolean;
  /** Spans generated exactly. */
  spansCorrect: number;
  spansTotal: number;
  /**
   * The item's score: spansCorrect / spansTotal, or for a ranked item 1 / rank (the gold answer's place among the
   * candidates by summed log-probability, 1 = best; a candidate scoring exactly as the gold one ranks above it).
   */
  score: number;
  /** Ranked items only: the gold answer's rank, 1..candidates + 1. */
  rank?: number;
  /** Answer tokens that are the arg-max given the gold prefix. */
  tokensCorrect: number;
  tokensTotal: number;
}
