// A setting of one model, the tiny Qwen2 fixture, on the small GovReport corpus at the zoo's spec: what the tests of
// a fill through the cache use (harness/scoring/run-env.test.ts, harness/probes/fill.test.ts).
import type { Setting } from '../../contract/types.ts';

export function tinyFixtureSetting(id: string, description: string): Setting {
  return {
    id,
    description,
    models: ['fixture/tiny-qwen2'],
    modelDirs: { 'fixture/tiny-qwen2': 'fixtures/models/tiny-qwen2' },
    corpusPath: 'fixtures/corpus/govreport_small.json',
    downstreamPath: 'results/downstream/zoo_downstream.json', // only checked for presence
    metricKey: 'score',
    engine: 'onnx',
    statsSpec: { contextLength: 4096, stride: 2048, maxTokens: 4096, shortWindows: [{ size: 256, step: 64 }, { size: 1024, step: 256 }], addBos: false },
  };
}
