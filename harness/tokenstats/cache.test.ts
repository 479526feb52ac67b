// Cache behaviour with a deterministic arithmetic stand-in model (no weights): entries, resume, corruption, cost,
// reading without the model. The real-process kill-and-resume test is in harness/cli/commands/stats.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { sha256Bytes } from '../util/hash.ts';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProxyCorpus } from '../contract/types.ts';
import type { ForwardResult, LanguageModel, PlannedForward, PlanOutputs, TokenizedText } from '../engine/types.ts';
import { getCorpusStats, readCachedCorpusStats } from './cache.ts';
import { decodeEntry, encodeEntry, ENTRY_FORMAT } from './entry.ts';
import type { StatsSpec } from './types.ts';

/** One token per byte; log-prob of token i given a context of c tokens = -(1 + ids[i] % 7) / (1 + c). */
class ArithmeticModel implements LanguageModel {
  readonly engine = 'stub';
  readonly device = 'cpu';
  readonly maxPositions = 64;
  readonly bosTokenId = null;
  readonly eosTokenId = null;
  readonly fingerprint = 'unused';
  forwards = 0;
  constructor(readonly ref = { id: 'stub/arith', dir: '' }) {}
  tokenize(text: string): TokenizedText {
    const bytes = Buffer.from(text, 'utf8');
    return { ids: Int32Array.from(bytes), byteStart: Int32Array.from(bytes, (_, i) => i), byteEnd: Int32Array.from(bytes, (_, i) => i + 1) };
  }
  decode(ids: ArrayLike<number>): string {
    return Buffer.from(Array.from(ids)).toString('utf8');
  }
  async forward(ids: Int32Array, scoreFrom: number): Promise<ForwardResult> {
    const n = ids.length - scoreFrom;
    const r = { logprob: new Float32Array(n), entropy: new Float32Array(n), top1: new Uint8Array(n) };
    for (let i = scoreFrom; i < ids.length; i++) {
      r.logprob[i - scoreFrom] = -(1 + (ids[i] % 7)) / (1 + i);
      r.entropy[i - scoreFrom] = 1 / (1 + i);
      r.top1[i - scoreFrom] = ids[i] % 2;
    }
    return r;
  }
  async runPlan(ids: Int32Array, plan: readonly PlannedForward[]): Promise<PlanOutputs> {
    const n = ids.length;
    const out: PlanOutputs = { logprob: {}, entropy: new Float32Array(n).fill(NaN), top1: new Uint8Array(n), entropyShort: {}, top1Short: {}, tokensProcessed: 0 };
    for (const f of plan) {
      this.forwards++;
      const field = (out.logprob[f.field] ??= new Float32Array(n).fill(NaN));
      const long = f.field === 'long';
      const ent = long ? out.entropy : (out.entropyShort[f.field] ??= new Float32Array(n).fill(NaN));
      const top = long ? out.top1 : (out.top1Short[f.field] ??= new Uint8Array(n));
      const r = await this.forward(ids.subarray(f.start, f.end), f.scoreFrom - f.start);
      out.tokensProcessed += f.end - f.start;
      r.logprob.forEach((v, k) => (field[f.scoreFrom + k] = v));
      r.entropy.forEach((v, k) => ((ent[f.scoreFrom + k] = v), (top[f.scoreFrom + k] = r.top1[k])));
    }
    return out;
  }
  async generateGreedy(): Promise<Int32Array> {
    return new Int32Array(0);
  }
  async dispose(): Promise<void> {}
}

const spec: StatsSpec = { contextLength: 32, stride: 8, maxTokens: 0, shortWindows: [{ size: 8, step: 4 }], addBos: false };
const corpus: ProxyCorpus = {
  path: 'corpus.json',
  sha256: 'c0ffee',
  documents: [
    { id: 'a', text: 'The agency reviewed forty programs in 2019.' },
    { id: 'b', text: 'Écoles, café — non-ASCII bytes and a long enough tail to need sliding windows: '.repeat(2) },
    { id: 'c', text: 'x' },
  ],
};

let dir: string;
let modelDir: string;
let warnings: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lp-cache-'));
  modelDir = path.join(dir, 'model');
  mkdirSync(modelDir);
  writeFileSync(path.join(modelDir, 'config.json'), '{"max_position_embeddings": 64}');
  warnings = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    warnings.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function options(model: ArithmeticModel, loads: { n: number }) {
  return {
    model: async () => {
      loads.n++;
      return model;
    },
    modelId: 'stub/arith',
    modelDir,
    corpus,
    spec,
    cacheDir: path.join(dir, 'cache'),
    engineId: 'stub',
    engineVersion: '1',
  };
}

