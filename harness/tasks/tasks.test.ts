import { describe, expect, it } from 'vitest';
import { generateItems, itemId } from './items.ts';
import { tokenizeDocuments, splitSentences } from './haystack.ts';
import { greedyItem, scoreItem } from './score.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { TASK_IDS, type TaskConfig, type TaskItem } from './types.ts';
import { charTokenizer, InductionModel, standinTaskConfig, STANDIN_HAYSTACK } from './testing/standins.ts';

const CONFIG: TaskConfig = standinTaskConfig({ seed: 7, lengths: [700, 1400], depths: [0.1, 0.5, 0.9] });

const docs = tokenizeDocuments(STANDIN_HAYSTACK, charTokenizer);
const items = generateItems(CONFIG, charTokenizer, docs);
const text = (ids: ArrayLike<number>): string => charTokenizer.decode(ids);

describe('prng', () => {
  it('gives a pinned sequence for a seed (items must not change with the platform)', () => {
    const r = new Rng(12345);
    expect([r.int(1000), r.int(1000), r.int(1000)]).toEqual([979, 306, 484]);
    expect(deriveSeed(7, 'a')).not.toBe(deriveSeed(7, 'b'));
    expect(deriveSeed(7, 'a')).toBe(deriveSeed(7, 'a'));
  });
});

describe('item generation', () => {
  it('makes every task x length x depth cell, each exactly its length, answer at the end', () => {
    expect(items.length).toBe(TASK_IDS.length * 2 * 3);
    for (const item of items) {
      expect(item.ids.length).toBe(item.length);
      expect(item.spans.at(-1)!.end).toBe(item.length);
      for (let i = 1; i < item.spans.length; i++) expect(item.spans[i].start).toBeGreaterThanOrEqual(item.spans[i - 1].end);
    }
  });

  it('is deterministic, and an item does not depend on the rest of the grid', () => {
    const again = generateItems(CONFIG, charTokenizer, docs);
    expect(again.map((i) => Buffer.from(i.ids.buffer).toString('hex'))).toEqual(
      items.map((i) => Buffer.from(i.ids.buffer).toString('hex')),
    );
    const one = generateItems(CONFIG, charTokenizer, docs, (t, l, d) => t === 'kv_retrieval' && l === 1400 && d === 0.5);
    expect(one).toHaveLength(1);
    expect(one[0].ids).toEqual(items.find((i) => i.id === itemId('kv_retrieval', 1400, 0.5, 0))!.ids);
    const otherSeed = generateItems({ ...CONFIG, seed: 8 }, charTokenizer, docs, (t) => t === 'niah_single');
    expect(text(otherSeed[0].ids)).not.toBe(text(items[0].ids));
  });

  it('writes the tasks as described (spot checks of the text)', () => {
    const get = (task: string, length = 1400, depth = 0.5): TaskItem => items.find((i) => i.id === `${task}/L${length}/d${depth.toFixed(2)}/i0`)!;
    const answers = (item: TaskItem): string[] => item.spans.map((s) => text(item.ids.subarray(s.start, s.end)));
    const single = get('niah_single');
    expect(text(single.ids)).toMatch(/The special magic number for [a-z]+-[a-z]+ is \d{5}\./);
    expect(answers(single)[0]).toMatch(/^ \d{5}$/);
    expect(answers(get('niah_multivalue'))).toHaveLength(2);
    const vt = get('variable_tracking');
    expect(answers(vt)).toHaveLength(3);
    expect(answers(vt)[2]).toMatch(/^ \d{5}$/);
    expect(text(vt.ids.subarray(vt.spans[0].start - 200))).toMatch(/What value does VAR [A-Z]{5} hold\?/);
    expect(answers(get('kv_retrieval'))[0]).toMatch(/^[0-9a-f]{6}$/);
    const qa = get('doc_qa');
    expect(answers(qa)[0]).toMatch(/\d/);
    expect(answers(qa)[0]).not.toMatch(/^ ?(19|20)\d\d$/);
  });

  it('places the fact at the requested depth (to the nearest sentence boundary)', () => {
    for (const item of items.filter((i) => i.task === 'niah_single' && i.length === 1400)) {
      const t = text(item.ids);
      const start = t.indexOf('\n') + 1; // after the header line
      const needle = t.indexOf(' The special magic number');
      const needleLength = t.indexOf('.', needle) + 1 - needle;
      const question = t.indexOf('\n\nQuestion:');
      // Stand-in sentences are long (up to ~190 characters): the snap is at most half of one.
      expect(Math.abs((needle - start) / (question - start - needleLength) - item.depth)).toBeLessThan(0.1);
    }
  });

  it('splits prose into sentences at sentence ends only', () => {
    expect(splitSentences('It cost $4.6 billion. Officials agreed.  "Yes," he said. 9 offices')).toEqual([
      'It cost $4.6 billion.',
      'Officials agreed.',
      '"Yes," he said.',
      '9 offices',
    ]);
  });
});

