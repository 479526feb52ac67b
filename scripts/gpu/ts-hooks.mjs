// Module hooks that run the repository's TypeScript with node alone, for machines whose node_modules has no tsx
// (and so no esbuild): each .ts file is transformed by the oxc transformer that Vitest's own toolchain (vite 8 /
// rolldown) already ships. Registered by ts-register.mjs:
//   node --import ./scripts/gpu/ts-register.mjs bench/gpu_fill_cache.ts --setting zoo ...
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'rolldown/experimental';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const out = transformSync(file, await readFile(file, 'utf8'), { lang: 'ts', sourcemap: false });
  if (out.errors.length) {
    throw new Error(`${file}: TypeScript transform failed: ${out.errors.map((e) => e.message).join('; ')}`);
  }
  return { format: url.endsWith('.cts') ? 'commonjs' : 'module', source: out.code, shortCircuit: true };
}
