// `longproxy floors`: show the recorded floors of the held-out Spearman, or (--update) re-measure and record them.
import { UserError } from '../../errors.ts';
import { parseFlags } from '../flags.ts';
import { FLOORS_PATH, FLOOR_MARGIN, readFloors } from '../../scoring/floors.ts';
import { scoreSelected, select } from '../../scoring/run-selected.ts';
// The CLI is the edge where the library meets the metric registry (harness/imports.test.ts).
import { METRICS } from '../../../metrics/registry.ts';

export const description = 'show recorded held-out Spearman floors, or --update them from measured values';

const HELP = `usage: longproxy floors [--update] [--setting ID] [--metric ID]

  Without --update: prints ${FLOORS_PATH}.
  --update   scores the selected metrics on the selected settings and records each floor as the measured held-out
             mean Spearman minus ${FLOOR_MARGIN} (rounded down to 4 decimals). The only way floors change; the
             scoring suites do the same when run with LONGPROXY_UPDATE_FLOORS=1.

  Exit status: 0 done; 1 bad input or nothing scored; 2 usage.`;

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, { update: { type: 'boolean' }, setting: { type: 'string' }, metric: { type: 'string' } }, HELP);
  if (values === null) return 0;
  if (!values.update) {
    const { floors } = readFloors();
    const keys = Object.keys(floors).sort();
    if (keys.length === 0) console.log(`no floors recorded in ${FLOORS_PATH}`);
    for (const k of keys) console.log(`${k.padEnd(40)} floor ${floors[k].floor.toFixed(4)}  measured ${floors[k].measured.toFixed(4)}  at ${floors[k].codeRevision}`);
    return 0;
  }
  const n = await scoreSelected(select(METRICS, values.setting, values.metric), { updateFloor: true, golden: false });
  if (n === 0) throw new UserError('nothing was scored, so no floor was recorded (see the [skip] lines for why)');
  return 0;
}
