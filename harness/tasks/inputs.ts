// The inputs that decide the downstream file, computed without running a model forward: what the lock compares.
import path from 'node:path';
import type { Engine, ModelRef } from '../engine/types.ts';
import { loadHaystack, tokenizeDocuments } from './haystack.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { itemsSha256 } from './hashing.ts';
import { generateItems } from './items.ts';
import { tokenizerKey, type RunInputs } from './runner.ts';
import type { TaskConfig } from './types.ts';
import { TASKS_VERSION } from './version.ts';

export async function currentInputs(options: {
  config: TaskConfig;
  haystackPath: string;
  models: readonly ModelRef[];
  engine: Engine;
}): Promise<RunInputs> {
  const haystack = loadHaystack(path.resolve(REPO_ROOT, options.haystackPath));
  const models: RunInputs['models'] = [];
  const hashByTokenizer = new Map<string, string>();
  for (const ref of options.models) {
    const dir = path.resolve(REPO_ROOT, ref.dir);
    const model = await options.engine.load({ id: ref.id, dir });
    try {
      // Generating the items costs no forward: tokenizing the haystack and assembling the grid.
      const key = tokenizerKey(model, dir);
      let items = hashByTokenizer.get(key);
      if (!items) {
        items = itemsSha256(generateItems(options.config, model, tokenizeDocuments(haystack.documents, model)));
        hashByTokenizer.set(key, items);
      }
      models.push({ id: ref.id, fingerprint: model.fingerprint, items_sha256: items });
    } finally {
      await model.dispose();
    }
  }
  return {
    config: options.config,
    haystack: { path: options.haystackPath, sha256: haystack.sha256 },
    tasks_version: TASKS_VERSION,
    engine: { id: options.engine.id, version: options.engine.version },
    models,
  };
}
