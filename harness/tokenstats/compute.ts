// Document -> DocStats (tokenize, cut, plan, model.runPlan, assemble), and the checks a spec must pass for a model.
import type { CorpusDocument } from '../contract/types.ts';
import type { LanguageModel } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import { assembleDocStats, cutTokens } from './assemble.ts';
import { planForwards, specProblems } from './plan.ts';
import { shortWindowKey, type ComputeCost, type DocStats, type StatsSpec } from './types.ts';

/** Throws a UserError (naming the flag and the fix) when the spec cannot run on this model. */
export function checkSpec(spec: StatsSpec, model?: Pick<LanguageModel, 'maxPositions' | 'ref' | 'bosTokenId' | 'rope'>): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new UserError(`statistics spec: ${problems.join('; ')}; fix --context/--stride/--short-windows/--max-tokens`);
  if (!model) return;
  // The spec's RoPE policy is part of the cache key: the loaded model must be the one applying it.
  const [want, got] = [spec.rope ?? 'as-config', model.rope ?? 'as-config'];
  if (want !== got) throw new Error(`model ${model.ref.id} was loaded with RoPE policy ${got}, but the statistics spec asks for ${want}: load it with that policy`);
  if (spec.contextLength > model.maxPositions) {
    throw new UserError(`--context ${spec.contextLength}: model ${model.ref.id} (${model.ref.dir}) accepts at most ${model.maxPositions} positions; pass --context ${model.maxPositions} or less`);
  }
  for (const w of spec.shortWindows) {
    const need = w.size + w.step + (spec.addBos ? 1 : 0);
    if (need > model.maxPositions) {
      throw new UserError(`--short-windows ${shortWindowKey(w)}: a window reads up to ${need} tokens but model ${model.ref.id} accepts ${model.maxPositions}; use a smaller size or step`);
    }
  }
  if (spec.addBos && model.bosTokenId === null) throw new UserError(`--bos: model ${model.ref.id} (${model.ref.dir}) has no BOS token in tokenizer_config.json; run without --bos`);
}

export async function computeDocStats(model: LanguageModel, doc: CorpusDocument, spec: StatsSpec): Promise<{ stats: DocStats; cost: ComputeCost }> {
  const t0 = performance.now();
  let tokenized;
  try {
    tokenized = model.tokenize(doc.text);
  } catch (err) {
    throw new Error(`document ${doc.id}: ${(err as Error).message}`);
  }
  const tokens = cutTokens(tokenized, spec.maxTokens);
  const plan = planForwards(tokens.ids.length, spec);
  const out = await model.runPlan(tokens.ids, plan, spec.addBos, doc.text);
  const stats = assembleDocStats(doc.id, tokens, spec, out);
  return {
    stats,
    cost: {
      engine: model.engine,
      device: model.device,
      tokensProcessed: out.tokensProcessed,
      wallSeconds: (performance.now() - t0) / 1000,
      ...(out.tokenizerCheck === undefined ? {} : { tokenizerCheck: out.tokenizerCheck }),
    },
  };
}
