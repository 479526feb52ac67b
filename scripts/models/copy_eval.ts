// Long-range copying on the zoo (CPU, ONNX engine): a 48-token passage of held-out GovReport text is planted at
// depth d of a haystack of L tokens; at the end the passage's first 24 tokens are repeated and the model must
// continue it: score = share of the next 24 tokens that are the arg-max (teacher-forced), and exact match of
// the first 8. Induction-style copying at a distance is the long-context ability tiny models do learn; models
// trained on short contexts lose it beyond their length. Items are the same for every model (shared tokenizer).
//   npx tsx scripts/models/copy_eval.ts [--models zoo/a,zoo/b] [--root DIR] [--out fixtures/zoo/copy_eval.json]
// --root: a folder holding fixtures/zoo/ and data/zoo_haystack.json (default: this repository).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onnxEngine } from '../../harness/engine/onnx.ts';
import { readZooModels } from '../../harness/contract/settings/zoo.ts';
import { writeFileAtomic } from '../../harness/util/atomic.ts';
import { REPO_ROOT as ROOT } from '../../harness/util/paths.ts';

const LENGTHS = [512, 1024, 2048, 4096];
const DEPTHS = [0.1, 0.3, 0.5, 0.7, 0.9];
const PASSAGE = 48;
const PROMPT = 24;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const BASE = path.resolve(arg('root') ?? ROOT);
const models = readZooModels(path.join(BASE, 'fixtures/zoo/models.json'));
const wanted = arg('models')?.split(',');
const chosen = wanted ? models.filter((m) => wanted.includes(m.id)) : models;
const haystack = JSON.parse(readFileSync(path.join(BASE, 'data/zoo_haystack.json'), 'utf8')) as { id: string; text: string }[];

/** Items in token ids: haystack tokens from documents 1.., passages from document 0 (never in the haystack). */
function items(tokenize: (t: string) => Int32Array): { length: number; depth: number; ids: Int32Array; scoreFrom: number }[] {
  const hay = Int32Array.from(haystack.slice(1).flatMap((d) => Array.from(tokenize(d.text))));
  const source = tokenize(haystack[0].text);
  const sep = tokenize('\n\n');
  const out = [];
  let k = 0;
  for (const length of LENGTHS) {
    for (const depth of DEPTHS) {
      const p = source.subarray(200 + k * 97, 200 + k * 97 + PASSAGE);
      const fill = length - PASSAGE - sep.length - PASSAGE;
      const start = (k * 7919) % (hay.length - fill);
      const h = hay.subarray(start, start + fill);
      const cut = Math.round(depth * fill);
      const ids = Int32Array.from([...h.subarray(0, cut), ...p, ...h.subarray(cut), ...sep, ...p]);
      out.push({ length, depth, ids, scoreFrom: ids.length - (PASSAGE - PROMPT) });
      k++;
    }
  }
  return out;
}

const results: Record<string, Record<string, { token_accuracy: number; exact8: number }>> = {};
for (const m of chosen) {
  const model = await onnxEngine.load({ id: m.id, dir: path.join(BASE, m.dir) });
  const its = items((t) => model.tokenize(t).ids);
  const per: Record<string, { token_accuracy: number; exact8: number }> = {};
  for (const length of LENGTHS) {
    let acc = 0;
    let exact = 0;
    const cell = its.filter((x) => x.length === length);
    for (const it of cell) {
      const r = await model.forward(it.ids, it.scoreFrom);
      acc += r.top1.reduce((s, x) => s + x, 0) / r.top1.length;
      exact += r.top1.subarray(0, 8).every((x) => x === 1) ? 1 : 0;
    }
    per[String(length)] = { token_accuracy: +(acc / cell.length).toFixed(3), exact8: exact / cell.length };
  }
  results[m.id] = per;
  await model.dispose();
  console.log(m.id.padEnd(20), LENGTHS.map((l) => `${l}: ${per[l].token_accuracy.toFixed(2)}/${per[l].exact8.toFixed(1)}`).join('  '));
}
const out = arg('out');
if (out) {
  writeFileAtomic(out, JSON.stringify({ task: 'copy a 48-token passage planted at depths 0.1..0.9; continue after its first 24 tokens', lengths: LENGTHS, depths: DEPTHS, results }, null, 1) + '\n');
}
