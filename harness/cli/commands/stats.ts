// longproxy stats: fill the token-statistics cache for one model over one corpus.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../../contract/corpus.ts';
import { engineById } from '../../engine/index.ts';
import type { LanguageModel } from '../../engine/types.ts';
import { resolveModelDir } from '../../engine/resolve.ts';
import { UserError } from '../../errors.ts';
import { UsageError } from '../exit-codes.ts';
import { parseFlags } from '../flags.ts';
import { OVERRIDE_OPTION, overrideItems } from '../override-flag.ts';
import { DEFAULT_CACHE_DIR, getCorpusStats } from '../../tokenstats/cache.ts';
import { defaultStatsCacheDir } from '../user-cache.ts';
import { checkSpec } from '../../tokenstats/compute.ts';
import { pruneCache } from '../../tokenstats/prune.ts';
import type { ShortWindow, StatsSpec } from '../../tokenstats/types.ts';
import { declaredProbes } from '../../probes/load.ts';
import { probesFromFlag } from '../probes-flag.ts';
import { METRICS } from '../../../metrics/registry.ts';

export const description = 'compute per-token statistics of a model over a corpus into a cache (default: the user cache)';

const USAGE = `usage: longproxy stats --setting ID|FILE.json [--devices LIST] [--shard K/N] [options]
       longproxy stats --model DIR|ID --corpus FILE [options]
       longproxy stats --prune [--cache DIR]

Every model of a setting, every document of its corpus, at the setting's statistics spec, into the cache:
  --setting ID|FILE     a registered setting (zoo, locked-no4k) or a setting JSON file (harness/fleet/setting-file.ts)
  --devices LIST        one worker per entry, reused from model to model: cuda:0,cuda:1,... (default
                        $LONGPROXY_DEVICES, else $LONGPROXY_TORCH_DEVICE, else cuda:0 when torch sees a GPU, else cpu)
  --shard K/N           only shard K of N (from 0) of the jobs: N processes on N hosts fill one shared --cache
                        (docs/cluster.md); an unsharded run afterwards folds their manifests into manifest.json
  --models ID,ID        only these models of the setting
  --engine onnx|torch   default $LONGPROXY_ENGINE, else the setting's engine
  --dtype DTYPE         torch engine: float32 | bfloat16 | float16 (default $LONGPROXY_TORCH_DTYPE, else bfloat16
                        on a GPU, float32 on the CPU); the cache key does not hold it: one cache folder per dtype
  --probes LIST|none    probes whose derived corpora are filled too (default: those the metrics of
                        metrics/registry.ts declare; docs/probes.md)
  --cache DIR           as below
  --override MODEL:FIELD  accept a config field that contradicts the setting's model manifest; also
                        MODEL:rope=KIND (another RoPE policy) and MODEL:context=N (another long context).
                        Repeatable; added to $LONGPROXY_OVERRIDE's; recorded in the statistics spec (a separate
                        cache entry) and in every claim bundle (docs/locked-models.md)
A model that fails is skipped and named in a table at the end (exit status 1); finished documents are kept.

One model:

  --model DIR|ID        model folder (Hugging Face layout; onnx/model.onnx for the onnx engine), or a model id
                        looked up in $LONGPROXY_MODEL_DIR/<org>/<name> and the local Hugging Face cache
  --model-id ID         id recorded in the cache (default: ID, or the folder relative to the current directory)
  --corpus FILE         proxy corpus JSON (list of {"id", "text"})
  --cache DIR           cache folder (default $LONGPROXY_CACHE_DIR, else ${defaultStatsCacheDir({})}); the
                        committed ${DEFAULT_CACHE_DIR} changes only when named here
  --engine onnx|torch   engine (default onnx)
  --device DEV          cpu (default), cuda:0, ...
  --context N           tokens per long-context forward (default: the model's max_position_embeddings)
  --stride S            sliding-window stride for longer documents (default N/2)
  --short-windows LIST  comma-separated SIZE or SIZE/STEP (default step SIZE/4), e.g. 4096/1024 or 256,1024
  --max-tokens M        cut documents to M tokens (default 0 = no cut)
  --bos                 prepend the tokenizer's BOS token (LongPPL runs without it)

Pruning (after a refill in a new entry format, or a replaced model): --prune deletes every entry of --cache that
no record of its manifest.json refers to; run it from the folder the cache was filled from (the recorded corpus
paths are relative to it). Nothing is removed when a recorded corpus is missing or changed.

  Exit status: 0 done; 1 bad input, a full or read-only disk (the message names the file and the fix); 2 usage.`;

const str = { type: 'string' } as const;
const OPTIONS = {
  setting: str, devices: str, shard: str, models: str, dtype: str, model: str, 'model-id': str, corpus: str, cache: str,
  engine: str, device: str, context: str, stride: str, 'short-windows': str, 'max-tokens': str, probes: str,
  bos: { type: 'boolean' }, prune: { type: 'boolean' },
  ...OVERRIDE_OPTION,
} as const;

function integer(flag: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!/^\d+$/.test(raw) || v < min) throw new UserError(`${flag} ${raw}: expected an integer >= ${min}`);
  return v;
}

