// RULER-style key-value retrieval: the whole context is a JSON object of random hex keys and values; the
// question names one key and the answer is its value. The question ends with the key's own line, so the model
// answers by finding that line and copying the value after it.
import { concatIds, concatParts, insertAtDepths, takeExactly } from '../assemble.ts';
import type { GenContext } from '../context.ts';
import type { Rng } from '../../util/rng.ts';
import type { GeneratedItem } from '../types.ts';

const HEX = '0123456789abcdef';
const HEADER = 'Extract the value corresponding to the specified key in the JSON object below.\n\nJSON data:\n{';

interface Pair {
  key: string;
  /** `\n"key": "` */
  keyPart: Int32Array;
  /** `value` */
  value: Int32Array;
}

export function kvRetrieval(ctx: GenContext, rng: Rng, length: number, depth: number): GeneratedItem {
  const chars = ctx.config.kvChars;
  const usedKeys = new Set<string>();
  const newPair = (): Pair => {
    let key: string;
    do key = rng.chars(chars, HEX);
    while (usedKeys.has(key));
    usedKeys.add(key);
    // Keys and values are tokenized on their own: the token ids of a pair are the same wherever it stands.
    return { key, keyPart: ctx.tok(`\n"${key}": "`), value: ctx.tok(rng.chars(chars, HEX)) };
  };
  const close = ctx.tok('",');
  const header = ctx.tok(HEADER);
  const end = ctx.tok('\n}');
  const queried = newPair();
  const question = ctx.tok(`\n\nQuestion: What is the value of the key "${queried.key}" in the JSON object above?\nAnswer:`);
  const queriedLine = concatIds([queried.keyPart, queried.value, close]);
  const fixed =
    header.length + queriedLine.length + end.length + question.length + queried.keyPart.length + queried.value.length;
  const fillTokens = length - fixed;
  if (fillTokens < 0) throw new Error(`kv item does not fit in ${length} tokens`);
  const units = takeExactly(() => {
    const p = newPair();
    return concatIds([p.keyPart, p.value, close]);
  }, fillTokens);
  const context = insertAtDepths(units, [{ ids: queriedLine, depth }]);
  return concatParts([
    { ids: header },
    ...context.map((ids) => ({ ids })),
    { ids: end },
    { ids: question },
    { ids: queried.keyPart },
    { ids: queried.value, answer: true },
  ]);
}
