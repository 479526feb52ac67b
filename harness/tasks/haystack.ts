// Haystack text: held-out GovReport documents (data/zoo_haystack.json), split into sentences and tokenized
// sentence by sentence, so that contexts can be cut and needles inserted at sentence boundaries by token count.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import type { TaskTokenizer } from './types.ts';
import { sha256 } from '../util/hash.ts';

export interface HaystackDocument {
  id: string;
  text: string;
}

export interface TokenizedDocument {
  id: string;
  /** Token ids of each sentence, each tokenized with one leading space. */
  sentences: Int32Array[];
}

/** Reads a haystack file: a JSON list of {"id", "text", ...} (the corpus format) or {"documents": [...]}. */
export function loadHaystack(filePath: string): { documents: HaystackDocument[]; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(filePath);
  } catch {
    throw new UserError(`${filePath}: haystack file not found; it is written by scripts/models (data/zoo_haystack.json)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new UserError(`${filePath}: not valid JSON (${(err as Error).message}); regenerate the haystack file`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { documents?: unknown })?.documents;
  if (!Array.isArray(list) || list.length === 0) {
    throw new UserError(`${filePath}: expected a non-empty JSON list of {"id", "text"} objects (or {"documents": [...]})`);
  }
  const seen = new Set<string>();
  const documents = list.map((entry, i): HaystackDocument => {
    const text = (entry as { text?: unknown })?.text;
    if (typeof text !== 'string' || text.trim() === '') {
      throw new UserError(`${filePath}: document ${i} field "text" must be a non-empty string`);
    }
    const rawId = (entry as { id?: unknown }).id;
    const id = typeof rawId === 'string' && rawId !== '' ? rawId : `doc-${i}`;
    if (seen.has(id)) throw new UserError(`${filePath}: document ${i} field "id" repeats "${id}"; ids must be unique`);
    seen.add(id);
    return { id, text };
  });
  return { documents, sha256: sha256(bytes) };
}

/** Splits prose into sentences: whitespace collapsed, a break after . ! ? followed by a capital, digit or quote. */
export function splitSentences(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return [];
  return flat.split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])/).filter((s) => s.length > 0);
}

export function tokenizeDocuments(docs: readonly HaystackDocument[], tokenizer: TaskTokenizer): TokenizedDocument[] {
  return docs.map((doc) => ({
    id: doc.id,
    sentences: splitSentences(doc.text)
      .map((s) => tokenizer.tokenize(' ' + s).ids)
      .filter((ids) => ids.length > 0),
  }));
}

/** A position in the haystack: document index and sentence index. */
export interface SentenceRef {
  doc: number;
  sentence: number;
}

/** Walks sentences forward (step 1) or backward (step -1), wrapping across documents. */
export function stepSentence(docs: readonly TokenizedDocument[], ref: SentenceRef, step: 1 | -1): SentenceRef {
  let { doc, sentence } = ref;
  sentence += step;
  for (let guard = 0; guard <= docs.length; guard++) {
    if (sentence >= 0 && sentence < docs[doc].sentences.length) return { doc, sentence };
    doc = (doc + step + docs.length) % docs.length;
    sentence = step === 1 ? 0 : docs[doc].sentences.length - 1;
  }
  throw new Error('haystack has no sentences');
}
