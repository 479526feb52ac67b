// The inputs that decide the downstream file, computed without running any task: what the lock compares.
import path from 'node:path';
import type { Engine, ModelRef } from '../engine/types.ts';
import { loadHaystack } from './haystack.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { tasksCodeSha256 } from './hashing.ts';
import type { RunInputs } from './runner.ts';
import type { TaskConfig } from './types.ts';

export async function currentInputs(options: {
  config: TaskConfig;
  haystackPath: string;
  models: readonly ModelRef[];
  engine: Engine;
}): Promise<RunInputs> {
  const haystack = loadHaystack(path.resolve(REPO_ROOT, options.haystackPath));
  const models: RunInputs['models'] = [];
  for (const ref of options.models) {
    const model = await options.engine.load({ id: ref.id, dir: path.resolve(REPO_ROOT, ref.dir) });
    models.push({ id: ref.id, fingerprint: model.fingerprint });
    await model.dispose();
  }
  return {
    config: options.config,
    haystack: { path: options.haystackPath, sha256: haystack.sha256 },
    code_sha256: tasksCodeSha256(),
    engine: { id: options.engine.id, version: options.engine.version },
    models,
  };
}
