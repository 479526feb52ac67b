// `longproxy downstream --setting zoo`: runs the setting's downstream tasks on its models and writes the locked
// target, its breakdown and its lock (results/downstream/zoo_downstream{,.breakdown,.lock}.json).
// `--check` verifies the locked files instead: content against recorded hashes, recorded inputs against the
// current ones. `--from-breakdown` re-locks from the recorded per-item results without running a model (a new
// lock format, a task-version bump that alters no result); it refuses when a model, the config, the haystack or
// the engine changed, since those need a re-run.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { getSetting } from '../../contract/settings/index.ts';
import { UserError } from '../../errors.ts';
import { UsageError } from '../exit-codes.ts';
import { checkOutPath } from '../out-path.ts';
import { REPO_ROOT } from '../../util/paths.ts';
import { buildLockedFiles, checkLockedFiles, diffInputs, lockPaths, RELOCK_COMMAND, resultFromBreakdown, type BreakdownFile } from '../../tasks/lockfile.ts';
import { createProgress } from '../../tasks/progress.ts';
import { currentInputs } from '../../tasks/inputs.ts';
import { runDownstream } from '../../tasks/runner.ts';
import { downstreamSpec, loadEngine } from '../../tasks/settings.ts';
import { writeLockedFiles } from '../../tasks/lockfile.ts';
import { readFileSync } from 'node:fs';

export const description = 'run the downstream tasks of a setting and write its locked target (or --check it)';

const HELP = `usage: longproxy downstream --setting zoo [--out FILE] [--items-per-cell N] [--check]

  --setting ID          setting whose models are scored (downstream tasks exist for: zoo)
  --out FILE            target file (default: the setting's downstream path); breakdown and lock go beside it
  --items-per-cell N    override the items per task x length x depth cell (exploration only: the lock then
                        records a config that differs from the setting's, and the lock test fails)
  --check               do not run: check that the locked files match their hashes and the current inputs
  --from-breakdown      do not run: re-lock from the breakdown's recorded per-item results under the current
                        inputs (new lock format or task version); refused when a model's fingerprint, the
                        config, the haystack or the engine changed. Then run harness/tasks/zoo-lock.test.ts,
                        which re-runs a subset of items and compares them with the recorded results

  Exit status: 0 done (or --check consistent); 1 bad input or --check found a problem; 2 usage.
`;

