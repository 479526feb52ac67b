// A setting given as a JSON file (`longproxy stats --setting FILE.json`), for models and corpora of one's own:
//   {"id": "mine", "models": ["org/a", "org/b"], "corpusPath": "corpus.json",
//    "modelDirs": {"org/a": "models/a"}, "engine": "torch", "statsSpec": {...}}
// corpusPath and modelDirs are relative to the file's folder; a modelDirs value may also be a torch worker model
// ("toy:SEED[:MAXPOS]", "random:ARCH"). Models without a folder are looked up as harness/engine/resolve.ts says.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Setting } from '../contract/types.ts';
import { UserError } from '../errors.ts';
import { specProblems } from '../tokenstats/plan.ts';
import type { StatsSpec } from '../tokenstats/types.ts';
import { isSyntheticModel } from './stages.ts';

/** Without "statsSpec" in the file: 4k-token documents, windows 256/64 and 1024/256, no BOS (the zoo's). */
const DEFAULT_SPEC: StatsSpec = { contextLength: 4096, stride: 2048, maxTokens: 4096, shortWindows: [{ size: 256, step: 64 }, { size: 1024, step: 256 }], addBos: false };

export function readSettingFile(file: string): Setting {
  if (!existsSync(file)) throw new UserError(`--setting ${file}: file not found`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`--setting ${file}: not valid JSON (${(err as Error).message})`);
  }
  const base = path.dirname(path.resolve(file));
  const need = (field: string, ok: boolean, what: string): void => {
    if (!ok) throw new UserError(`--setting ${file}: field "${field}" must be ${what}`);
  };
  need('id', typeof raw.id === 'string' && raw.id !== '', 'a non-empty string');
  need('models', Array.isArray(raw.models) && raw.models.length > 0 && raw.models.every((m) => typeof m === 'string'), 'a non-empty list of model ids');
  need('corpusPath', typeof raw.corpusPath === 'string', 'the proxy corpus file (relative to the setting file)');
  need('statsSpec', raw.statsSpec === undefined || (typeof raw.statsSpec === 'object' && specProblems(raw.statsSpec as StatsSpec).length === 0), `a valid statistics spec (${raw.statsSpec ? specProblems(raw.statsSpec as StatsSpec).join('; ') : ''})`);
  need('engine', raw.engine === undefined || raw.engine === 'torch' || raw.engine === 'onnx', '"torch" or "onnx"');
  const dirs = (raw.modelDirs ?? {}) as Record<string, unknown>;
  need('modelDirs', typeof dirs === 'object' && Object.values(dirs).every((d) => typeof d === 'string'), 'an object of model id -> folder');
  const models = raw.models as string[];
  const strays = Object.keys(dirs).filter((k) => !models.includes(k));
  if (strays.length) throw new UserError(`--setting ${file}: field "modelDirs" names ${strays.join(', ')}, not in "models"`);
  return {
    id: raw.id as string,
    description: typeof raw.description === 'string' ? raw.description : `setting file ${file}`,
    models,
    corpusPath: path.resolve(base, raw.corpusPath as string),
    downstreamPath: typeof raw.downstreamPath === 'string' ? path.resolve(base, raw.downstreamPath) : '',
    metricKey: typeof raw.metricKey === 'string' ? raw.metricKey : 'score',
    modelDirs: Object.fromEntries(Object.entries(dirs as Record<string, string>).map(([k, d]) => [k, isSyntheticModel(d) ? d : path.resolve(base, d)])),
    engine: (raw.engine as 'torch' | 'onnx' | undefined) ?? 'torch',
    statsSpec: (raw.statsSpec as StatsSpec | undefined) ?? DEFAULT_SPEC,
  };
}
