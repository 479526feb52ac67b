// The `zoo` setting: small real models trained here with different long-context mechanisms (fixtures/zoo/),
// their proxy corpus of held-out GovReport text, and a downstream target from RULER/LongBench-style tasks run on
// the same models (harness/tasks, `npx longproxy downstream --setting zoo`). Read from the files the zoo ships.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ZOO_HAYSTACK_PATH, ZOO_TASK_CONFIG } from '../../tasks/config.ts';
import { defineSetting } from './registry.ts';
import { REPO_ROOT } from '../../util/paths.ts';

export const ZOO_MODELS_FILE = 'fixtures/zoo/models.json';
export const ZOO_DOWNSTREAM_PATH = 'results/downstream/zoo_downstream.json';
const CORPUS_PATTERN = /^zoo_(\d+)docs_4k_tokens\.json$/;

export interface ZooModelEntry {
  id: string;
  /** Repository-relative model folder. */
  dir: string;
  description?: string;
}

/**
 * Model list of fixtures/zoo/models.json: a JSON list (or {"models": [...]}) of {"id", "dir" (or "folder",
 * "path"), "description"}. Absent file: no models (the zoo is not built yet). A malformed file is an error.
 */
export function readZooModels(file = path.join(REPO_ROOT, ZOO_MODELS_FILE)): ZooModelEntry[] {
  if (!existsSync(file)) return [];
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const list = Array.isArray(parsed) ? parsed : (parsed as { models?: unknown })?.models;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a list of models or {"models": [...]}`);
  return list.map((e, i) => {
    const o = e as Record<string, unknown>;
    const dir = o.dir ?? o.folder ?? o.path;
    if (typeof o.id !== 'string' || typeof dir !== 'string') {
      throw new Error(`${file}: model ${i} needs a string "id" and a string "dir"`);
    }
    return { id: o.id, dir, description: typeof o.description === 'string' ? o.description : undefined };
  });
}

/** data/proxy/zoo_<n>docs_4k_tokens.json: the one such file the zoo ships (the largest n if several). */
export function findZooCorpus(root = REPO_ROOT): string {
  const dir = path.join(root, 'data', 'proxy');
  const found = existsSync(dir)
    ? readdirSync(dir)
        .map((f) => CORPUS_PATTERN.exec(f))
        .filter((m): m is RegExpExecArray => m !== null)
        .sort((a, b) => Number(b[1]) - Number(a[1]))
    : [];
  return found.length > 0 ? `data/proxy/${found[0][0]}` : 'data/proxy/zoo_12docs_4k_tokens.json';
}

const entries = readZooModels();

export const zoo = defineSetting({
  id: 'zoo',
  description:
    entries.length > 0
      ? `${entries.length} small models trained here (context length, PI/NTK/YaRN, size, data mix); held-out GovReport proxy (4k tokens); RULER/LongBench-style tasks at 1k-4k`
      : `the zoo (not built yet: ${ZOO_MODELS_FILE} is missing)`,
  models: entries.map((e) => e.id),
  corpusPath: findZooCorpus(),
  downstreamPath: ZOO_DOWNSTREAM_PATH,
  metricKey: 'score',
  modelDirs: Object.fromEntries(entries.map((e) => [e.id, e.dir])),
  engine: 'onnx',
  // 4k-token documents read whole (every zoo model has 4096 positions), windows 256/64 and 1024/256, no BOS.
  statsSpec: {
    contextLength: 4096,
    stride: 2048,
    maxTokens: 4096,
    shortWindows: [
      { size: 256, step: 64 },
      { size: 1024, step: 256 },
    ],
    addBos: false,
  },
  downstreamTasks: { config: ZOO_TASK_CONFIG, haystackPath: ZOO_HAYSTACK_PATH },
});
