// RULER-style needle tasks in GovReport prose: one key and one value (niah_single), several keys with one
// queried (niah_multikey), one key with several values that must all be retrieved (niah_multivalue).
// The question ends with the needle's own wording ("The special magic number for K is"), so a model answers by
// finding the needle and copying the value that follows it.
import { concatIds, concatParts, insertAtDepths, takeExactly, type Insert, type Part } from '../assemble.ts';
import type { GenContext } from '../context.ts';
import type { Rng } from '../../util/rng.ts';
import type { GeneratedItem } from '../types.ts';
import { ADJECTIVES, NOUNS } from '../words.ts';

const HEADER =
  'Some special magic numbers are hidden within the following text. Make sure to memorize them. ' +
  'I will quiz you about the numbers afterwards.\n';

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];

export function randomKeys(rng: Rng, n: number): string[] {
  const keys = new Set<string>();
  while (keys.size < n) keys.add(`${rng.pick(ADJECTIVES)}-${rng.pick(NOUNS)}`);
  return [...keys];
}

/** Distinct random numbers of the configured number of digits. */
export function randomNumbers(rng: Rng, n: number, digits: number): string[] {
  const values = new Set<string>();
  while (values.size < n) values.add(rng.digits(digits));
  return [...values];
}

interface Needle {
  /** " The special magic number for K is" (the part the question repeats). */
  prefix: Int32Array;
  /** " 1234567" */
  value: Int32Array;
}

function needle(ctx: GenContext, wording: string, value: string): Needle {
  return { prefix: ctx.tok(` ${wording}`), value: ctx.tok(` ${value}`) };
}

/**
 * Prose context with the needles inserted at their depths, then the question, then answer parts: for each
 * queried needle its prefix (given) and its value (to generate), values separated by a period.
 */
function buildNeedleItem(
  ctx: GenContext,
  rng: Rng,
  length: number,
  needles: { n: Needle; depth: number }[],
  queried: Needle[],
  question: string,
): GeneratedItem {
  const period = ctx.tok('.');
  const header = ctx.tok(HEADER);
  const questionIds = ctx.tok(question);
  const inserts: Insert[] = needles.map(({ n, depth }) => ({ ids: concatIds([n.prefix, n.value, period]), depth }));
  const answerParts: Part[] = [];
  queried.forEach((q, i) => {
    if (i > 0) answerParts.push({ ids: period });
    answerParts.push({ ids: q.prefix }, { ids: q.value, answer: true });
  });
  const fixed =
    header.length +
    inserts.reduce((s, x) => s + x.ids.length, 0) +
    questionIds.length +
    answerParts.reduce((s, p) => s + p.ids.length, 0);
  const haystackTokens = length - fixed;
  if (haystackTokens < 0) throw new Error(`needle item does not fit in ${length} tokens`);
  const units = takeExactly(ctx.sentenceSource(ctx.randomSentence(rng), 1), haystackTokens);
  const context = insertAtDepths(units, inserts);
  return concatParts([{ ids: header }, ...context.map((ids) => ({ ids })), { ids: questionIds }, ...answerParts]);
}

export function niahSingle(ctx: GenContext, rng: Rng, length: number, depth: number): GeneratedItem {
  const [key] = randomKeys(rng, 1);
  const [value] = randomNumbers(rng, 1, ctx.config.numberDigits);
  const n = needle(ctx, `The special magic number for ${key} is`, value);
  const q = `\n\nQuestion: What is the special magic number for ${key} mentioned in the provided text?\nAnswer:`;
  return buildNeedleItem(ctx, rng, length, [{ n, depth }], [n], q);
}

export function niahMultikey(ctx: GenContext, rng: Rng, length: number, depth: number): GeneratedItem {
  const k = ctx.config.multikeyNeedles;
  const keys = randomKeys(rng, k);
  const values = randomNumbers(rng, k, ctx.config.numberDigits);
  const needles = keys.map((key, i) => ({
    n: needle(ctx, `The special magic number for ${key} is`, values[i]),
    // The queried needle (index 0) sits at the cell's depth; distractors anywhere.
    depth: i === 0 ? depth : rng.next(),
  }));
  const q = `\n\nQuestion: What is the special magic number for ${keys[0]} mentioned in the provided text?\nAnswer:`;
  return buildNeedleItem(ctx, rng, length, needles, [needles[0].n], q);
}

export function niahMultivalue(ctx: GenContext, rng: Rng, length: number, depth: number): GeneratedItem {
  const m = ctx.config.multivalueValues;
  if (m > ORDINALS.length) throw new Error(`multivalueValues must be at most ${ORDINALS.length}`);
  const [key] = randomKeys(rng, 1);
  const values = randomNumbers(rng, m, ctx.config.numberDigits);
  const needles = values.map((v, i) => ({
    n: needle(ctx, `The ${ORDINALS[i]} special magic number for ${key} is`, v),
    depth: i === 0 ? depth : rng.next(),
  }));
  const q = `\n\nQuestion: What are all the special magic numbers for ${key} mentioned in the provided text?\nAnswer:`;
  return buildNeedleItem(ctx, rng, length, needles, needles.map((x) => x.n), q);
}
