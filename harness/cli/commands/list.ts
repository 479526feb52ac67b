// `longproxy list metrics|settings|engines`: what is registered, one line each, without loading a model.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '../../../metrics/registry.ts';
import { listSettings } from '../../contract/settings/index.ts';
import { ENGINE_IDS, ENGINES } from '../../engine/index.ts';
import { REPO_ROOT } from '../../util/paths.ts';
import { UsageError } from '../exit-codes.ts';

export const description = 'list the registered metrics, settings or engines';

const KINDS = ['metrics', 'settings', 'engines'] as const;
const HELP = `usage: longproxy list ${KINDS.join('|')}

  metrics    id, direction (higher or lower is better) and description of every metric of metrics/registry.ts
  settings   id, model count, engine, downstream file (and whether it is present) of every registered setting
  engines    id, version and device options of the engines that compute token statistics

  Exit status: 0 listed; 2 usage (no or an unknown kind).`;


export async function run(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    console.log(HELP);
    return 0;
  }
  const kind = args[0] as (typeof KINDS)[number];
  if (args.length !== 1 || !KINDS.includes(kind)) {
    throw new UsageError(`${args.length ? `unknown list "${args.join(' ')}"` : 'nothing to list'}; give one of ${KINDS.join(', ')}\n${HELP}`);
  }
  if (kind === 'metrics') {
    const w = Math.max(...METRICS.map((m) => m.id.length));
    for (const m of METRICS) console.log(`${m.id.padEnd(w)}  ${String(m.direction).padEnd(16)}  ${m.description}`);
  } else if (kind === 'settings') {
    const settings = [...listSettings()];
    const w = Math.max(...settings.map((s) => s.id.length));
    for (const s of settings) {
      const present = existsSync(path.join(REPO_ROOT, s.downstreamPath)) ? 'present' : 'absent';
      console.log(`${s.id.padEnd(w)}  ${String(s.models.length).padStart(3)} models  engine ${s.engine.padEnd(5)}  downstream ${s.downstreamPath} (${present})  ${s.description}`);
    }
  } else {
    for (const id of ENGINE_IDS) console.log(`${id.padEnd(5)}  version ${ENGINES[id].version}  ${ENGINES[id].description}`);
  }
  return 0;
}
