// `longproxy compare runs|caches`: a scoring run against another (submissions, rankings, hyperparameters,
// verifier statistics), or a token-statistics cache against another. Exit 0 when they agree within the
// tolerances, 1 when they differ, 2 on bad input (a missing folder, a bad flag).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { getSetting } from '../../contract/settings/index.ts';
import { UserError } from '../../errors.ts';
import { compareCaches, renderCacheComparison } from '../../scoring/compare-caches.ts';
import { compareRuns, DEFAULT_TOLERANCES, readRun, renderComparison } from '../../scoring/compare-runs.ts';
import { DEFAULT_CACHE_DIR } from '../../tokenstats/cache.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { parseFlags } from '../flags.ts';

export const description = 'compare two scoring runs (runs) or two token-statistics caches (caches)';

const HELP = `usage: longproxy compare runs --run DIR [--base results] [--setting zoo] [--score-tol ${DEFAULT_TOLERANCES.score}]
           [--stat-tol ${DEFAULT_TOLERANCES.statistic}] [--labels A,B] [--out FILE.md]
       longproxy compare caches --cache DIR [--base ${DEFAULT_CACHE_DIR}] [--setting zoo] [--tol 1e-3]
           [--engine ID] [--base-engine ID] [--out FILE.md]

  runs     DIR is the LONGPROXY_RESULTS_DIR of a scoring run (submissions/, verify/, claims/ under it). Prints, per
           metric, the largest relative score difference, whether the models rank identically, whether the same
           hyperparameters were chosen and the same outliers removed, and the difference of every verifier
           statistic. Differs when a ranking differs, a score by more than --score-tol (relative) or a statistic
           by more than --stat-tol (absolute).
  caches   DIR is a LONGPROXY_CACHE_DIR. Compares every model of the setting document by document: token ids and
           byte spans identical, log-probabilities and entropies within --tol; prints the top-1 agreement.
           --engine / --base-engine: count only statistics of that engine in DIR / in the base.
  Exit 0: they agree; 1: they differ; 2: bad input.`;

function nonNegative(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!(x >= 0)) throw new UserError(`${flag} ${v}: expected a number >= 0`);
  return x;
}

function output(text: string, out: string | undefined): void {
  console.log(text);
  if (out) writeFileAtomic(out, `${text}\n`);
}

function runs(args: string[]): number {
  const v = parseFlags(
    args,
    { run: { type: 'string' }, base: { type: 'string' }, setting: { type: 'string' }, 'score-tol': { type: 'string' }, 'stat-tol': { type: 'string' }, labels: { type: 'string' }, out: { type: 'string' } },
    HELP,
  );
  if (v === null) return 0;
  if (!v.run) throw new UserError(`--run DIR is required\n${HELP}`);
  const setting = v.setting ?? 'zoo';
  const base = path.resolve(v.base ?? 'results');
  const tol = { score: nonNegative('--score-tol', v['score-tol'], DEFAULT_TOLERANCES.score), statistic: nonNegative('--stat-tol', v['stat-tol'], DEFAULT_TOLERANCES.statistic) };
  const labels = (v.labels ?? `${path.relative(process.cwd(), base) || base},${v.run}`).split(',');
  if (labels.length !== 2) throw new UserError(`--labels ${v.labels}: expected two labels separated by a comma`);
  let a, b;
  try {
    a = readRun(base, setting);
    b = readRun(path.resolve(v.run), setting);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const r = compareRuns(a, b, tol);
  const first = (run: typeof a) => Object.values(run).find((m) => m.compute)?.compute;
  output(renderComparison(r, labels as [string, string], tol, [first(a), first(b)]), v.out);
  return r.ok ? 0 : 1;
}

function caches(args: string[]): number {
  const v = parseFlags(
    args,
    { cache: { type: 'string' }, base: { type: 'string' }, setting: { type: 'string' }, tol: { type: 'string' }, engine: { type: 'string' }, 'base-engine': { type: 'string' }, out: { type: 'string' } },
    HELP,
  );
  if (v === null) return 0;
  if (!v.cache) throw new UserError(`--cache DIR is required\n${HELP}`);
  const tol = nonNegative('--tol', v.tol, 1e-3);
  const setting = getSetting(v.setting ?? 'zoo');
  const base = v.base ?? DEFAULT_CACHE_DIR;
  for (const [flag, dir] of [['--cache', v.cache], ['--base', base]]) {
    if (!existsSync(dir)) throw new UserError(`${flag} ${dir}: no such folder (expected a token-statistics cache, as written by longproxy stats)`);
  }
  const r = compareCaches({ setting, baseDir: path.resolve(base), cacheDir: path.resolve(v.cache), tol, engine: v.engine, baseEngine: v['base-engine'] });
  output(renderCacheComparison(r, { cache: v.cache, base, setting: setting.id, tol }), v.out);
  return r.problems.length ? 1 : 0;
}

export async function run(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  try {
    if (what === 'runs') return runs(rest);
    if (what === 'caches') return caches(rest);
    if (what === '--help' || what === '-h') {
      console.log(HELP);
      return 0;
    }
    throw new UserError(`expected 'runs' or 'caches', got ${what === undefined ? 'nothing' : `'${what}'`}\n${HELP}`);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    console.error(`longproxy compare: ${err.message}`);
    return 2;
  }
}
