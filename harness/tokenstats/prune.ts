// Removes cache entries that no record of manifest.json refers to: entries of an older entry format (their keys
// hold the format, so a refill writes new ones beside them), of a model record that was replaced, or of a corpus
// or spec no longer recorded. Needed after a format change so that the committed results/cache holds only what is
// read. It refuses, removing nothing, when it cannot compute every referenced key (a recorded corpus is missing or
// changed) or while shard manifests are unfolded (their entries are referenced from manifest.d/ only).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import { UserError } from '../errors.ts';
import { entryKey, entryPath } from './cache.ts';
import { ENTRY_FORMAT } from './entry.ts';
import type { StatsSpec } from './types.ts';

interface RecordedSet {
  corpus: string;
  spec: StatsSpec;
  docs: string[];
}

interface RecordedModel {
  fingerprint: string;
  engine: string;
  engineVersion: string;
  entryFormat?: number;
  complete: Record<string, RecordedSet>;
}

export interface PruneResult {
  /** Entry files kept (referenced by a record of the current entry format). */
  kept: number;
  /** Entry files removed, with their cost files. */
  removed: number;
  /** Bytes freed (entries and cost files). */
  bytes: number;
}

/** Every entry key manifest.json's records of the current format refer to. Corpus paths are as recorded:
 *  relative to the directory the cache was filled from (`root`). */
export function referencedKeys(cacheDir: string, root = process.cwd()): Set<string> {
  const file = path.join(cacheDir, 'manifest.json');
  if (!existsSync(file)) throw new UserError(`${file}: no manifest, so nothing is known to be referenced; nothing pruned`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { models: Record<string, RecordedModel> };
  const keys = new Set<string>();
  for (const [id, rec] of Object.entries(manifest.models)) {
    if ((rec.entryFormat ?? 1) !== ENTRY_FORMAT) continue; // stale record: its entries are never read
    for (const [setKey, set] of Object.entries(rec.complete)) {
      const corpusFile = path.resolve(root, set.corpus);
      if (!existsSync(corpusFile)) {
        throw new UserError(`${file}: model ${id} records corpus ${set.corpus}, not found at ${corpusFile}; run from the folder the cache was filled from, or restore the corpus; nothing pruned`);
      }
      const corpus = loadCorpus(corpusFile);
      if (`${corpus.sha256}/` !== setKey.slice(0, corpus.sha256.length + 1)) {
        throw new UserError(`${file}: model ${id} records corpus ${set.corpus} with another sha256 than the file has now; restore it, or delete that record; nothing pruned`);
      }
      const docs = new Map(corpus.documents.map((d) => [d.id, d]));
      for (const docId of set.docs) {
        const doc = docs.get(docId);
        if (!doc) throw new UserError(`${file}: model ${id} records document ${docId} of ${set.corpus}, which the file lacks; nothing pruned`);
        keys.add(entryKey({ fingerprint: rec.fingerprint, engineId: rec.engine, engineVersion: rec.engineVersion, corpusSha256: corpus.sha256, doc, spec: set.spec }));
      }
    }
  }
  return keys;
}

/** Deletes every entry (and its cost file) under <cache>/entries that referencedKeys does not hold. */
export function pruneCache(cacheDir: string, root = process.cwd()): PruneResult {
  const shards = path.join(cacheDir, 'manifest.d');
  if (existsSync(shards) && readdirSync(shards).some((f) => f.endsWith('.json'))) {
    throw new UserError(`${shards}: shard manifests are not folded into manifest.json yet; run an unsharded longproxy stats --setting first; nothing pruned`);
  }
  const keep = referencedKeys(cacheDir, root);
  const entries = path.join(cacheDir, 'entries');
  const out: PruneResult = { kept: 0, removed: 0, bytes: 0 };
  if (!existsSync(entries)) return out;
  const files = readdirSync(entries, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.bin')).sort();
  for (const rel of files) {
    const key = path.basename(rel, '.bin');
    if (keep.has(key) && path.resolve(entries, rel) === path.resolve(entryPath(cacheDir, key))) {
      out.kept++;
      continue;
    }
    for (const f of [path.join(entries, rel), path.join(entries, `${rel.slice(0, -4)}.cost.json`)]) {
      if (!existsSync(f)) continue;
      out.bytes += statSync(f).size;
      rmSync(f);
    }
    out.removed++;
  }
  // Cost files whose entry is gone (a write that failed between the two files).
  for (const rel of readdirSync(entries, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cost.json'))) {
    if (!keep.has(path.basename(rel, '.cost.json'))) {
      const f = path.join(entries, rel);
      out.bytes += statSync(f).size;
      rmSync(f);
    }
  }
  // Folders left empty by the removal.
  for (const d of readdirSync(entries)) {
    const dir = path.join(entries, d);
    if (statSync(dir).isDirectory() && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  }
  return out;
}