const entryFiles = (cacheDir: string): string[] =>
  readdirSync(path.join(cacheDir, 'entries'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.bin')).sort();

describe('token-statistics cache', () => {
  it('computes once, then serves every document from the cache without loading the model', async () => {
    const loads = { n: 0 };
    const model = new ArithmeticModel();
    const first = await getCorpusStats(options(model, loads));
    expect(loads.n).toBe(1);
    expect(first.docs.map((d) => d.docId)).toEqual(['a', 'b', 'c']);
    expect(first.docs[1].n).toBe(Buffer.byteLength(corpus.documents[1].text));
    expect(first.docs[1].logprobLong[5]).toBeCloseTo(-(1 + (first.docs[1].tokenIds[5] % 7)) / 6, 6); // first long window
    expect(Number.isNaN(first.docs[0].logprobLong[0])).toBe(true);
    expect(first.cost.tokensProcessed).toBeGreaterThan(0);
    const again = await getCorpusStats(options(model, loads));
    expect(loads.n).toBe(1);
    expect(again.docs).toEqual(first.docs);
    expect(again.cost).toEqual(first.cost); // a cache hit reports what the computation cost
  });

  it('reads a complete set without weights, and returns null for an unknown spec or model', async () => {
    const stats = await getCorpusStats(options(new ArithmeticModel(), { n: 0 }));
    rmSync(modelDir, { recursive: true }); // no weights any more
    const cached = readCachedCorpusStats({ modelId: 'stub/arith', corpus, spec, cacheDir: path.join(dir, 'cache') });
    expect(cached?.docs).toEqual(stats.docs);
    expect(cached?.cost.tokensProcessed).toBe(stats.cost.tokensProcessed);
    expect(readCachedCorpusStats({ modelId: 'stub/arith', corpus, spec: { ...spec, stride: 4 }, cacheDir: path.join(dir, 'cache') })).toBeNull();
    expect(readCachedCorpusStats({ modelId: 'other', corpus, spec, cacheDir: path.join(dir, 'cache') })).toBeNull();
  });

  it('resumes: only the documents without an entry are computed', async () => {
    const cacheDir = path.join(dir, 'cache');
    await getCorpusStats(options(new ArithmeticModel(), { n: 0 }));
    const reference = entryFiles(cacheDir).map((f) => readFileSync(path.join(cacheDir, 'entries', f)));
    // lose one finished document and the manifest, as a run killed before its end would
    const largest = entryFiles(cacheDir).sort((x, y) => readFileSync(path.join(cacheDir, 'entries', y)).length - readFileSync(path.join(cacheDir, 'entries', x)).length)[0];
    rmSync(path.join(cacheDir, 'entries', largest));
    rmSync(path.join(cacheDir, 'manifest.json'));
    const model = new ArithmeticModel();
    await getCorpusStats(options(model, { n: 0 }));
    expect(model.forwards).toBeGreaterThan(0);
    expect(entryFiles(cacheDir).map((f) => readFileSync(path.join(cacheDir, 'entries', f)))).toEqual(reference);
  });

  it.each([
    ['a flipped byte', (f: string) => {
      const b = readFileSync(f);
      b[Math.floor(b.length / 2)] ^= 0x01;
      writeFileSync(f, b);
    }],
    ['a truncated file', (f: string) => truncateSync(f, 100)],
  ])('reports %s, never uses the entry, and recomputes it', async (_, damage) => {
    const cacheDir = path.join(dir, 'cache');
    const good = await getCorpusStats(options(new ArithmeticModel(), { n: 0 }));
    const victim = path.join(cacheDir, 'entries', entryFiles(cacheDir)[1]);
    const bytes = readFileSync(victim);
    damage(victim);
    expect(readCachedCorpusStats({ modelId: 'stub/arith', corpus, spec, cacheDir })).toBeNull();
    expect(warnings.join('')).toMatch(/bad entry for document .*, not used: .*(checksum mismatch|truncated)/);
    const loads = { n: 0 };
    const again = await getCorpusStats(options(new ArithmeticModel(), loads));
    expect(loads.n).toBe(1);
    expect(warnings.join('')).toMatch(/recomputing/);
    expect(again.docs).toEqual(good.docs);
    expect(readFileSync(victim)).toEqual(bytes);
  });

  it('keys entries on the model files: a changed checkpoint is recomputed', async () => {
    const loads = { n: 0 };
    await getCorpusStats(options(new ArithmeticModel(), loads));
    writeFileSync(path.join(modelDir, 'config.json'), '{"max_position_embeddings": 64, "changed": true}');
    await getCorpusStats(options(new ArithmeticModel(), loads));
    expect(loads.n).toBe(2);
  });

  it('stores the short windows\' entropies and top-1 flags, and attaches each document\'s text', async () => {
    const stats = await getCorpusStats(options(new ArithmeticModel(), { n: 0 }));
    const b = stats.docs[1];
    const w = b.entropyShort['8/4'];
    // Position 20 lies in chunk 3 of the 8/4 window, read from token 12: it sees 8 tokens, the long pass 20.
    expect(w[20]).toBeCloseTo(1 / 9, 6);
    expect(b.entropy[20]).toBeCloseTo(1 / 21, 6);
    expect(w[5]).toBe(b.entropy[5]); // inside the first window both see the whole prefix
    expect(b.top1Short['8/4'][20]).toBe(b.tokenIds[20] % 2);
    expect(stats.docs.map((d) => d.text)).toEqual(corpus.documents.map((d) => d.text));
    const cached = readCachedCorpusStats({ modelId: 'stub/arith', corpus, spec, cacheDir: path.join(dir, 'cache') });
    expect(cached?.docs[1].text).toBe(corpus.documents[1].text);
    expect(cached?.docs[1].entropyShort).toEqual(b.entropyShort);
  });

  it('never reads a cache of entry format 1: its manifest record counts as missing and is recomputed', async () => {
    const cacheDir = path.join(dir, 'cache');
    const good = await getCorpusStats(options(new ArithmeticModel(), { n: 0 }));
    const file = path.join(cacheDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    expect(manifest.models['stub/arith'].entryFormat).toBe(ENTRY_FORMAT);
    delete manifest.models['stub/arith'].entryFormat; // as a record written before format 2 looks
    writeFileSync(file, JSON.stringify(manifest));
    expect(readCachedCorpusStats({ modelId: 'stub/arith', corpus, spec, cacheDir })).toBeNull();
    expect(warnings.join('')).toMatch(/records entries of format 1; this code reads format 2/);
    const loads = { n: 0 };
    const again = await getCorpusStats(options(new ArithmeticModel(), loads));
    expect(again.docs).toEqual(good.docs);
    expect(JSON.parse(readFileSync(file, 'utf8')).models['stub/arith'].entryFormat).toBe(ENTRY_FORMAT);
    expect(readCachedCorpusStats({ modelId: 'stub/arith', corpus, spec, cacheDir })?.docs).toEqual(good.docs);
  });

  it('rejects a spec the model cannot run, naming the flag', async () => {
    await expect(getCorpusStats({ ...options(new ArithmeticModel(), { n: 0 }), spec: { ...spec, contextLength: 128, stride: 8 } })).rejects.toThrow(/--context 128.*at most 64/);
  });
});

describe('cache entry format', () => {
  it('round-trips DocStats exactly and refuses an entry under another key', () => {
    const d = {
      docId: 'x',
      n: 3,
      scoredFrom: 1,
      tokenIds: Int32Array.of(5, 6, 7),
      byteStart: Int32Array.of(0, 1, 3),
      byteEnd: Int32Array.of(1, 3, 4),
      logprobLong: Float32Array.of(NaN, -1.5, -0.25),
      logprobShort: { '2/1': Float32Array.of(NaN, -1.5, -0.5) },
      entropy: Float32Array.of(NaN, 2, 1),
      top1: Uint8Array.of(0, 1, 0),
      entropyShort: { '2/1': Float32Array.of(NaN, 2, 3.5) },
      top1Short: { '2/1': Uint8Array.of(0, 1, 1) },
    };
    const buf = encodeEntry('k1', d);
    expect(buf.subarray(0, 6).toString('latin1')).toBe('LPTS2\n');
    expect(decodeEntry(buf, 'k1')).toEqual(d);
    expect(() => decodeEntry(buf, 'k2')).toThrow(/expected k2/);
    expect(() => encodeEntry('k1', { ...d, top1Short: {} })).toThrow(/top1Short has no array for short window 2\/1/);
  });

  it('refuses an entry of format 1, whose checksum is valid, instead of misreading its arrays', () => {
    // A format-1 entry: the same layout without the short windows' entropies and top-1 flags.
    const header = Buffer.from(JSON.stringify({ key: 'k1', docId: 'x', n: 1, scoredFrom: 1, shortKeys: [] }), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const body = Buffer.concat([Buffer.from('LPTS1\n', 'latin1'), len, header, Buffer.alloc(4 * 5 + 1)]);
    const buf = Buffer.concat([body, sha256Bytes(body)]);
    expect(() => decodeEntry(buf, 'k1')).toThrow(/entry format 1 .*reads format 2: it is recomputed/);
  });
});
