// The official benchmark setting. Its corpus and downstream files are not shipped: a user who has them puts them
// at these paths (relative to the repository root).
import { LOCKED_MODELS } from '../locked-models.ts';
import { defineSetting } from './registry.ts';

export const lockedNo4k = defineSetting({
  id: 'locked-no4k',
  description: '17 locked models; GovReport proxy (50 docs, <= 32k tokens); RULER 32k + LongBench < 32k average',
  models: LOCKED_MODELS,
  corpusPath: 'data/proxy/govreport_50_32k_tokens.json',
  downstreamPath: 'results/downstream/downstream_avg.ruler32_longbench_lt32k.no4k.json',
  metricKey: 'score',
  engine: 'torch',
});
