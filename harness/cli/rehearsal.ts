// The locked rehearsal as a command (scripts/gpu/rehearsal_run.sh runs it on the GPU machine, where there is no
// Vitest run of it): replicas built (or read) under --work, inputs written there, the 17 models filled with the torch
// engine, every metric scored and verified by both verifiers, then the planted-fault run; a table and a JSON report
// go to --out. With --only-model ID --replicas DIR it fills one model of an existing replica tree (the real-size 7B).
//
//   node --import ./scripts/gpu/ts-register.mjs harness/cli/rehearsal.ts --work DIR --out DIR \
//     [--mode gpu|cpu] [--docs 4] [--device cuda:0] [--dtype bfloat16] [--replicas DIR] [--only-model ID] [--no-plant]
//     [--models ID,ID] (a subset, at least 3, for a smoke run)
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { METRICS } from '../../metrics/registry.ts';
import { declaredProbes } from '../probes/load.ts';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { writeRehearsalInputs } from '../rehearsal/inputs.ts';
import { buildReplicas, fillModel, loadRehearsalCorpus, lookupEnv, readReplicaManifest, rehearsalSetting, rehearsalTable, scoreAndVerify, type FillRow } from '../rehearsal/run.ts';

const { values } = parseArgs({
  options: {
    work: { type: 'string' },
    out: { type: 'string' },
    mode: { type: 'string', default: 'gpu' },
    docs: { type: 'string' },
    device: { type: 'string', default: 'cuda:0' },
    dtype: { type: 'string', default: 'bfloat16' },
    replicas: { type: 'string' },
    'only-model': { type: 'string' },
    models: { type: 'string' },
    'no-plant': { type: 'boolean', default: false },
    'n-boot': { type: 'string', default: '200' },
  },
});
if (!values.work || !values.out) {
  console.error('usage: main.ts --work DIR --out DIR [--mode gpu|cpu] [--docs N] [--device D] [--dtype T] [--replicas DIR] [--only-model ID] [--no-plant]');
  process.exit(2);
}
const mode = values.mode === 'cpu' ? 'cpu' : 'gpu';
const work = path.resolve(values.work);
const out = path.resolve(values.out);
mkdirSync(out, { recursive: true });
const docs = Number(values.docs ?? (values['only-model'] ? 1 : mode === 'gpu' ? 4 : 2));
const log = (s: string) => console.log(s);
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);

const BAD_CONFIG = 'mistralai/Mistral-7B-Instruct-v0.2';
const BROKEN = 'Qwen/Qwen2-0.5B-Instruct';
const torch = { device: values.device, dtype: values.dtype, ...(mode === 'cpu' ? { chunk: 256 } : {}) };

const only = values['only-model'];
const replicas = values.replicas ? readReplicaManifest(path.resolve(values.replicas)) : buildReplicas(path.join(work, 'replicas'));
log(`[rehearsal +${secs()}s] replicas: ${replicas.root} (${replicas.replicas.length} models)`);
const models = only ? [only] : values.models ? values.models.split(',') : [...LOCKED_MODELS];
const inputs = writeRehearsalInputs(path.join(work, 'inputs'), { docs, mode }, models);
const setting = rehearsalSetting(inputs, models);
const corpus = loadRehearsalCorpus(inputs);
const fill = { env: lookupEnv(replicas, 'hub'), cacheDir: path.join(work, 'cache'), torch, log, probes: declaredProbes(METRICS) };

const rows: FillRow[] = [];
const stats = [];
for (const model of models) {
  const { row, stats: s } = await fillModel(setting, corpus, model, fill);
  rows.push(row);
  if (s) stats.push(s);
}
const report: Record<string, unknown> = { mode, device: values.device, dtype: values.dtype, documents: docs, corpus: inputs.corpusPath, rows };
let table = `## Locked rehearsal (${mode}, ${values.device}, ${values.dtype}, ${docs} documents)\n\n${rehearsalTable(rows)}\n`;
const scoredAll = rows.every((r) => !r.failure) && stats.length === models.length && models.length >= 3;
let exit = rows.some((r) => r.failure) ? 1 : 0;
if (scoredAll) {
  try {
    const scored = await scoreAndVerify(setting, stats, METRICS, path.join(work, 'results'), Number(values['n-boot']));
    const lines = scored.map((s) => `| ${s.record.metric} | ${Object.keys(s.record.scores).length} | ${s.record.verify.spearman.rho?.toFixed(3)} | ${s.referenceDiffs.length === 0 ? 'equal' : s.referenceDiffs.slice(0, 3).join('; ')} |`);
    table += `\n### Submissions (synthetic downstream: the correlations mean nothing)\n\n| metric | rows | Spearman (TS verifier) | Python reference vs TypeScript |\n|---|---:|---:|---|\n${lines.join('\n')}\n`;
    report.metrics = scored.map((s) => ({ metric: s.record.metric, rows: Object.keys(s.record.scores).length, submission: s.record.paths.submission, referenceDiffs: s.referenceDiffs }));
    if (scored.some((s) => s.referenceDiffs.length)) exit = 1;
  } catch (err) {
    table += `\nscoring failed: ${(err as Error).message}\n`;
    exit = 1;
  }
}
if (!only && !values['no-plant'] && models.includes(BAD_CONFIG) && models.includes(BROKEN)) {
  const planted = buildReplicas(path.join(work, 'planted'), { models: [BAD_CONFIG, BROKEN], plantBadConfig: BAD_CONFIG, plantBroken: BROKEN });
  const env = { ...lookupEnv(replicas, 'hub'), LONGPROXY_MODEL_DIR: planted.modelDir };
  const prow: FillRow[] = [];
  for (const model of models) prow.push((await fillModel(setting, corpus, model, { ...fill, env })).row);
  const failed = prow.filter((r) => r.failure).map((r) => r.model).sort();
  const expected = [BAD_CONFIG, BROKEN].sort();
  const ok = JSON.stringify(failed) === JSON.stringify(expected);
  table += `\n### Planted faults (${BAD_CONFIG}: sliding_window 4096; ${BROKEN}: weights cut short): ${ok ? 'exactly these two failed' : `UNEXPECTED: failed ${failed.join(', ') || 'none'}`}\n\n${rehearsalTable(prow.filter((r) => r.failure))}\n`;
  report.planted = { expected, failed, rows: prow };
  if (!ok) exit = 1;
}
table += `\nwall-clock ${secs()} s\n`;
writeFileAtomic(path.join(out, only ? 'rehearsal-one.md' : 'rehearsal.md'), table);
writeFileAtomic(path.join(out, only ? 'rehearsal-one.json' : 'rehearsal.json'), `${JSON.stringify(report, null, 1)}\n`);
console.log(table);
process.exit(exit);
