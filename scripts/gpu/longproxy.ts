// The `longproxy` CLI where Node runs without tsx (the GPU machine, scripts/gpu/README.md):
//   node --import ./scripts/gpu/ts-register.mjs scripts/gpu/longproxy.ts <command> [options]
import { main } from '../../harness/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