function parseArgs(args: string[]): { setting?: string; out?: string; itemsPerCell?: number; check: boolean; fromBreakdown: boolean; help: boolean } {
  const out: ReturnType<typeof parseArgs> = { check: false, fromBreakdown: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value; see --help`);
      return v;
    };
    if (a === '--setting') out.setting = value();
    else if (a === '--out') out.out = value();
    else if (a === '--items-per-cell') {
      const v = value();
      out.itemsPerCell = Number(v);
      if (!Number.isInteger(out.itemsPerCell) || out.itemsPerCell < 1) throw new UserError(`--items-per-cell ${v}: give a positive integer`);
    } else if (a === '--check') out.check = true;
    else if (a === '--from-breakdown') out.fromBreakdown = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else throw new UsageError(`unknown option ${a}; see --help`);
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  const opts = parseArgs(args);
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  if (!opts.setting) throw new UsageError('--setting is required (e.g. --setting zoo)');
  const setting = getSetting(opts.setting);
  const spec = downstreamSpec(setting.id);
  if (setting.models.length === 0) {
    throw new UserError(`setting ${setting.id} lists no models (fixtures/zoo/models.json missing?); build the zoo first`);
  }
  const config = opts.itemsPerCell ? { ...spec.config, itemsPerCell: opts.itemsPerCell } : spec.config;
  const target = path.resolve(REPO_ROOT, opts.out ?? setting.downstreamPath);
  const paths = lockPaths(target);
  if (!opts.check) {
    for (const [flag, file] of [['--out', paths.downstream], ['--out (breakdown)', paths.breakdown], ['--out (lock)', paths.lock]] as const) {
      checkOutPath(flag, file, [{ flag: 'the haystack', path: path.resolve(REPO_ROOT, spec.haystackPath) }]);
    }
  }
  const models = setting.models.map((id) => ({ id, dir: setting.modelDirs?.[id] ?? id }));
  const engine = await loadEngine(setting.engine);

  if (opts.check) {
    const problems = checkLockedFiles(paths);
    if (problems.length === 0) {
      const recorded = (JSON.parse(readFileSync(paths.breakdown, 'utf8')) as BreakdownFile).inputs;
      const changed = diffInputs(recorded, await currentInputs({ config, haystackPath: spec.haystackPath, models, engine }));
      if (changed.length) problems.push(`inputs changed since the file was written: ${changed.join(', ')}`);
    }
    for (const p of problems) console.error(`longproxy downstream: ${p}`);
    if (problems.length) {
      console.error(`re-lock with: ${RELOCK_COMMAND}`);
      return 1;
    }
    console.log(`${path.relative(REPO_ROOT, target)}: locked files consistent, inputs unchanged`);
    return 0;
  }

  if (opts.fromBreakdown) return relockFromBreakdown(paths, await currentInputs({ config, haystackPath: spec.haystackPath, models, engine }));

  const result = await runDownstream({
    config,
    haystackPath: spec.haystackPath,
    models,
    engine,
    progress: (total) => createProgress('downstream', total),
  });
  const files = buildLockedFiles(result);
  mkdirSync(path.dirname(target), { recursive: true });
  writeLockedFiles(paths, files);
  const summary = JSON.parse(files.downstream) as Record<string, { overall: number }>;
  const width = Math.max(...Object.keys(summary).map((k) => k.length));
  for (const [id, s] of Object.entries(summary)) console.log(`${id.padEnd(width)}  ${s.overall.toFixed(4)}`);
  console.log(
    `${result.models.length} models x ${result.items.length} items, ${result.tokensProcessed} tokens in ` +
      `${result.wallSeconds.toFixed(1)} s; wrote ${path.relative(REPO_ROOT, paths.downstream)} (+ .breakdown, .lock)`,
  );
  return 0;
}

/** Re-lock from the recorded item results; only a change that the results cannot depend on may differ. */
function relockFromBreakdown(paths: ReturnType<typeof lockPaths>, inputs: Awaited<ReturnType<typeof currentInputs>>): number {
  let breakdown: BreakdownFile;
  try {
    breakdown = JSON.parse(readFileSync(paths.breakdown, 'utf8')) as BreakdownFile;
  } catch (err) {
    throw new UserError(`${paths.breakdown}: cannot read the recorded breakdown (${(err as Error).message}); run \`${RELOCK_COMMAND}\``);
  }
  const rec = breakdown.inputs as Partial<typeof inputs> & { models?: { id: string; fingerprint: string }[] };
  const changed: string[] = (['config', 'haystack', 'engine'] as const).filter((k) => JSON.stringify(rec[k]) !== JSON.stringify(inputs[k]));
  const recModels = (rec.models ?? []).map((m) => `${m.id}:${m.fingerprint}`);
  const curModels = inputs.models.map((m) => `${m.id}:${m.fingerprint}`);
  if (JSON.stringify(recModels) !== JSON.stringify(curModels)) changed.push('models');
  if (changed.length) {
    throw new UserError(`${paths.breakdown}: ${changed.join(', ')} changed since the run; the results must be recomputed: \`${RELOCK_COMMAND}\``);
  }
  const files = buildLockedFiles(resultFromBreakdown(breakdown, inputs));
  writeLockedFiles(paths, files);
  const problems = checkLockedFiles(paths);
  if (problems.length) throw new Error(`re-locked files are inconsistent: ${problems.join('; ')}`);
  console.log(`${path.relative(REPO_ROOT, paths.downstream)}: re-locked from the recorded item results (no model run); now run npx vitest run harness/tasks/zoo-lock.test.ts`);
  return 0;
}
