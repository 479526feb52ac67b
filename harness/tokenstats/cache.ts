// The token-statistics cache (results/cache/): one binary entry per (model files, engine, corpus, document, spec),
// written atomically (temporary file in <cache>/tmp/, then rename), so an interrupted run loses no finished
// document; a damaged entry is reported on stderr and recomputed, never used.
//
// Layout:
//   <cache>/manifest.json                   per model id: the fingerprint and engine whose entries are complete,
//                                           and for which (corpus sha256, spec) -- read without the weights
//   <cache>/manifest.d/shard-K-of-N.json    the same, written by shard K of a sharded fill (harness/fleet/) alone:
//                                           the documents that shard finished; merged with manifest.json when read
//   <cache>/entries/<k0k1>/<key>.bin        DocStats of one document (format: entry.ts)
//   <cache>/entries/<k0k1>/<key>.cost.json  what computing it cost (tokens, seconds, engine, device)
//   <cache>/tmp/                            temporary files (git-ignored)
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CorpusDocument, ProxyCorpus } from '../contract/types.ts';
import { fingerprintModelDir } from '../engine/fingerprint.ts';
import { engineVersion } from '../engine/index.ts';
import type { LanguageModel } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import { checkSpec, computeDocStats } from './compute.ts';
import { CorruptEntryError, decodeEntry, encodeEntry, ENTRY_FORMAT } from './entry.ts';
import { ProgressBar, type ProgressEvent } from './progress.ts';
import type { ComputeCost, DocStats, ModelCorpusStats, StatsSpec } from './types.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { sha256 } from '../util/hash.ts';

export const DEFAULT_CACHE_DIR = 'results/cache';

interface CompleteSet {
  corpus: string;
  spec: StatsSpec;
  docs: string[];
}

interface ModelRecord {
  fingerprint: string;
  /** The model folder the record was made from (relative to the working directory); absent in older records. */
  dir?: string;
  engine: string;
  engineVersion: string;
  /** Format of the entries the record vouches for (entry.ts ENTRY_FORMAT); absent in records made before format 2,
   *  i.e. format 1. A record of another format is stale: its sets count as missing and are recomputed. */
  entryFormat?: number;
  /** keyed by `${corpusSha256}/${specHash}` */
  complete: Record<string, CompleteSet>;
}

interface Manifest {
  format: 1;
  models: Record<string, ModelRecord>;
}


/** The spec in a fixed field order, so equal specs hash equally. The RoPE policy and overrides appear only when
 *  set (an "as-config" spec without overrides hashes as before they existed). */
export function canonicalSpec(spec: StatsSpec): StatsSpec {
  const out: StatsSpec = {
    contextLength: spec.contextLength,
    stride: spec.stride,
    maxTokens: spec.maxTokens,
    shortWindows: spec.shortWindows.map((w) => ({ size: w.size, step: w.step })),
    addBos: spec.addBos,
  };
  if (spec.rope !== undefined && spec.rope !== 'as-config') out.rope = spec.rope;
  if (spec.overrides && spec.overrides.length > 0) out.overrides = [...spec.overrides].sort();
  return out;
}

export function specHash(spec: StatsSpec): string {
  return sha256(JSON.stringify(canonicalSpec(spec)));
}

/** The entry format a manifest record vouches for (records before format 2 carry none: format 1). */
function formatOf(r: { entryFormat?: number }): number {
  return r.entryFormat ?? 1;
}

export interface EntryKeyParts {
  fingerprint: string;
  engineId: string;
  engineVersion: string;
  corpusSha256: string;
  doc: CorpusDocument;
  spec: StatsSpec;
}

export function entryKey(p: EntryKeyParts): string {
  // The entry format is in the key: entries of another format live under other keys and are never read.
  return sha256(JSON.stringify([`lpts${ENTRY_FORMAT}`, p.fingerprint, p.engineId, p.engineVersion, p.corpusSha256, p.doc.id, sha256(p.doc.text), specHash(p.spec)]));
}

export function entryPath(cacheDir: string, key: string): string {
  return path.join(cacheDir, 'entries', key.slice(0, 2), `${key}.bin`);
}

