// `longproxy verify`: the TypeScript twin of scripts/verify_locked_no4k.py (same flags, same JSON).
import { parseFlags } from '../flags.ts';
import { UsageError } from '../exit-codes.ts';
import { checkOutPath } from '../out-path.ts';
import { getSetting } from '../../contract/settings/index.ts';
import { OFFICIAL_DOWNSTREAM_PATH } from '../../contract/downstream.ts';
import type { McdCorrection } from '../../verify/core.ts';
import { verifySubmission } from '../../verify/verify-submission.ts';
import { DEFAULT_MCD_CORRECTION, DEFAULT_N_BOOT, DEFAULT_SEED, MCD_CORRECTIONS } from '../../verify/core.ts';

export const description = 'verify a submission against a downstream target (same JSON as the Python reference)';

const HELP = `usage: longproxy verify --submission S --out R [--metric-key score] [--downstream D]
                       [--n-boot ${DEFAULT_N_BOOT}] [--seed ${DEFAULT_SEED}] [--mcd-correction ${MCD_CORRECTIONS.join('|')}]
                       [--setting ID]

  --submission       JSON object {model: score} or list of rows {"model": id, <metric-key>: score}
  --out              where to write the verifier JSON (written atomically; never on bad input)
  --metric-key       key of the score in submission rows (default score)
  --downstream       downstream target (default ${OFFICIAL_DOWNSTREAM_PATH})
  --n-boot, --seed   percentile bootstrap replicates and RandomState seed (defaults ${DEFAULT_N_BOOT}, ${DEFAULT_SEED})
  --mcd-correction   MinCovDet consistency correction of scikit-learn <= 1.7 or >= 1.8
                     (default ${DEFAULT_MCD_CORRECTION}, the rule of the Python reference on this machine)
  --setting          take the downstream file and its required model set from a registered setting

  Exit status (as the Python reference): 0 written, 1 bad input (nothing written), 2 usage.`;

function intFlag(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name}: expected an integer, got "${raw}"`);
  return Number(raw);
}

const fmt = (v: number) => (Number.isNaN(v) ? 'undefined' : v.toFixed(4));

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, {
        submission: { type: 'string' },
        out: { type: 'string' },
        'metric-key': { type: 'string', default: 'score' },
        downstream: { type: 'string' },
        'n-boot': { type: 'string' },
        seed: { type: 'string' },
        'mcd-correction': { type: 'string', default: DEFAULT_MCD_CORRECTION },
        setting: { type: 'string' },
      }, HELP);
  if (values === null) return 0;
  if (!values.submission || !values.out) throw new UsageError(`--submission and --out are required\n${HELP}`);
  const setting = values.setting ? getSetting(values.setting) : undefined;
  const correction = values['mcd-correction'] as string;
  if (!MCD_CORRECTIONS.includes(correction as McdCorrection)) {
    throw new UsageError(`--mcd-correction: expected one of ${MCD_CORRECTIONS.join(', ')}, got "${correction}"`);
  }
  const nBoot = intFlag('n-boot', values['n-boot'], DEFAULT_N_BOOT);
  const seed = intFlag('seed', values.seed, DEFAULT_SEED);
  if (nBoot < 1) throw new UsageError(`--n-boot: must be at least 1, got ${nBoot}`);
  if (seed < 0 || seed >= 2 ** 32) throw new UsageError(`--seed: must be an integer in [0, 2**32), got ${seed}`);

  const downstreamPath = values.downstream ?? setting?.downstreamPath ?? OFFICIAL_DOWNSTREAM_PATH;
  checkOutPath('--out', values.out, [
    { flag: '--submission', path: values.submission },
    { flag: '--downstream', path: downstreamPath },
  ]);

  const showProgress = process.stderr.isTTY;
  const started = Date.now();
  const result = await verifySubmission({
    submissionPath: values.submission,
    downstreamPath,
    metricKey: values['metric-key'] as string,
    nBoot,
    seed,
    expectedModels: setting?.models,
    mcdCorrection: correction as McdCorrection,
    outPath: values.out,
    onProgress: showProgress
      ? (done, total) => {
          if (done % 50 !== 0 && done !== total) return;
          const secs = (Date.now() - started) / 1000;
          const eta = (secs / done) * (total - done);
          process.stderr.write(`\rbootstrap ${done}/${total}  ${(done / secs).toFixed(0)} replicates/s  ETA ${eta.toFixed(1)}s `);
          if (done === total) process.stderr.write('\n');
        }
      : undefined,
  });
  const s = result.spearman;
  const k = result.skipped_spearman;
  console.log(
    `models ${result.n_models}  spearman ${fmt(s.rho)} (p ${fmt(s.p_value)}, 95% CI ${fmt(s.ci95[0])}..${fmt(s.ci95[1])})  ` +
      `pearson ${fmt(result.pearson.r)}  skipped spearman ${fmt(k.rho)} (outliers ${k.outliers.length}: ${k.outliers.join(', ') || '-'})`,
  );
  console.log(`wrote ${values.out}`);
  return 0;
}