export function parseShortWindows(raw: string): ShortWindow[] {
  if (raw.trim() === '') return [];
  return raw.split(',').map((item) => {
    const m = /^\s*(\d+)(?:\/(\d+))?\s*$/.exec(item);
    if (!m) throw new UserError(`--short-windows ${raw}: "${item}" is not SIZE or SIZE/STEP (e.g. 4096/1024)`);
    const size = Number(m[1]);
    const step = m[2] !== undefined ? Number(m[2]) : Math.max(1, Math.floor(size / 4));
    if (size < 1 || step < 1) throw new UserError(`--short-windows ${raw}: size and step must be >= 1`);
    return { size, step };
  });
}

function configPositions(dir: string): number {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) throw new UserError(`${file}: config.json not found; --model must be a model folder in Hugging Face layout`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); restore the file`);
  }
  const n = Number(config.max_position_embeddings ?? config.n_positions);
  if (!Number.isInteger(n) || n < 2) throw new UserError(`${file}: no max_position_embeddings; pass --context N`);
  return n;
}

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, OPTIONS, USAGE);
  if (values === null) return 0;
  if (values.prune) {
    const { prune: _p, cache, ...other } = values;
    const extra = Object.keys(other).filter((k) => other[k as keyof typeof other] !== undefined);
    if (extra.length > 0) throw new UsageError(`--prune takes only --cache (got ${extra.map((k) => `--${k}`).join(' ')})\n\n${USAGE}`);
    const cacheDir = cache ?? defaultStatsCacheDir();
    const r = pruneCache(cacheDir);
    console.log(`stats: pruned ${cacheDir}: ${r.removed} unreferenced entries removed (${(r.bytes / 2 ** 20).toFixed(1)} MiB), ${r.kept} kept`);
    return 0;
  }
  if (values.setting !== undefined) {
    const { runSettingFill, settingFromArg } = await import('../../fleet/cli.ts');
    const override = overrideItems(values.override, [settingFromArg(values.setting)], USAGE);
    // The probes of the registered metrics (harness/probes/), unless --probes names others or none.
    const probes = probesFromFlag(values.probes, declaredProbes(METRICS));
    return runSettingFill({ ...values, setting: values.setting, override }, USAGE, probes);
  }
  if (values.probes !== undefined) throw new UsageError(`--probes applies to a setting's fill: use it with --setting\n\n${USAGE}`);
  if (values.override) throw new UsageError(`--override applies to a setting's model manifest: use it with --setting (e.g. --setting locked-no4k)\n\n${USAGE}`);
  const bos = values.bos ?? false;
  const modelArg = values.model;
  const corpusArg = values.corpus;
  if (!modelArg || !corpusArg) throw new UsageError(`--model and --corpus are required\n\n${USAGE}`);
  const looksLikeDir = existsSync(modelArg) || modelArg.startsWith('.') || modelArg.startsWith('/') || modelArg.split('/').length !== 2;
  const modelDir = looksLikeDir ? path.resolve(modelArg) : resolveModelDir(modelArg);
  if (!existsSync(modelDir)) throw new UserError(`--model ${modelArg}: folder ${modelDir} not found; pass a model folder or a model id in the local cache`);
  const modelId = values['model-id'] ?? (looksLikeDir ? path.relative(process.cwd(), modelDir) || modelDir : modelArg);
  const corpus = loadCorpus(corpusArg);
  const contextLength = values['context'] ? integer('--context', values['context'], 2) : configPositions(modelDir);
  const spec: StatsSpec = {
    contextLength,
    stride: values['stride'] ? integer('--stride', values['stride'], 1) : Math.max(1, Math.floor(contextLength / 2)),
    maxTokens: values['max-tokens'] ? integer('--max-tokens', values['max-tokens'], 0) : 0,
    shortWindows: parseShortWindows(values['short-windows'] ?? ''),
    addBos: bos,
  };
  checkSpec(spec); // before loading any engine: bad flags fail fast
  const engineId = values['engine'] ?? 'onnx';
  if (engineId === 'onnx' && values['device'] && values['device'] !== 'cpu') {
    throw new UserError(`--device ${values['device']}: the onnx engine runs on the CPU only; drop --device (or pass --device cpu), or use --engine torch for ${values['device']}`);
  }
  const engine = engineById(engineId, '--engine');
  const cacheDir = values['cache'] ?? defaultStatsCacheDir();
  const device = values['device'];
  let computed = 0;
  const t0 = performance.now();
  const stats = await getCorpusStats({
    model: (): Promise<LanguageModel> => engine.load({ id: modelId, dir: modelDir }, device ? { device } : undefined),
    modelId,
    modelDir,
    corpus,
    spec,
    cacheDir,
    engineId,
    engineVersion: engine.version,
    onProgress: (e) => {
      if (!e.cached) computed++;
      if (process.env.LONGPROXY_STATS_LOG) process.stderr.write(`stats: ${e.done}/${e.total} ${e.docId} ${e.cached ? 'cached' : 'computed'}\n`);
    },
  });
  const tokens = stats.docs.reduce((a, d) => a + d.n, 0);
  console.log(
    `stats: ${modelId} on ${corpusArg}: ${stats.docs.length} documents (${computed} computed, ${stats.docs.length - computed} from cache), ` +
      `${tokens} tokens; cost ${stats.cost.tokensProcessed} tokens processed, ${stats.cost.wallSeconds.toFixed(2)} s on ${stats.cost.engine}/${stats.cost.device}` +
      ` (this run ${((performance.now() - t0) / 1000).toFixed(2)} s)`,
  );
  console.log(`stats: wrote ${path.join(cacheDir, 'entries')} and ${path.join(cacheDir, 'manifest.json')}`);
  return 0;
}