/** Writes `data` to `file` through a temporary file in <cache>/tmp and a rename: readers see all or nothing. The
 *  temporary name holds host, pid and random bytes (util/atomic.ts): processes on several hosts share one cache. */
function atomicWrite(cacheDir: string, file: string, data: string | Uint8Array): void {
  // Folders first, asking the cache folder why on failure (a read-only file system reports ENOENT for mkdir).
  makeDir(cacheDir, path.join(cacheDir, 'tmp'));
  makeDir(cacheDir, path.dirname(file));
  try {
    writeFileAtomic(file, data, { tmpDir: path.join(cacheDir, 'tmp') });
  } catch (err) {
    // A full disk (ENOSPC): the temporary file is gone; name the file being written (write() carries no path).
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e === 'object' && e.path === undefined) e.path = file;
    throw err;
  }
}

/** mkdir -p; on a read-only file system Node reports ENOENT for a missing folder, so ask the cache folder why. */
function makeDir(cacheDir: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    if (existsSync(cacheDir)) accessSync(cacheDir, constants.W_OK); // throws EROFS / EACCES with the path
    throw err;
  }
}

/** Removes temporary files of processes that are gone (a killed or failed run), so a successful run leaves none. */
function sweepTmp(cacheDir: string): void {
  const tmpDir = path.join(cacheDir, 'tmp');
  if (!existsSync(tmpDir)) return;
  for (const f of readdirSync(tmpDir)) {
    const m = /\.(\d+)\.\d+\.tmp$/.exec(f);
    if (m && !processAlive(Number(m[1]))) rmSync(path.join(tmpDir, f), { force: true });
  }
}

/** Whether a process of this machine with that id exists (EPERM: it exists but belongs to another user). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function manifestPath(cacheDir: string): string {
  return path.join(cacheDir, 'manifest.json');
}

/** manifest.json merged with the shard manifests (manifest.d/): what the cache holds, as one manifest. */
function readManifest(cacheDir: string): Manifest {
  return mergeShardManifests(readMainManifest(cacheDir), readShardManifests(cacheDir));
}

function readMainManifest(cacheDir: string): Manifest {
  const file = manifestPath(cacheDir);
  if (!existsSync(file)) return { format: 1, models: {} };
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.format !== 1 || typeof m.models !== 'object') throw new Error('unknown format');
    return m;
  } catch (err) {
    throw new UserError(`${file}: the cache manifest is unreadable (${(err as Error).message}); restore it from git or delete it to rebuild the cache`);
  }
}

/** Runs `fn` holding <cache>/tmp/manifest.lock, so that processes filling the same cache (parallel test workers)
 *  do not drop each other's manifest records. The lock file holds its owner's pid: a lock whose owner is gone
 *  (a killed run) is broken at once, and a wait of more than a few seconds says what it waits for. */
