// `longproxy score`: the scoring suites' work outside Vitest (submissions, verifier outputs, claim bundles).
// Exits 3 when a held-out mean Spearman is below its recorded floor (or none is recorded), as the suites fail.
import { parseFlags } from '../flags.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { OVERRIDE_OPTION, overrideItems } from '../override-flag.ts';
import { FLOORS_PATH, floorFailure, getFloor } from '../../scoring/floors.ts';
import { scoreSelected, select } from '../../scoring/run-selected.ts';
// The CLI is the edge where the library meets the metric registry (harness/imports.test.ts).
import { METRICS } from '../../../metrics/registry.ts';

export const description = 'score metrics on settings: submissions, verifier outputs, held-out Spearman, claim bundles';

const HELP = `usage: longproxy score [--setting ID] [--metric ID] [--golden] [--floors FILE] [--override MODEL:FIELD ...]

  Scores every metric of metrics/registry.ts (or --metric) on every registered setting (or --setting) from the
  token-statistics cache; writes results/submissions/, results/verify/, results/claims/ and prints the held-out
  Spearman per metric. Floors are not changed (use \`longproxy floors --update\`).
  --golden   also store the Python reference verifier's output for each submission under
             fixtures/golden/metrics/<setting>/<metric>.json (needs /usr/bin/python3 with numpy/scipy/sklearn)
  --floors FILE  floors to check against (default ${FLOORS_PATH})
  --override MODEL:FIELD | MODEL:rope=KIND | MODEL:context=N
             accept a config that contradicts the setting's model manifest, or run a model another way (repeatable;
             needs --setting with a manifest, e.g. locked-no4k; added to $LONGPROXY_OVERRIDE's). Recorded in the
             statistics spec and in every claim bundle (docs/locked-models.md)

  Exit status: 0 every scored metric meets its floor; 1 bad input or nothing scored; 2 usage;
  ${EXIT.BELOW_FLOOR} a metric is below its floor in the floors file (or has none): the message says by how much and how to re-record.`;

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, { setting: { type: 'string' }, metric: { type: 'string' }, golden: { type: 'boolean' }, floors: { type: 'string' }, ...OVERRIDE_OPTION }, HELP);
  if (values === null) return 0;
  const floorsFile = values.floors ?? FLOORS_PATH;
  const selection = select(METRICS, values.setting, values.metric);
  if (values.override && !values.setting) throw new UsageError(`--override needs --setting (the setting whose model manifest it overrides, e.g. locked-no4k)\n\n${HELP}`);
  const overrides = overrideItems(values.override, selection.settings, HELP);
  const failures: string[] = [];
  const n = await scoreSelected(selection, {
    updateFloor: false,
    overrides,
    golden: values.golden ?? false,
    onRecord: (rec) => {
      const floor = getFloor(rec.setting, rec.metric, floorsFile);
      const why = floorFailure(rec.setting, rec.metric, rec.heldOut.mean, floor);
      if (!why) return;
      const by = floor && Number.isFinite(rec.heldOut.mean) ? ` (${(floor.floor - rec.heldOut.mean).toFixed(4)} below)` : '';
      failures.push(`${rec.setting}/${rec.metric}${by}: ${why}`);
    },
  });
  if (n === 0) {
    console.error('longproxy score: nothing was scored (see the [skip] lines for why)');
    return EXIT.USER_ERROR;
  }
  for (const f of failures) console.error(`longproxy score: below floor: ${f}`);
  return failures.length ? EXIT.BELOW_FLOOR : EXIT.OK;
}
