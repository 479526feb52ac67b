// Properties of induction-keys and its text-defined key spans: which words are key (by hand), the same key bytes
// and the same score whatever the tokenization, a model that copies perfectly scores best, a clear error without
// the text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inductionKeyBytes, utf8 } from '../../harness/scoring/text-math.ts';
import { buildDoc, fillerText, statsArb, wrapStats, type RawToken } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import inductionKeys from './induction-keys.ts';

describeMetricContract(inductionKeys);

const keyed = (text: string, n: number, d: number): string => {
  const bytes = utf8(text);
  const mask = inductionKeyBytes(bytes, n, d);
  return Array.from(bytes, (b, i) => (mask[i] ? String.fromCharCode(b) : '.')).join('');
};

describe('induction-keys: key spans', () => {
  it('marks the word completing an n-gram whose last occurrence is far enough back, and nothing else', () => {
    const text = 'the red fox ran far the red fox sat';
    //            0         1         2         3
    // "the red fox" recurs 20 bytes after its first completion: "fox" (bytes 28..31) is key at n = 3
    expect(keyed(text, 3, 20)).toBe(`${'.'.repeat(28)}fox....`);
    expect(keyed(text, 3, 21)).toBe('.'.repeat(text.length)); // too near
    // n = 4: "the red fox sat" never occurred before; n = 2 also marks "red" (its bigram "the red" recurs)
    expect(keyed(text, 4, 1)).toBe('.'.repeat(text.length));
    expect(keyed(text, 2, 1)).toBe(`${'.'.repeat(24)}red.fox....`);
  });

  it('uses the most recent earlier occurrence: a copy nearby makes a far one not key', () => {
    const text = 'a b c x a b c y a b c'; // each "a b c" completes 8 bytes after the previous one
    expect(keyed(text, 3, 8)).toBe(`${'.'.repeat(12)}c${'.'.repeat(7)}c`);
    expect(keyed(text, 3, 9)).toBe('.'.repeat(text.length));
    // "p q r" at bytes 0, 46 and 54: the second is 46 back from its last occurrence (key at 30), the third only 8
    const far = `p q r ${'z '.repeat(20)}p q r s p q r`;
    expect(keyed(far, 3, 30).replaceAll('.', '')).toBe('r');
    expect(keyed(far, 3, 30).indexOf('r')).toBe(50);
  });

  it('depends on the text only: words are byte runs, multi-byte characters included', () => {
    const text = 'Écoles café — x Écoles café — y';
    const bytes = utf8(text);
    const second = Buffer.from(bytes).lastIndexOf(Buffer.from('—')); // completes "Écoles café —" again
    const mask = inductionKeyBytes(bytes, 3, 1);
    expect(Array.from(mask).flatMap((m, i) => (m ? [i] : []))).toEqual([second, second + 1, second + 2]);
  });
});

/** A text whose phrase recurs 3000 bytes later, and one-byte-per-char tokens cut at `cuts` (sorted byte offsets). */
function tokenize(text: string, cuts: number[]): { start: number; end: number }[] {
  const len = utf8(text).length;
  const bounds = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < len).sort((a, b) => a - b), len];
  return bounds.slice(0, -1).map((s, i) => ({ start: s, end: bounds[i + 1] }));
}

const phrase = 'the committee reviewed the budget request';
const TEXT = `${phrase} ${fillerText(3000)} ${phrase}`;

function statsFor(text: string, cuts: number[], costPerByte: (byte: number) => number, top1: (byte: number) => number = () => 0) {
  const toks: RawToken[] = tokenize(text, cuts).map(({ start, end }) => {
    let lp = 0;
    for (let b = start; b < end; b++) lp -= costPerByte(b);
    return { bytes: end - start, long: lp, shorts: [lp - 1, lp - 1], entropy: 1, top1: top1(start) };
  });
  return wrapStats([buildDoc('d', toks, 1, undefined, text)]);
}

describe('induction-keys: properties', () => {
  const cutsArb = fc.array(fc.integer({ min: 1, max: utf8(TEXT).length - 1 }), { minLength: 50, maxLength: 1500 });

  it('scores the same key bytes whatever the tokenization: -bpb is that of the per-byte cost', () => {
    const keyBytes = inductionKeyBytes(utf8(TEXT), 3, 1024);
    expect(keyBytes.reduce((a, b) => a + b, 0)).toBeGreaterThan(10); // the repeated phrase's completions
    fc.assert(
      fc.property(cutsArb, fc.double({ min: 0.1, max: 3, noNaN: true }), (cuts, c) => {
        // each byte costs c nats wherever the tokenizer cuts: -bpb on key bytes is -c / ln 2 for every tokenization
        const s = statsFor(TEXT, cuts, () => c);
        const v = inductionKeys.compute(s, { n: 3, distance: 1024, quantity: 'neg-bpb', shortWindow: 'smallest' });
        return Math.abs(v + c / Math.LN2) < 1e-4 * Math.max(1, c);
      }),
      { seed: 80, numRuns: 40 },
    );
  });

  it('a model that copies perfectly on the key bytes scores best on every quantity', () => {
    const mask = inductionKeyBytes(utf8(TEXT), 3, 1024);
    fc.assert(
      fc.property(cutsArb, (cuts) => {
        const toks = tokenize(TEXT, cuts);
        const onKey = (b: number) => toks.some((t) => t.start <= b && b < t.end && mask.subarray(t.start, t.end).includes(1));
        const copier = statsFor(TEXT, cuts, (b) => (onKey(b) ? 0 : 1), () => 1);
        const other = statsFor(TEXT, cuts, () => 0.5, (b) => b % 2);
        const hp = { n: 3, distance: 1024, shortWindow: 'smallest' as const };
        return (['neg-bpb', 'top1'] as const).every((quantity) => inductionKeys.compute(copier, { ...hp, quantity }) >= inductionKeys.compute(other, { ...hp, quantity }))
          && inductionKeys.compute(copier, { ...hp, quantity: 'neg-bpb' }) === 0
          && inductionKeys.compute(copier, { ...hp, quantity: 'top1' }) === 1;
      }),
      { seed: 81, numRuns: 20 },
    );
  });

  it('is NaN when the text has no key word, at every grid point', () => {
    const s = statsFor(fillerText(4000), [], () => 1);
    for (const hp of inductionKeys.gridPoints()) expect(inductionKeys.compute(s, hp)).toBeNaN();
  });

  it('names the missing text instead of scoring without it', () => {
    const s = statsFor(TEXT, [100, 200], () => 1);
    const bare = { ...s, docs: s.docs.map((d) => ({ ...d, text: undefined })) };
    expect(() => inductionKeys.compute(bare, inductionKeys.defaults)).toThrow(/document d: its text is not attached/);
  });

  it('gives NaN on the shared arbitraries (their filler text repeats only nearby)', () => {
    fc.assert(fc.property(statsArb, (s) => Number.isNaN(inductionKeys.compute(s, inductionKeys.defaults))), { seed: 82, numRuns: 20 });
  });
});
