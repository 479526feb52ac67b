// Thin wrapper kept for the GPU scripts (which run TypeScript through scripts/gpu/ts-register.mjs, without tsx):
// `longproxy stats --setting ID --engine torch ...` (harness/fleet/). Same flags as that command, plus the old
// --device DEV (= --devices DEV).
//
//   node --import ./scripts/gpu/ts-register.mjs bench/gpu_fill_cache.ts --setting zoo --devices cuda:0,cuda:1
import { main } from '../harness/cli/main.ts';

const args = process.argv.slice(2).map((a) => (a === '--device' ? '--devices' : a));
process.exitCode = await main(['stats', ...(args.includes('--engine') ? [] : ['--engine', 'torch']), ...args]);