describe('teacher-forced scoring', () => {
  it('an ideal copier with unlimited context answers every item: each answer is determined by the context', async () => {
    const model = new InductionModel();
    for (const item of items) expect((await scoreItem(model, item)).correct, item.id).toBe(true);
  });

  it('a copier that sees only the last 300 tokens fails facts far back, and teacher forcing equals greedy decoding', async () => {
    const model = new InductionModel(300);
    let correct = 0;
    for (const item of items) {
      const tf = await scoreItem(model, item);
      const greedy = await greedyItem(model, item);
      expect(tf.correct, item.id).toBe(greedy.correct);
      expect(tf.spansCorrect, item.id).toBe(greedy.spansCorrect);
      if (tf.correct) correct++;
    }
    expect(correct).toBeGreaterThan(0);
    expect(correct).toBeLessThan(items.length);
    const farNeedle = items.find((i) => i.id === 'niah_single/L1400/d0.10/i0')!;
    expect((await scoreItem(model, farNeedle)).correct).toBe(false);
  });

  it('reads the flags of every answer span, one forward per item', async () => {
    const model = new InductionModel();
    const item = items.find((i) => i.task === 'niah_multivalue')!;
    // Corrupt the second value: the first span still matches, the item does not.
    const broken: TaskItem = { ...item, ids: item.ids.slice() };
    broken.ids[item.spans[1].start + 1] = 'x'.charCodeAt(0);
    const before = model.forwards;
    const r = await scoreItem(model, broken);
    expect(model.forwards - before).toBe(1);
    expect(r.correct).toBe(false);
    expect(r.tokensCorrect).toBeGreaterThanOrEqual(item.spans[0].end - item.spans[0].start);
    expect(r.tokensCorrect).toBeLessThan(r.tokensTotal);
    expect(r.spansCorrect).toBe(1);
    expect(r.score).toBe(0.5);
  });
});

describe('inputs longer than the model declares', () => {
  it('are cut in the middle, keeping the answers and the question', async () => {
    const item = items.find((i) => i.id === 'niah_single/L1400/d0.10/i0')!;
    const full = new InductionModel();
    const short = Object.assign(new InductionModel(), { maxPositions: 400 });
    const { modelInput } = await import('./score.ts');
    const cut = modelInput(short, item.ids, item.spans[0].start);
    expect(cut.ids.length).toBe(400);
    expect(text(cut.ids.subarray(0, 200))).toBe(text(item.ids.subarray(0, 200)));
    expect(text(cut.ids.subarray(200))).toBe(text(item.ids.subarray(item.length - 200)));
    expect(cut.offset).toBe(400 - 1400);
    // The needle at depth 0.1 lies in the cut middle: the short model fails, teacher forcing and greedy agree.
    expect((await scoreItem(full, item)).correct).toBe(true);
    expect((await scoreItem(short, item)).correct).toBe(false);
    expect((await greedyItem(short, item)).correct).toBe(false);
    const bos = modelInput({ bosTokenId: 1, maxPositions: 400 }, item.ids, item.spans[0].start);
    expect(bos.ids[0]).toBe(1);
    expect(bos.ids.length).toBe(400);
    expect(bos.ids.at(-1)).toBe(item.ids.at(-1));
  });
});

describe('doc_qa ranking (reciprocal rank of the gold figure among candidates)', () => {
  const qa = items.filter((i) => i.task === 'doc_qa');
  const lastSpan = (i: TaskItem): Int32Array => i.ids.subarray(i.spans.at(-1)!.start, i.spans.at(-1)!.end);

  it('gives every doc_qa item qaCandidates - 1 distinct other figures, and no other task any', () => {
    expect(qa.length).toBeGreaterThan(0);
    for (const item of items.filter((i) => i.task !== 'doc_qa')) expect(item.candidates).toBeUndefined();
    for (const item of qa) {
      const gold = text(lastSpan(item));
      const cands = item.candidates!.map(text);
      expect(cands).toHaveLength(CONFIG.qaCandidates - 1);
      expect(new Set(cands).size).toBe(cands.length);
      expect(cands).not.toContain(gold);
      for (const c of cands) expect(c).toMatch(/\d/);
    }
  });

  it('ranks the gold figure first for a model that copies it, one forward per candidate', async () => {
    const model = new InductionModel();
    for (const item of qa) {
      const before = model.forwards;
      const r = await scoreItem(model, item);
      expect(model.forwards - before).toBe(CONFIG.qaCandidates);
      if (r.correct) {
        expect(r.rank, item.id).toBe(1);
        expect(r.score).toBe(1);
      }
      expect(r.score).toBe(1 / r.rank!);
    }
    expect((await Promise.all(qa.map((i) => scoreItem(model, i)))).some((r) => r.rank === 1)).toBe(true);
  });

  it('puts the gold figure last when the model scores every answer alike (ties rank above the gold one)', async () => {
    // A window of 2 tokens cannot see the quoted sentence: every figure token is a miss for every candidate.
    const blind = new InductionModel(2);
    let checked = 0;
    for (const item of qa) {
      const r = await scoreItem(blind, item);
      const sameLength = item.candidates!.every((c) => c.length === lastSpan(item).length);
      if (!r.correct && sameLength) {
        expect(r.rank, item.id).toBe(CONFIG.qaCandidates);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
