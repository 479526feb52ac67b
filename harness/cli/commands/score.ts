// `longproxy score`: the scoring suites' work outside Vitest (submissions, verifier outputs, claim bundles).
import { parseFlags } from '../flags.ts';
import { scoreSelected, select } from '../../scoring/run-selected.ts';

export const description = 'score metrics on settings: submissions, verifier outputs, held-out Spearman, claim bundles';

const HELP = `usage: longproxy score [--setting ID] [--metric ID] [--golden]

  Scores every metric of metrics/registry.ts (or --metric) on every registered setting (or --setting) from the
  token-statistics cache; writes results/submissions/, results/verify/, results/claims/ and prints the held-out
  Spearman per metric. Floors are not changed (use \`longproxy floors --update\`).
  --golden   also store the Python reference verifier's output for each submission under
             fixtures/golden/metrics/<setting>/<metric>.json (needs /usr/bin/python3 with numpy/scipy/sklearn)`;

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, { setting: { type: 'string' }, metric: { type: 'string' }, golden: { type: 'boolean' } }, HELP);
  if (values === null) return 0;
  const n = await scoreSelected(select(values.setting, values.metric), { updateFloor: false, golden: values.golden ?? false });
  return n > 0 ? 0 : 1;
}
