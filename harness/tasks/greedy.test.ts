// Teacher-forced exact match equals greedy decoding on a real model: for a few items of every task, the item is
// correct by the top-1 flags of one forward iff generateGreedy reproduces every answer span, and the first answer
// token's flag says whether greedy decoding's first token is right.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSetting } from '../contract/settings/index.ts';
import { ZOO_TASK_CONFIG } from './config.ts';
import { loadHaystack, tokenizeDocuments } from './haystack.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { generateItems } from './items.ts';
import { greedyItem, modelInput, scoreItem } from './score.ts';
import { downstreamSpec, loadEngine } from './settings.ts';

const zoo = getSetting('zoo');
const spec = downstreamSpec('zoo');
// The strongest zoo model (by the locked downstream file, when it exists) gets some answers right and some wrong:
// both sides of the equivalence are exercised.
const downstreamFile = path.join(REPO_ROOT, zoo.downstreamPath);
const overall: Record<string, number> = existsSync(downstreamFile)
  ? Object.fromEntries(
      Object.entries(JSON.parse(readFileSync(downstreamFile, 'utf8')) as Record<string, { overall: number }>).map(
        ([id, v]) => [id, v.overall],
      ),
    )
  : {};
const ranked = [...zoo.models].sort((a, b) => (overall[b] ?? -1) - (overall[a] ?? -1));
const strongest = ranked.length > 0 && (overall[ranked[0]] ?? 0) > 0.3 ? ranked[0] : undefined;
const candidates = [
  ...ranked.map((id) => zoo.modelDirs?.[id] ?? id),
  'fixtures/models/tiny-qwen2',
].filter((d) => existsSync(path.join(REPO_ROOT, d, 'onnx', 'model.onnx')));
const haystackFile = path.join(REPO_ROOT, spec.haystackPath);
const ready = candidates.length > 0 && existsSync(haystackFile);

describe.skipIf(!ready)(
  `teacher forcing vs greedy decoding${ready ? '' : ` (skipped: needs a zoo or fixture ONNX model and ${spec.haystackPath})`}`,
  () => {
    it('agree item by item on a real model', async () => {
      const engine = await loadEngine('onnx');
      const model = await engine.load({ id: 'greedy-check', dir: path.join(REPO_ROOT, candidates[0]) });
      try {
        const docs = tokenizeDocuments(loadHaystack(haystackFile).documents, model);
        const config = { ...ZOO_TASK_CONFIG, lengths: [4096], depths: [0.3, 0.9], itemsPerCell: 1 };
        const items = generateItems(config, model, docs);
        let agreeCorrect = 0;
        for (const item of items) {
          const tf = await scoreItem(model, item);
          const greedy = await greedyItem(model, item);
          expect(tf.correct, item.id).toBe(greedy.correct);
          expect(tf.spansCorrect, item.id).toBe(greedy.spansCorrect);
          if (tf.correct) agreeCorrect++;
          // Finer: the first answer token's top-1 flag against the first greedy token.
          const { ids, offset } = modelInput(model, item.ids, item.spans[0].start);
          const first = item.spans[0].start;
          const fwd = await model.forward(ids, offset + first);
          expect(fwd.top1[0] === 1, item.id).toBe(greedy.generated[0][0] === item.ids[first]);
        }
        expect(items.length).toBe(config.tasks.length * 2);
        if (strongest !== undefined && candidates[0] === (zoo.modelDirs?.[strongest] ?? strongest)) {
          // a model that retrieves: both right and wrong items were compared
          expect(agreeCorrect).toBeGreaterThan(0);
          expect(agreeCorrect).toBeLessThan(items.length);
        }
        console.log(`teacher forcing = greedy on ${items.length} items (${agreeCorrect} correct) of ${candidates[0]}`);
      } finally {
        await model.dispose();
      }
    });
  },
);
