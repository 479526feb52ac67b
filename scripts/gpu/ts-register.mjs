// node --import ./scripts/gpu/ts-register.mjs FILE.ts: TypeScript without tsx (see ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
