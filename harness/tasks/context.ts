// What every generator needs: the task config, the tokenized haystack and a memoized tokenizer.
import type { TaskConfig, TaskTokenizer } from './types.ts';
import { stepSentence, type SentenceRef, type TokenizedDocument } from './haystack.ts';
import type { Rng } from '../util/rng.ts';

export class GenContext {
  private readonly tokCache = new Map<string, Int32Array>();
  private readonly pieceCache = new Map<number, string>();

  constructor(
    readonly config: TaskConfig,
    readonly tokenizer: TaskTokenizer,
    readonly docs: readonly TokenizedDocument[],
  ) {
    if (!docs.some((d) => d.sentences.length > 0)) throw new Error('GenContext: the haystack has no sentences');
  }

  /** Token ids of a text piece (no special tokens). Callers must not mutate the array. */
  tok(text: string): Int32Array {
    let ids = this.tokCache.get(text);
    if (!ids) {
      ids = this.tokenizer.tokenize(text).ids;
      this.tokCache.set(text, ids);
    }
    return ids;
  }

  /** Text of one token (for finding figures in sentences). */
  piece(id: number): string {
    let s = this.pieceCache.get(id);
    if (s === undefined) {
      s = this.tokenizer.decode([id]);
      this.pieceCache.set(id, s);
    }
    return s;
  }

  randomSentence(rng: Rng): SentenceRef {
    for (;;) {
      const doc = rng.int(this.docs.length);
      const n = this.docs[doc].sentences.length;
      if (n > 0) return { doc, sentence: rng.int(n) };
    }
  }

  sentenceIds(ref: SentenceRef): Int32Array {
    return this.docs[ref.doc].sentences[ref.sentence];
  }

  /** A source of consecutive haystack sentences, starting at `from`, walking in `step` direction. */
  sentenceSource(from: SentenceRef, step: 1 | -1): () => Int32Array {
    let ref = from;
    let first = true;
    return () => {
      if (!first) ref = stepSentence(this.docs, ref, step);
      first = false;
      return this.sentenceIds(ref);
    };
  }
}
