// The locked rehearsal as a command (scripts/gpu/rehearsal_run.sh runs it on the GPU machine, where there is no
// Vitest run of it): replicas built (or read) under --work, inputs written there, the 17 models filled with the torch
// engine through the fill of `longproxy stats --setting` (one worker for all), every metric scored and verified by
// both verifiers, then the planted-fault fill; a table and a JSON report go to --out. With --only-model ID
// --replicas DIR it fills one model of an existing replica tree (the real-size 7B).
//
//   node --import ./scripts/gpu/ts-register.mjs harness/cli/rehearsal.ts --work DIR --out DIR \
//     [--mode gpu|cpu] [--docs N] [--device cuda:0] [--dtype bfloat16] [--chunk N] [--replicas DIR]
//     [--only-model ID] [--no-plant] [--models ID,ID] [--override MODEL:FIELD ...] [--n-boot N] [--probes LIST|none]
//   (npx tsx harness/cli/rehearsal.ts ... where tsx is installed)
//
// Exit status: 0 the rehearsal passed (every model scored, both verifiers agree, exactly the planted models failed
// and the fill that met them exited 1); 1 it did not (rehearsal.md says what); 2 usage.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '../../metrics/registry.ts';
import { parseOverrides } from '../contract/model-manifest.ts';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { declaredProbes } from '../probes/load.ts';
import { probesFromFlag } from './probes-flag.ts';
import { lockedNo4k } from '../contract/settings/locked-no4k.ts';
import { failureTable } from '../fleet/failures.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { writeRehearsalInputs } from '../rehearsal/inputs.ts';
import {
  buildPlanted,
  buildReplicas,
  loadRehearsalCorpus,
  lookupEnv,
  PLANTED,
  plantedEnv,
  readReplicaManifest,
  RehearsalFiller,
  rehearsalSetting,
  rehearsalTable,
  scoreRehearsalMetric,
  verifyWithReference,
  type FillRow,
  type ScoredMetric,
} from '../rehearsal/run.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import { EXIT, isUsageError, UsageError } from './exit-codes.ts';
import { parseFlags } from './flags.ts';
import { OVERRIDE_OPTION, overrideItems } from './override-flag.ts';

const USAGE = `usage: rehearsal.ts --work DIR --out DIR [--mode gpu|cpu] [--docs N] [--device DEV] [--dtype T] [--chunk N]
                    [--replicas DIR] [--only-model ID] [--models ID,ID] [--no-plant] [--override MODEL:FIELD ...] [--n-boot N]
                    [--probes LIST|none]
  --mode gpu: documents of 32k tokens (default 4); cpu: one 5.3k-5.9k-token document (at most 2)
  --chunk N: positions per chunk of the output projection (default: the worker's; 16 suits tiny replicas on a CPU)
  --probes: probes whose derived corpora are filled and scored (docs/probes.md); default on gpu those the metrics
            declare, on cpu none (each probe costs about one corpus more); a metric whose probe is not filled is
            listed as not scored
  --override: as longproxy stats --setting (MODEL:FIELD, MODEL:rope=KIND, MODEL:context=N); recorded in each spec
              and claim bundle`;

