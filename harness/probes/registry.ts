// Every probe, by id. A metric names the probes it reads in MetricDefinition.probes; the scoring suites and
// `longproxy stats --setting` compute those (harness/probes/load.ts). Add a probe: a file here exporting a Probe,
// one entry below, property tests in probes.test.ts.
import { UserError } from '../errors.ts';
import { repeatAtDistance } from './repeat-at-distance.ts';
import { retrievalGain } from './retrieval-gain.ts';
import type { Probe } from './types.ts';

export const PROBES: readonly Probe[] = [repeatAtDistance, retrievalGain];

export function getProbe(id: string): Probe {
  const p = PROBES.find((x) => x.id === id);
  if (!p) throw new UserError(`unknown probe "${id}"; known: ${PROBES.map((x) => x.id).join(', ')} (harness/probes/registry.ts)`);
  return p;
}
