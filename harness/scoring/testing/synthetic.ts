// A synthetic setting for harness tests: models whose token statistics get better with a hidden quality, and a
// downstream file that follows the same quality with noise. Made from a seed, written to a temporary folder.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../../util/rng.ts';
import type { Setting } from '../../contract/types.ts';
import type { ModelCorpusStats } from '../../tokenstats/types.ts';
import { buildDoc, wrapStats } from './arbitraries.ts';

export interface SyntheticSetting {
  setting: Setting;
  stats: ModelCorpusStats[];
  downstream: { path: string; values: Record<string, number> };
}

export function syntheticSetting(root: string, nModels = 9, seed = 1): SyntheticSetting {
  const rng = new Rng(seed);
  const models = Array.from({ length: nModels }, (_, i) => `synthetic/model-${String(i).padStart(2, '0')}`);
  const quality = models.map(() => rng.next());
  const stats = models.map((m, i) => {
    const docs = [0, 1, 2].map((d) =>
      buildDoc(
        `doc${d}`,
        Array.from({ length: 40 }, (_, t) => {
          const long = -(3 - 2 * quality[i]) * (0.1 + 1.4 * rng.next()) - (t < 16 ? 0.5 : 0);
          const short = long - (quality[i] + 0.3) * rng.next() * 4;
          return { bytes: 1 + rng.int(4), long, shorts: [short, short - 0.1], entropy: 2, top1: rng.next() < quality[i] ? 1 : 0 };
        }),
        1,
      ),
    );
    const s = wrapStats(docs, m);
    s.cost = { engine: 'synthetic', device: 'cpu', tokensProcessed: 120 * 3, wallSeconds: 0.5 };
    return s;
  });
  const values = Object.fromEntries(models.map((m, i) => [m, Number((100 * quality[i] + 5 * rng.next()).toFixed(2))]));
  const downstreamPath = 'results/downstream/synthetic.json';
  mkdirSync(path.join(root, 'results/downstream'), { recursive: true });
  writeFileSync(path.join(root, downstreamPath), JSON.stringify(values, null, 2));
  const setting: Setting = {
    id: 'synthetic',
    description: 'synthetic models for harness tests',
    models,
    corpusPath: 'data/proxy/none.json',
    downstreamPath,
    metricKey: 'score',
    engine: 'onnx',
    statsSpec: { contextLength: 4096, stride: 2048, maxTokens: 4096, shortWindows: [{ size: 256, step: 64 }, { size: 1024, step: 256 }], addBos: false },
  };
  return { setting, stats, downstream: { path: downstreamPath, values } };
}
