// The official benchmark setting. Its corpus and downstream files are not shipped: a user who has them puts them
// at these paths (relative to the repository root). Every model is scored at 32768 tokens with LongPPL's
// 4096/1024 short window and a 1024/256 one, without BOS, its config checked against the manifest first.
import { LOCKED_MODELS } from '../locked-models.ts';
import { LOCKED_NO4K_MANIFEST } from './locked-no4k-manifest.ts';
import { defineSetting } from './registry.ts';

export const lockedNo4k = defineSetting({
  id: 'locked-no4k',
  description: '17 locked models; GovReport proxy (50 docs, <= 32k tokens); RULER 32k + LongBench < 32k average',
  models: LOCKED_MODELS,
  corpusPath: 'data/proxy/govreport_50_32k_tokens.json',
  downstreamPath: 'results/downstream/downstream_avg.ruler32_longbench_lt32k.no4k.json',
  metricKey: 'score',
  engine: 'torch',
  statsSpec: {
    contextLength: 32768,
    stride: 16384,
    maxTokens: 32768,
    shortWindows: [
      { size: 1024, step: 256 },
      { size: 4096, step: 1024 },
    ],
    addBos: false,
  },
  manifest: LOCKED_NO4K_MANIFEST,
});
