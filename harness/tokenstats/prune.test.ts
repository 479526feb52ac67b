// pruneCache: removes exactly the entries no current-format record refers to (a format-1 entry, a replaced
// model's entry, a stray cost file), keeps every referenced one byte for byte, and refuses when it cannot know.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCorpus } from '../contract/corpus.ts';
import { buildDoc } from '../scoring/testing/arbitraries.ts';
import { entryKey, entryPath, readCachedCorpusStats, recordComplete, storeEntry } from './cache.ts';
import { pruneCache } from './prune.ts';
import type { StatsSpec } from './types.ts';

const spec: StatsSpec = { contextLength: 64, stride: 32, maxTokens: 0, shortWindows: [{ size: 8, step: 4 }, { size: 16, step: 4 }], addBos: false };
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lp-prune-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const cost = { engine: 'stub', device: 'cpu', tokensProcessed: 3, wallSeconds: 0.1 };
const ident = { modelId: 'stub/a', fingerprint: 'f1', engineId: 'stub', engineVersion: '1' };

function fill(): { cacheDir: string; keys: string[] } {
  writeFileSync(path.join(root, 'corpus.json'), JSON.stringify([{ id: 'd1', text: 'abc' }, { id: 'd2', text: 'defg' }]));
  const corpus = loadCorpus(path.join(root, 'corpus.json'));
  const cacheDir = path.join(root, 'cache');
  const keys = corpus.documents.map((doc) => {
    const key = entryKey({ fingerprint: 'f1', engineId: 'stub', engineVersion: '1', corpusSha256: corpus.sha256, doc, spec });
    const toks = [...doc.text].map(() => ({ bytes: 1, long: -1, shorts: [-2, -3], entropy: 1, top1: 1 }));
    storeEntry(cacheDir, key, { stats: buildDoc(doc.id, toks, 1, spec.shortWindows), cost });
    return key;
  });
  recordComplete(cacheDir, ident, { ...corpus, path: 'corpus.json' }, spec);
  return { cacheDir, keys };
}

const bins = (cacheDir: string): string[] =>
  readdirSync(path.join(cacheDir, 'entries'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.bin') || f.endsWith('.json')).map((f) => path.basename(f)).sort();

describe('pruneCache', () => {
  it('removes unreferenced entries and stray cost files, keeps the referenced ones byte for byte', () => {
    const { cacheDir, keys } = fill();
    const before = keys.map((k) => readFileSync(entryPath(cacheDir, k)));
    // a format-1 entry of the same document (its key had "lpts1"), a replaced model's entry, a stray cost file
    for (const stale of ['0a'.repeat(32), 'ff'.repeat(32)]) {
      mkdirSync(path.dirname(entryPath(cacheDir, stale)), { recursive: true });
      writeFileSync(entryPath(cacheDir, stale), 'LPTS1\n...');
      writeFileSync(`${entryPath(cacheDir, stale).slice(0, -4)}.cost.json`, '{}');
    }
    writeFileSync(path.join(cacheDir, 'entries', '0a', `${'0b'.repeat(32)}.cost.json`), '{}'); // no entry beside it
    const r = pruneCache(cacheDir, root);
    expect(r).toMatchObject({ kept: 2, removed: 2 });
    expect(r.bytes).toBeGreaterThan(0);
    expect(bins(cacheDir)).toEqual(keys.flatMap((k) => [`${k}.bin`, `${k}.cost.json`]).sort());
    expect(keys.map((k) => readFileSync(entryPath(cacheDir, k)))).toEqual(before);
    expect(existsSync(path.join(cacheDir, 'entries', 'ff'))).toBe(false); // emptied folder removed
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(readCachedCorpusStats({ modelId: 'stub/a', corpus: { ...loadCorpus('corpus.json'), path: 'corpus.json' }, spec, cacheDir })?.docs).toHaveLength(2);
    } finally {
      process.chdir(cwd);
    }
    expect(pruneCache(cacheDir, root)).toEqual({ kept: 2, removed: 0, bytes: 0 }); // idempotent
  });

  it('treats the entries of a format-1 record as unreferenced', () => {
    const { cacheDir } = fill();
    const file = path.join(cacheDir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    delete m.models['stub/a'].entryFormat;
    writeFileSync(file, JSON.stringify(m));
    expect(pruneCache(cacheDir, root)).toMatchObject({ kept: 0, removed: 2 });
  });

  it('refuses, removing nothing, when a recorded corpus is missing or changed, or shards are unfolded', () => {
    const { cacheDir } = fill();
    const n = bins(cacheDir).length;
    writeFileSync(path.join(root, 'corpus.json'), JSON.stringify([{ id: 'd1', text: 'changed' }, { id: 'd2', text: 'defg' }]));
    expect(() => pruneCache(cacheDir, root)).toThrow(/records corpus corpus.json with another sha256.*nothing pruned/);
    rmSync(path.join(root, 'corpus.json'));
    expect(() => pruneCache(cacheDir, root)).toThrow(/not found at .*nothing pruned/);
    mkdirSync(path.join(cacheDir, 'manifest.d'));
    writeFileSync(path.join(cacheDir, 'manifest.d', 'shard-0-of-2.json'), '{}');
    expect(() => pruneCache(cacheDir, root)).toThrow(/shard manifests are not folded.*nothing pruned/);
    expect(bins(cacheDir)).toHaveLength(n);
  });
});