function withManifestLock<T>(cacheDir: string, fn: () => T): T {
  const lock = path.join(cacheDir, 'tmp', 'manifest.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const started = Date.now();
  const deadline = started + 120_000;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeFileSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: number | undefined;
      let age = 0;
      try {
        owner = Number.parseInt(readFileSync(lock, 'utf8'), 10) || undefined;
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // removed by its owner meanwhile
      }
      // No pid yet: the owner is between creating and writing it (give it a second), or an old-format lock.
      const dead = owner !== undefined ? !processAlive(owner) : age > 60_000;
      if (dead) {
        // Re-read just before removing: another waiter may have broken it and taken it meanwhile.
        try {
          if ((Number.parseInt(readFileSync(lock, 'utf8'), 10) || undefined) !== owner) continue;
        } catch {
          continue;
        }
        warn(`${lock}: left by ${owner !== undefined ? `process ${owner}, which is gone` : 'a run over a minute ago'}; breaking it`);
        rmSync(lock, { force: true });
        continue;
      }
      if (!told && Date.now() - started > 3_000) {
        warn(`waiting for ${lock}, held by process ${owner ?? '(unknown)'} recording the manifest of ${cacheDir}; if no longproxy process runs, delete the file`);
        told = true;
      }
      if (Date.now() > deadline) {
        throw new UserError(`${lock}: held for over two minutes by process ${owner ?? '(unknown)'}; if no longproxy process is running, delete the file and run again`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

// ---- shard manifests: one writer per file, so no lock is needed (a lock file is unreliable on network file systems)

/** A shard's record of one model: the documents of each (corpus, spec) whose entries it wrote or found. */
interface ShardModelRecord {
  fingerprint: string;
  dir?: string;
  engine: string;
  engineVersion: string;
  entryFormat?: number;
  sets: Record<string, CompleteSet & { done: string[] }>;
}

interface ShardManifest {
  format: 1;
  shard: string;
  models: Record<string, ShardModelRecord>;
}

const SHARD_DIR = 'manifest.d';

function shardManifestPath(cacheDir: string, shard: string): string {
  return path.join(cacheDir, SHARD_DIR, `${shard}.json`);
}

function readShardManifests(cacheDir: string): ShardManifest[] {
  const dir = path.join(cacheDir, SHARD_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      try {
        const m = JSON.parse(readFileSync(file, 'utf8')) as ShardManifest;
        if (m.format !== 1 || typeof m.models !== 'object') throw new Error('unknown format');
        return m;
      } catch (err) {
        throw new UserError(`${file}: a shard manifest is unreadable (${(err as Error).message}); delete it and re-run that shard (its entries are kept)`);
      }
    });
}

/** Adds to `main` every (model, corpus, spec) whose documents the shards together finished. Shard manifests are newer
 *  than manifest.json (a fold, foldShardManifests, removes them), so their record of a model replaces the main one.
 *  Shards that disagree on a model's fingerprint or engine (different weights on different hosts) record nothing
 *  for it, with a warning. */
function mergeShardManifests(main: Manifest, shards: ShardManifest[]): Manifest {
  if (shards.length === 0) return main;
  const models: Record<string, ModelRecord> = { ...main.models };
  const ids = [...new Set(shards.flatMap((s) => Object.keys(s.models)))].sort();
  for (const id of ids) {
    const recs = shards.filter((s) => s.models[id]).map((s) => ({ shard: s.shard, rec: s.models[id] }));
    const idents = new Set(recs.map(({ rec }) => `${rec.fingerprint} ${rec.engine} ${rec.engineVersion} ${formatOf(rec)}`));
    if (idents.size > 1) {
      warn(`${id}: shard manifests disagree on the model's files or engine (${recs.map(({ shard, rec }) => `${shard}: ${rec.fingerprint.slice(0, 12)} ${rec.engine} ${rec.engineVersion}`).join('; ')}); every host must see the same weights; its statistics are not used until the shards agree`);
      delete models[id];
      continue;
    }
    const first = recs[0].rec;
    const prev = models[id];
    const same = prev && prev.fingerprint === first.fingerprint && prev.engine === first.engine && prev.engineVersion === first.engineVersion && formatOf(prev) === formatOf(first);
    const rec: ModelRecord = same ? { ...prev, complete: { ...prev.complete } } : { fingerprint: first.fingerprint, ...(first.dir ? { dir: first.dir } : {}), engine: first.engine, engineVersion: first.engineVersion, ...(first.entryFormat === undefined ? {} : { entryFormat: first.entryFormat }), complete: {} };
    const setKeys = [...new Set(recs.flatMap(({ rec: r }) => Object.keys(r.sets)))].sort();
    for (const k of setKeys) {
      if (rec.complete[k]) continue;
      const sets = recs.map(({ rec: r }) => r.sets[k]).filter(Boolean);
      const done = new Set(sets.flatMap((x) => x.done));
      const set = sets[0];
      if (set.docs.every((d) => done.has(d))) rec.complete[k] = { corpus: set.corpus, spec: set.spec, docs: set.docs };
    }
    if (Object.keys(rec.complete).length > 0) models[id] = rec;
    else if (!same) delete models[id];
  }
  return { format: 1, models };
}

export interface ModelIdentity {
  modelId: string;
  fingerprint: string;
  /** The model folder, recorded in manifest.json as getCorpusStats records it (absent for synthetic models). */
  dir?: string;
  engineId: string;
  engineVersion: string;
}

/** Shard `shard` (e.g. "shard-0-of-2") records that it holds the entries of `done` (document ids of `corpus`)
 *  for a model. Only that shard writes its file: re-reads it, adds, renames a new copy in place. */
export function recordShardDocs(cacheDir: string, shard: string, m: ModelIdentity, corpus: ProxyCorpus, spec: StatsSpec, done: readonly string[]): void {
  const file = shardManifestPath(cacheDir, shard);
  const cur: ShardManifest = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ShardManifest) : { format: 1, shard, models: {} };
  const prev = cur.models[m.modelId];
  const same = prev && prev.fingerprint === m.fingerprint && prev.engine === m.engineId && prev.engineVersion === m.engineVersion && formatOf(prev) === ENTRY_FORMAT;
  const rec: ShardModelRecord = same ? prev : { fingerprint: m.fingerprint, ...(m.dir ? { dir: path.relative(process.cwd(), path.resolve(m.dir)) || '.' } : {}), engine: m.engineId, engineVersion: m.engineVersion, entryFormat: ENTRY_FORMAT, sets: {} };
  const setKey = `${corpus.sha256}/${specHash(spec)}`;
  const had = new Set(rec.sets[setKey]?.done ?? []);
  for (const d of done) had.add(d);
  const order = corpus.documents.map((d) => d.id);
  rec.sets[setKey] = { corpus: corpusLabel(corpus), spec: canonicalSpec(spec), docs: order, done: order.filter((d) => had.has(d)) };
  cur.models[m.modelId] = rec;
  cur.models = Object.fromEntries(Object.entries(cur.models).sort(([a], [b]) => (a < b ? -1 : 1)));
  atomicWrite(cacheDir, file, `${JSON.stringify(cur, null, 1)}\n`);
}

/** Writes the merged view into manifest.json (under its lock) and removes the shard manifests whose every set is
 *  complete in it. Run it when no shard of the fill is running (an unsharded `longproxy stats --setting` does). */
export function foldShardManifests(cacheDir: string): number {
  const shards = readShardManifests(cacheDir);
  if (shards.length === 0) return 0;
  let removed = 0;
  withManifestLock(cacheDir, () => {
    const merged = mergeShardManifests(readMainManifest(cacheDir), shards);
    writeManifest(cacheDir, merged);
    for (const s of shards) {
      const folded = Object.entries(s.models).every(([id, r]) => {
        const m = merged.models[id];
        return m && m.fingerprint === r.fingerprint && Object.keys(r.sets).every((k) => m.complete[k]);
      });
      if (folded) {
        rmSync(shardManifestPath(cacheDir, s.shard), { force: true });
        removed++;
      }
    }
  });
  return removed;
}

function writeManifest(cacheDir: string, manifest: Manifest): void {
  const sorted: Manifest = { format: 1, models: Object.fromEntries(Object.entries(manifest.models).sort(([a], [b]) => (a < b ? -1 : 1))) };
  atomicWrite(cacheDir, manifestPath(cacheDir), `${JSON.stringify(sorted, null, 1)}\n`);
}

function corpusLabel(corpus: ProxyCorpus): string {
  return path.relative(process.cwd(), path.resolve(corpus.path));
}

/** Records in manifest.json (under its lock) that every entry of (model, corpus, spec) is in the cache. */
export function recordComplete(cacheDir: string, m: ModelIdentity, corpus: ProxyCorpus, spec: StatsSpec): void {
  withManifestLock(cacheDir, () => {
    // Re-read under the lock: another process may have recorded other models meanwhile.
    const manifest = readMainManifest(cacheDir);
    const setKey = `${corpus.sha256}/${specHash(spec)}`;
    const prev = manifest.models[m.modelId];
    const same = prev && prev.fingerprint === m.fingerprint && prev.engine === m.engineId && prev.engineVersion === m.engineVersion && formatOf(prev) === ENTRY_FORMAT;
    const rec: ModelRecord = same ? prev : { fingerprint: m.fingerprint, ...(m.dir ? { dir: path.relative(process.cwd(), path.resolve(m.dir)) || '.' } : {}), engine: m.engineId, engineVersion: m.engineVersion, entryFormat: ENTRY_FORMAT, complete: {} };
    if (same && rec.complete[setKey]) return;
    rec.complete[setKey] = { corpus: corpusLabel(corpus), spec: canonicalSpec(spec), docs: corpus.documents.map((d) => d.id) };
    manifest.models[m.modelId] = rec;
    writeManifest(cacheDir, manifest);
  });
}

/** Whether manifest.json together with the shard manifests records (model, corpus, spec) complete. */
export function isRecordedComplete(cacheDir: string, m: ModelIdentity, corpus: ProxyCorpus, spec: StatsSpec): boolean {
  const rec = readManifest(cacheDir).models[m.modelId];
  return !!rec && rec.fingerprint === m.fingerprint && rec.engine === m.engineId && rec.engineVersion === m.engineVersion && formatOf(rec) === ENTRY_FORMAT && !!rec.complete[`${corpus.sha256}/${specHash(spec)}`];
}

/** One entry and its cost, or null when absent or unusable (a damaged entry is reported and then recomputed). */
export function readEntry(cacheDir: string, key: string, label: string): { stats: DocStats; cost: ComputeCost } | null {
  const got = loadEntry(cacheDir, key);
  if (got !== null && 'problem' in got) {
    warn(`${label}: bad entry, recomputing: ${got.problem}`);
    return null;
  }
  return got;
}

/** Writes one document's entry: cost first, entry last, so an entry on disk always has its cost beside it. */
export function storeEntry(cacheDir: string, key: string, r: { stats: DocStats; cost: ComputeCost }): void {
  const file = entryPath(cacheDir, key);
  atomicWrite(cacheDir, `${file.slice(0, -4)}.cost.json`, `${JSON.stringify(r.cost)}\n`);
  atomicWrite(cacheDir, file, encodeEntry(key, r.stats));
}

function warn(message: string): void {
  process.stderr.write(`longproxy cache: ${message}\n`);
}

/** Refuses a model id recorded for another model folder with other files (the record would be silently replaced);
 *  the same folder with changed files (a new checkpoint) replaces the record, with a warning. */
function checkModelRecord(cacheDir: string, prev: ModelRecord | undefined, modelId: string, modelDir: string, fingerprint: string): void {
  if (!prev || prev.fingerprint === fingerprint) return;
  const otherDir = prev.dir !== undefined && path.resolve(prev.dir) !== path.resolve(modelDir);
  if (otherDir) {
    throw new UserError(
      `${manifestPath(cacheDir)}: model id ${JSON.stringify(modelId)} is recorded for another model folder (${prev.dir}, ` +
        `fingerprint ${prev.fingerprint.slice(0, 12)}) than --model ${modelDir} (fingerprint ${fingerprint.slice(0, 12)}); ` +
        `pass another --model-id, or another --cache, or delete that record from the manifest`,
    );
  }
  warn(`${modelId}: the model files changed since ${manifestPath(cacheDir)} recorded them (fingerprint ${prev.fingerprint.slice(0, 12)} -> ${fingerprint.slice(0, 12)}); the record is replaced`);
}

type Loaded = { stats: DocStats; cost: ComputeCost } | { problem: string } | null;

/** An entry and its cost, or null when absent, or the reason it cannot be used. */
function loadEntry(cacheDir: string, key: string): Loaded {
  const file = entryPath(cacheDir, key);
  if (!existsSync(file)) return null;
  try {
    const stats = decodeEntry(readFileSync(file), key);
    const cost = JSON.parse(readFileSync(`${file.slice(0, -4)}.cost.json`, 'utf8')) as ComputeCost;
    if (typeof cost.tokensProcessed !== 'number' || typeof cost.wallSeconds !== 'number') throw new CorruptEntryError('cost file lacks tokensProcessed/wallSeconds');
    return { stats, cost };
  } catch (err) {
    return { problem: `${file}: ${(err as Error).message}` };
  }
}

/** The statistics with their document's text attached (DocStats.text: proxy data that metrics may read). */
function withText(stats: DocStats, doc: CorpusDocument): DocStats {
  return { ...stats, text: doc.text };
}

function sumCost(costs: ComputeCost[], fallbackEngine: string): ComputeCost {
  const devices = [...new Set(costs.map((c) => c.device))].sort();
  const engines = [...new Set(costs.map((c) => c.engine))].sort();
  const checks = [...new Set(costs.flatMap((c) => (c.tokenizerCheck === undefined ? [] : [c.tokenizerCheck])))].sort();
  return {
    engine: engines.join('+') || fallbackEngine,
    device: devices.join('+') || 'none',
    tokensProcessed: costs.reduce((a, c) => a + c.tokensProcessed, 0),
    wallSeconds: costs.reduce((a, c) => a + c.wallSeconds, 0),
    ...(checks.length === 0 ? {} : { tokenizerCheck: checks.join('; ') }),
  };
}

export interface ReadCachedOptions {
  modelId: string;
  corpus: ProxyCorpus;
  spec: StatsSpec;
  cacheDir?: string;
}

/** Statistics from the cache alone (no weights): null when the manifest has no complete set or an entry is bad,
 *  or when engineId is given and the cached statistics come from another engine. */
export function readCachedCorpusStats(o: ReadCachedOptions & { engineId?: string }): ModelCorpusStats | null {
  const cacheDir = o.cacheDir ?? DEFAULT_CACHE_DIR;
  const rec = readManifest(cacheDir).models[o.modelId];
  if (!rec || !rec.complete[`${o.corpus.sha256}/${specHash(o.spec)}`]) return null;
  if (o.engineId !== undefined && rec.engine !== o.engineId) return null;
  if (formatOf(rec) !== ENTRY_FORMAT) {
    warn(`${o.modelId}: ${path.join(cacheDir, 'manifest.json')} records entries of format ${formatOf(rec)}; this code reads format ${ENTRY_FORMAT} (short-window entropies and top-1 flags): recompute with longproxy stats`);
    return null;
  }
  const docs: DocStats[] = [];
  const costs: ComputeCost[] = [];
  for (const doc of o.corpus.documents) {
    const key = entryKey({ fingerprint: rec.fingerprint, engineId: rec.engine, engineVersion: rec.engineVersion, corpusSha256: o.corpus.sha256, doc, spec: o.spec });
    const got = loadEntry(cacheDir, key);
    if (got === null || 'problem' in got) {
      warn(got === null ? `${o.modelId}: entry of document ${doc.id} is missing (${entryPath(cacheDir, key)}); recompute with longproxy stats` : `${o.modelId}: bad entry for document ${doc.id}, not used: ${got.problem}`);
      return null;
    }
    docs.push(withText(got.stats, doc));
    costs.push(got.cost);
  }
  return { model: o.modelId, spec: canonicalSpec(o.spec), docs, cost: sumCost(costs, rec.engine) };
}

export interface GetCorpusStatsOptions extends ReadCachedOptions {
  /** Loads the model; called only when some document is not cached. */
  model: () => Promise<LanguageModel>;
  modelDir: string;
  engineId: string;
  /** Defaults to the known version of engineId. */
  engineVersion?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** Label of the progress bar (default: the model id). */
  label?: string;
}

/** Statistics of every document, from the cache where valid, computed (and cached, one entry per document) otherwise. */
export async function getCorpusStats(o: GetCorpusStatsOptions): Promise<ModelCorpusStats> {
  const cacheDir = o.cacheDir ?? DEFAULT_CACHE_DIR;
  checkSpec(o.spec);
  const version = o.engineVersion ?? engineVersion(o.engineId);
  if (version === undefined) throw new Error(`getCorpusStats: no engineVersion given for engine ${o.engineId}`);
  const fingerprint = await fingerprintModelDir(o.modelDir);
  const keyOf = (doc: CorpusDocument): string =>
    entryKey({ fingerprint, engineId: o.engineId, engineVersion: version, corpusSha256: o.corpus.sha256, doc, spec: o.spec });
  const setKey = `${o.corpus.sha256}/${specHash(o.spec)}`;
  const recorded = (m: Manifest): boolean => {
    const r = m.models[o.modelId];
    return !!r && r.fingerprint === fingerprint && r.engine === o.engineId && r.engineVersion === version && formatOf(r) === ENTRY_FORMAT && !!r.complete[setKey];
  };
  const before = readManifest(cacheDir);
  checkModelRecord(cacheDir, before.models[o.modelId], o.modelId, o.modelDir, fingerprint);

  const results: ({ stats: DocStats; cost: ComputeCost } | null)[] = o.corpus.documents.map((doc) => {
    const got = loadEntry(cacheDir, keyOf(doc));
    if (got !== null && 'problem' in got) {
      warn(`${o.modelId}: bad entry for document ${doc.id}, recomputing: ${got.problem}`);
      return null;
    }
    return got;
  });
  const todoBytes = o.corpus.documents.reduce((a, d, i) => a + (results[i] ? 0 : Buffer.byteLength(d.text)), 0);
  const bar = new ProgressBar(o.label ?? o.modelId, todoBytes);
  let model: LanguageModel | null = null;
  let done = 0;
  for (let i = 0; i < o.corpus.documents.length; i++) {
    const doc = o.corpus.documents[i];
    let cached = true;
    if (!results[i]) {
      cached = false;
      if (!model) {
        model = await o.model();
        checkSpec(o.spec, model);
      }
      const r = await computeDocStats(model, doc, o.spec);
      const file = entryPath(cacheDir, keyOf(doc));
      // Cost first, entry last: an entry on disk always has its cost beside it, and a failed entry write (a full
      // disk) takes its cost file with it.
      const costFile = `${file.slice(0, -4)}.cost.json`;
      atomicWrite(cacheDir, costFile, `${JSON.stringify(r.cost)}\n`);
      try {
        atomicWrite(cacheDir, file, encodeEntry(keyOf(doc), r.stats));
      } catch (err) {
        rmSync(costFile, { force: true });
        await model.dispose();
        throw err;
      }
      results[i] = r;
    }
    done++;
    const e: ProgressEvent = { done, total: o.corpus.documents.length, docId: doc.id, tokens: results[i]!.stats.n, cached };
    bar.update(e, Buffer.byteLength(doc.text));
    o.onProgress?.(e);
  }
  if (model) await model.dispose();

  const valid = results as { stats: DocStats; cost: ComputeCost }[];
  const result = { model: o.modelId, spec: canonicalSpec(o.spec), docs: valid.map((r, i) => withText(r.stats, o.corpus.documents[i])), cost: sumCost(valid.map((r) => r.cost), o.engineId) };
  // Everything served from a set the manifest records already: no lock, no write (a read-only cache works).
  if (!model && recorded(before)) return result;

  withManifestLock(cacheDir, () => {
    // Re-read under the lock: another process may have recorded other models meanwhile.
    const manifest = readManifest(cacheDir);
    const prev = manifest.models[o.modelId];
    checkModelRecord(cacheDir, prev, o.modelId, o.modelDir, fingerprint);
    const same = prev && prev.fingerprint === fingerprint && prev.engine === o.engineId && prev.engineVersion === version && formatOf(prev) === ENTRY_FORMAT;
    const rec: ModelRecord = same ? prev : { fingerprint, dir: path.relative(process.cwd(), path.resolve(o.modelDir)) || '.', engine: o.engineId, engineVersion: version, entryFormat: ENTRY_FORMAT, complete: {} };
    if (same && rec.complete[setKey]) return;
    rec.complete[setKey] = { corpus: path.relative(process.cwd(), path.resolve(o.corpus.path)), spec: canonicalSpec(o.spec), docs: o.corpus.documents.map((d) => d.id) };
    manifest.models[o.modelId] = rec;
    const sorted: Manifest = { format: 1, models: Object.fromEntries(Object.entries(manifest.models).sort(([a], [b]) => (a < b ? -1 : 1))) };
    atomicWrite(cacheDir, manifestPath(cacheDir), `${JSON.stringify(sorted, null, 1)}\n`);
  });
  sweepTmp(cacheDir);
  return result;
}
