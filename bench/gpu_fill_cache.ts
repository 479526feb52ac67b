// Fills a token-statistics cache for every model of a setting with the torch engine, with exactly the spec and
// cache keys the scoring suites use (harness/scoring/setting-specs.ts, harness/tokenstats/cache.ts). On the GPU
// machine this is the GPU-backed half of the scoring run; the scoring suites then read this cache
// (LONGPROXY_ENGINE=torch LONGPROXY_CACHE_DIR=<the same folder> npx vitest run metrics/, harness/scoring/run-env.ts).
//
// npx tsx bench/gpu_fill_cache.ts --setting zoo [--device cuda:0] [--dtype bfloat16] [--cache DIR] [--models ID,ID]
// Defaults: --cache $LONGPROXY_CACHE_DIR (else results/cache), --device $LONGPROXY_TORCH_DEVICE (else cuda:0),
// --dtype $LONGPROXY_TORCH_DTYPE (else bfloat16 on a GPU, float32 on the CPU). The cache key does not hold the
// dtype: fill one cache folder per dtype. A setting scored with another engine (zoo: onnx) keeps its committed
// cache: its torch statistics must go to another folder.
import path from 'node:path';
import { loadCorpus } from '../harness/contract/corpus.ts';
import { getSetting } from '../harness/contract/settings/index.ts';
import { resolveModelDir } from '../harness/engine/resolve.ts';
import { torchEngine } from '../harness/engine/torch.ts';
import { UserError } from '../harness/errors.ts';
import { REPO_ROOT } from '../harness/util/paths.ts';
import { runEnv } from '../harness/scoring/run-env.ts';
import { configProblems, modelRunFor } from '../harness/scoring/setting-specs.ts';
import { configCheckError, settingOverrides } from '../harness/scoring/stats-source.ts';
import { DEFAULT_CACHE_DIR, getCorpusStats } from '../harness/tokenstats/cache.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const env = runEnv();
  const setting = getSetting(arg('setting', 'zoo'));
  const device = arg('device', env.torch.device ?? 'cuda:0');
  const dtype = arg('dtype', env.torch.dtype ?? (device.startsWith('cuda') ? 'bfloat16' : 'float32'));
  const cacheDir = path.resolve(REPO_ROOT, arg('cache', env.cacheDir));
  if (setting.engine !== torchEngine.id && cacheDir === path.resolve(REPO_ROOT, DEFAULT_CACHE_DIR)) {
    throw new UserError(`setting ${setting.id} is scored with the ${setting.engine} engine from the committed ${DEFAULT_CACHE_DIR}; put the torch engine's statistics elsewhere: --cache DIR or LONGPROXY_CACHE_DIR`);
  }
  const corpus = loadCorpus(path.join(REPO_ROOT, setting.corpusPath));
  if (setting.models.length === 0) throw new Error(`setting ${setting.id} lists no models (${setting.description})`);
  const only = arg('models', '') ? arg('models', '').split(',') : [...setting.models];
  const unknown = only.filter((m) => !setting.models.includes(m));
  if (unknown.length) throw new UserError(`--models: ${unknown.join(', ')} not in setting ${setting.id} (${setting.models.join(', ')})`);
  const rows: string[] = [];
  const overrides = settingOverrides(setting, env);
  const dirs = new Map(only.map((m) => [m, resolveModelDir(m, { explicitDir: setting.modelDirs?.[m], root: REPO_ROOT })]));
  const problems = only.flatMap((m) => configProblems(setting, m, dirs.get(m)!, overrides));
  if (problems.length) throw configCheckError(setting, problems);
  for (const model of only) {
    const dir = dirs.get(model)!;
    const { spec, rope } = modelRunFor(setting, model, overrides);
    const t0 = performance.now();
    const stats = await getCorpusStats({
      modelId: model,
      modelDir: dir,
      corpus,
      spec,
      cacheDir,
      engineId: torchEngine.id,
      engineVersion: torchEngine.version,
      model: () => torchEngine.load({ id: model, dir }, { device, dtype, rope }),
    });
    const s = (performance.now() - t0) / 1000;
    const tokens = stats.docs.reduce((a, d) => a + d.n, 0);
    rows.push(`| ${model} | ${stats.docs.length} | ${tokens} | ${stats.cost.tokensProcessed} | ${s.toFixed(1)} | ${(stats.cost.tokensProcessed / s).toFixed(0)} |`);
    console.log(rows[rows.length - 1]);
  }
  console.log(`\nsetting ${setting.id}, torch engine on ${device} (${dtype}), cache ${cacheDir}\n`);
  console.log('| model | docs | tokens | tokens processed | seconds | tokens/s |\n|---|---|---|---|---|---|\n' + rows.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