const str = { type: 'string' } as const;
async function main(): Promise<number> {
  const values = parseFlags(
    process.argv.slice(2),
    { work: str, out: str, mode: str, docs: str, device: str, dtype: str, chunk: str, replicas: str, 'only-model': str, models: str, 'no-plant': { type: 'boolean' }, 'n-boot': str, probes: str, ...OVERRIDE_OPTION },
    USAGE,
  );
  if (values === null) return EXIT.OK;
  if (!values.work || !values.out) throw new UsageError(`--work and --out are required\n\n${USAGE}`);
  if (values.mode !== undefined && values.mode !== 'gpu' && values.mode !== 'cpu') throw new UsageError(`--mode ${values.mode}: use gpu or cpu\n\n${USAGE}`);
  const mode = values.mode === 'cpu' ? 'cpu' : 'gpu';
  const device = values.device ?? (mode === 'cpu' ? 'cpu' : 'cuda:0');
  const dtype = values.dtype ?? (mode === 'cpu' ? 'float32' : 'bfloat16');
  const chunk = values.chunk !== undefined ? Number(values.chunk) : undefined;
  if (chunk !== undefined && !(Number.isInteger(chunk) && chunk >= 1)) throw new UsageError(`--chunk ${values.chunk}: an integer >= 1\n\n${USAGE}`);
  const only = values['only-model'];
  const models = only ? [only] : values.models ? values.models.split(',') : [...LOCKED_MODELS];
  const strays = models.filter((m) => !(LOCKED_MODELS as readonly string[]).includes(m));
  if (strays.length) throw new UsageError(`--models/--only-model: ${strays.join(', ')} not a locked model (${LOCKED_MODELS.join(', ')})\n\n${USAGE}`);
  const overrides = parseOverrides(overrideItems(values.override, [lockedNo4k], USAGE), lockedNo4k.manifest!);
  const work = path.resolve(values.work);
  const out = path.resolve(values.out);
  mkdirSync(out, { recursive: true });
  const docs = Number(values.docs ?? (only ? 1 : mode === 'gpu' ? 4 : 1));
  const log = (s: string) => console.log(s);
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
  // Tokenizers built from tokenizer.model go under the work folder unless LONGPROXY_HOME says otherwise.
  process.env.LONGPROXY_HOME ??= path.join(work, 'home');

  const replicas = values.replicas ? readReplicaManifest(path.resolve(values.replicas)) : buildReplicas(path.join(work, 'replicas'));
  log(`[rehearsal +${secs()}s] replicas: ${replicas.root} (${replicas.replicas.length} models)`);
  const inputs = writeRehearsalInputs(path.join(work, 'rehearsal-inputs'), { docs, mode }, models);
  const setting = rehearsalSetting(inputs, models);
  const corpus = loadRehearsalCorpus(inputs);
  const declared = declaredProbes(METRICS);
  const probes = probesFromFlag(values.probes, mode === 'gpu' ? declared : []);
  const unknown = probes.filter((p) => !declared.includes(p));
  if (unknown.length) throw new UsageError(`--probes: ${unknown.join(', ')} is not a probe a metric declares (${declared.join(', ')})\n\n${USAGE}`);
  const filler = new RehearsalFiller(setting, corpus, { cacheDir: path.join(work, 'cache'), device, dtype, chunk, overrides, probes, log });

  const rows: FillRow[] = [];
  const stats: ModelCorpusStats[] = [];
  const report: Record<string, unknown> = { mode, device, dtype, chunk: chunk ?? null, documents: docs, probes, corpus: inputs.corpusPath, overrides: values.override ?? [], rows };
  let table = `## Locked rehearsal (${mode}, ${device}, ${dtype}${chunk ? `, chunk ${chunk}` : ''}, ${docs} document${docs === 1 ? '' : 's'})\n\n`;
  let exit: number = EXIT.OK;
  try {
    for (const model of models) {
      const r = await filler.fill([model], lookupEnv(replicas, 'hub'));
      rows.push(...r.rows);
      stats.push(...r.stats);
    }
    table += `${rehearsalTable(rows)}\n\nworker processes started: ${filler.workersStarted}\n`;
    if (rows.some((r) => r.failure)) {
      exit = EXIT.USER_ERROR;
      table += `\n### Failures\n\n${failureTable(rows.flatMap((r) => (r.failure ? [r.failure] : [])))}\n`;
    }
    if (rows.every((r) => !r.failure) && stats.length === models.length && models.length >= 3) {
      const scored: ScoredMetric[] = [];
      const refused: string[] = [];
      try {
        const nBoot = Number(values['n-boot'] ?? 200);
        // The key-token metrics have no key token on random weights (no token's long-context log-probability
        // reaches their beta >= -3): refused, naming every model; listed as such.
        const records = [];
        const unfilled: string[] = [];
        for (const metric of METRICS) {
          const missing = (metric.probes ?? []).filter((p: string) => !probes.includes(p));
          if (missing.length) {
            unfilled.push(`| ${metric.id} | not scored: its probe ${missing.join(', ')} was not filled (--probes) |`);
            continue;
          }
          try {
            records.push(await scoreRehearsalMetric(setting, stats, metric, path.join(work, 'results'), nBoot));
          } catch (err) {
            refused.push(`| ${metric.id} | refused: ${(err as Error).message.slice(0, 200)} |`);
          }
        }
        scored.push(...(await verifyWithReference(setting, records, nBoot)));
        const lines = scored.map((s) => `| ${s.record.metric} | ${Object.keys(s.record.scores).length} | ${s.record.verify.spearman.rho?.toFixed(3)} | ${s.referenceDiffs.length === 0 ? 'equal' : s.referenceDiffs.slice(0, 3).join('; ')} |`);
        table += `\n### Submissions (synthetic downstream: the correlations mean nothing)\n\n| metric | rows | Spearman (TS verifier) | Python reference vs TypeScript |\n|---|---:|---:|---|\n${lines.join('\n')}\n`;
        if (refused.length) table += `\n| metric | undefined on these replicas |\n|---|---|\n${refused.join('\n')}\n`;
        if (unfilled.length) table += `\n| metric | probes not filled in this run |\n|---|---|\n${unfilled.join('\n')}\n`;
        report.unfilled = unfilled;
        report.metrics = scored.map((s) => ({ metric: s.record.metric, rows: Object.keys(s.record.scores).length, submission: s.record.paths.submission, referenceDiffs: s.referenceDiffs }));
        report.refused = refused;
        if (scored.some((s) => s.referenceDiffs.length)) exit = EXIT.USER_ERROR;
      } catch (err) {
        table += `\nscoring failed: ${(err as Error).message}\n`;
        exit = EXIT.USER_ERROR;
      }
    }
    if (!only && !values['no-plant'] && models.includes(PLANTED.badConfig) && models.includes(PLANTED.broken)) {
      const planted = buildPlanted(path.join(work, 'planted'));
      const p = await filler.fill(models, plantedEnv(replicas, planted));
      const failed = p.report.failures.map((f) => f.model).sort();
      const expected = [PLANTED.badConfig, PLANTED.broken].sort();
      const ok = JSON.stringify(failed) === JSON.stringify(expected) && p.exit !== 0 && p.report.finished.length === models.length - 2;
      table +=
        `\n### Planted faults (${PLANTED.badConfig}: sliding_window 4096; ${PLANTED.broken}: weights cut short): ` +
        `${ok ? `exactly these two failed, the other ${p.report.finished.length} finished, fill exit ${p.exit}` : `UNEXPECTED: failed ${failed.join(', ') || 'none'}, fill exit ${p.exit}`}\n\n${failureTable(p.report.failures)}\n`;
      report.planted = { expected, failed, exit: p.exit, finished: p.report.finished, failures: p.report.failures };
      if (!ok) exit = EXIT.USER_ERROR;
    }
  } finally {
    await filler.close();
  }
  table += `\nwall-clock ${secs()} s\n`;
  writeFileAtomic(path.join(out, only ? 'rehearsal-one.md' : 'rehearsal.md'), table);
  writeFileAtomic(path.join(out, only ? 'rehearsal-one.json' : 'rehearsal.json'), `${JSON.stringify(report, null, 1)}\n`);
  console.log(table);
  return exit;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof Error && err.name === 'UserError') {
    console.error(`rehearsal: ${err.message}`);
    process.exitCode = isUsageError(err) ? EXIT.USAGE : EXIT.USER_ERROR;
  } else throw err;
}
