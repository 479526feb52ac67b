// One generator per task: (context, rng, length, depth) -> the item's ids and answer spans.
import type { GenContext } from '../context.ts';
import type { Rng } from '../../util/rng.ts';
import type { GeneratedItem, TaskId } from '../types.ts';
import { docQa, findFactSentences, type FactSentence } from './doc-qa.ts';
import { kvRetrieval } from './kv.ts';
import { niahMultikey, niahMultivalue, niahSingle } from './needles.ts';
import { variableTracking } from './variable-tracking.ts';

export type Generator = (ctx: GenContext, rng: Rng, length: number, depth: number) => GeneratedItem;

export function generatorsFor(ctx: GenContext): Record<TaskId, Generator> {
  let facts: FactSentence[] | undefined;
  return {
    niah_single: niahSingle,
    niah_multikey: niahMultikey,
    niah_multivalue: niahMultivalue,
    kv_retrieval: kvRetrieval,
    variable_tracking: variableTracking,
    doc_qa: (c, rng, length, depth) => {
      facts ??= findFactSentences(c, c.config.qaMinPrefixTokens);
      return docQa(c, rng, length, depth, facts);
    },
  };
}
