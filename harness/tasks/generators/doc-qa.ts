// LongBench-style question over a natural document: the context is contiguous GovReport text, and the question
// asks for a figure (an amount, a count, a percentage; not a year) stated once in a sentence at the cell's
// depth. The question quotes the sentence up to the figure; the answer is the figure as the report writes it.
// Scored by ranking, as LongBench's multiple-choice sets are: the gold figure's log-likelihood against figures of
// the same token length taken from other sentences of the haystack (qaCandidates answers in all); the item scores
// the reciprocal rank, so a model that cannot find the sentence lands near chance instead of at a flat zero.
import { concatParts, takeExactlyTrailing } from '../assemble.ts';
import type { GenContext } from '../context.ts';
import type { SentenceRef } from '../haystack.ts';
import type { Rng } from '../../util/rng.ts';
import type { GeneratedItem } from '../types.ts';

const HEADER = 'Read the following report and answer the question about it.\n\n';
const QUESTION = '\n\nQuestion: According to the report above, what figure completes this sentence?\nAnswer:';
const MAX_TRIES = 200;

export interface FactSentence {
  ref: SentenceRef;
  /** Tokens of the sentence before the figure (the question quotes them). */
  prefixLength: number;
  /** Tokens of the figure. */
  answerLength: number;
}

/** Sentences with a figure after at least `minPrefix` tokens: the figure is the first run of number tokens. */
export function findFactSentences(ctx: GenContext, minPrefix: number): FactSentence[] {
  const out: FactSentence[] = [];
  ctx.docs.forEach((doc, d) => {
    doc.sentences.forEach((ids, s) => {
      let start = -1;
      for (let i = 0; i < ids.length; i++) {
        if (/\d/.test(ctx.piece(ids[i]))) {
          start = i;
          break;
        }
      }
      if (start < minPrefix) return;
      // The figure's first token may carry the leading space (and a $); the rest continue the number.
      if (!/^ ?\$?[\d.,]+$/.test(ctx.piece(ids[start]))) return;
      let end = start + 1;
      while (end < ids.length && /^[\d.,]+$/.test(ctx.piece(ids[end]))) end++;
      while (end > start + 1 && /^[.,]+$/.test(ctx.piece(ids[end - 1]))) end--;
      // "110th", "10-year": a number glued to a word is not a figure of its own.
      if (end < ids.length && /^[A-Za-z-]/.test(ctx.piece(ids[end]))) return;
      const figure = ctx.tokenizer.decode(ids.subarray(start, end)).trim().replace(/^\$/, '');
      if (!/\d/.test(figure) || /^(1[89]|20)\d\d$/.test(figure)) return;
      out.push({ ref: { doc: d, sentence: s }, prefixLength: start, answerLength: end - start });
    });
  });
  return out;
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Distractor figures: other facts' figures, of the gold one's token length where enough exist, all distinct. */
export function distractorFigures(
  ctx: GenContext,
  rng: Rng,
  facts: readonly FactSentence[],
  gold: Int32Array,
  count: number,
): Int32Array[] {
  const figureOf = (f: FactSentence): Int32Array => ctx.sentenceIds(f.ref).subarray(f.prefixLength, f.prefixLength + f.answerLength);
  const out: Int32Array[] = [];
  const pools = [facts.filter((f) => f.answerLength === gold.length), facts];
  for (const pool of pools) {
    for (let tries = 0; out.length < count && pool.length > 0 && tries < 50 * count; tries++) {
      const fig = figureOf(rng.pick(pool));
      if (!sameIds(fig, gold) && !out.some((o) => sameIds(o, fig))) out.push(fig);
    }
  }
  if (out.length < count) throw new Error(`doc_qa: the haystack holds fewer than ${count} distinct other figures`);
  return out;
}

function occurrences(haystack: Int32Array, needle: Int32Array): number {
  let count = 0;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    count++;
  }
  return count;
}

export function docQa(
  ctx: GenContext,
  rng: Rng,
  length: number,
  depth: number,
  facts: readonly FactSentence[],
): GeneratedItem {
  if (facts.length === 0) throw new Error('doc_qa: the haystack has no sentence with a usable figure');
  const header = ctx.tok(HEADER);
  const question = ctx.tok(QUESTION);
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const fact = rng.pick(facts);
    const sentence = ctx.sentenceIds(fact.ref);
    const prefix = sentence.subarray(0, fact.prefixLength);
    const answer = sentence.subarray(fact.prefixLength, fact.prefixLength + fact.answerLength);
    const contextTokens = length - header.length - question.length - prefix.length - answer.length;
    const around = contextTokens - sentence.length;
    if (around < 0) continue;
    const before = Math.round(depth * around);
    // Text before the fact, nearest sentence first, the earliest one cut at its start.
    const reversed = takeExactlyTrailing(
      (() => {
        const src = ctx.sentenceSource(fact.ref, -1);
        src(); // skip the fact sentence itself
        return () => src().slice().reverse();
      })(),
      before,
    );
    const beforeUnits = reversed.map((u) => u.slice().reverse()).reverse();
    const afterSrc = ctx.sentenceSource(fact.ref, 1);
    afterSrc();
    const afterUnits = takeExactlyTrailing(afterSrc, around - before);
    const context = concatParts([...beforeUnits, sentence, ...afterUnits].map((ids) => ({ ids }))).ids;
    // The figure must be stated once, and the quoted words must point at one place only.
    if (occurrences(context, answer) !== 1) continue;
    if (occurrences(context, prefix.subarray(Math.max(0, prefix.length - 6))) !== 1) continue;
    const item = concatParts([
      { ids: header },
      { ids: context },
      { ids: question },
      { ids: prefix },
      { ids: answer, answer: true },
    ]);
    return { ...item, candidates: distractorFigures(ctx, rng, facts, answer, ctx.config.qaCandidates - 1) };
  }
  throw new Error(`doc_qa: no fact sentence fits ${length} tokens after ${MAX_TRIES} tries`);
}

