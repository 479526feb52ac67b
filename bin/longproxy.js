#!/usr/bin/env node
// Entry point of the `longproxy` CLI: registers tsx so the TypeScript sources run without a build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
