// Proxy corpus loader. The official file's exact layout is not known, so several layouts are accepted:
//   ["text", ...]                                   ids default to "doc-<index>"
//   [{"text"|"input"|"context"|"content": ..., "id"|"_id"|"doc_id"?: ...}, ...]
//   {"documents"|"data": <one of the lists above>}
// Our own corpora are written as [{"id", "text", "n_tokens", "source"}, ...].
import { UserError } from '../errors.ts';
import { readJsonFile } from './json-file.ts';
import type { CorpusDocument, ProxyCorpus } from './types.ts';

const TEXT_KEYS = ['text', 'input', 'context', 'content'] as const;
const ID_KEYS = ['id', '_id', 'doc_id'] as const;

export function parseCorpus(file: string, value: unknown): CorpusDocument[] {
  let list: unknown = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    list = Array.isArray(obj.documents) ? obj.documents : obj.data;
    if (!Array.isArray(list)) {
      throw new UserError(`${file}: a corpus object needs a list under "documents" (or "data"); found keys ${JSON.stringify(Object.keys(obj))}`);
    }
  }
  if (!Array.isArray(list)) {
    throw new UserError(`${file}: a corpus must be a JSON list of texts or of objects {"id", "text"}, or an object with "documents"`);
  }
  if (list.length === 0) throw new UserError(`${file}: the corpus holds no documents; add at least one`);
  const seen = new Map<string, number>();
  return list.map((item, i): CorpusDocument => {
    let text: unknown;
    let id: unknown = `doc-${i}`;
    if (typeof item === 'string') {
      text = item;
    } else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const obj = item as Record<string, unknown>;
      const textKey = TEXT_KEYS.find((k) => k in obj);
      if (textKey === undefined) {
        throw new UserError(`${file}: document ${i} has no text field (one of ${TEXT_KEYS.join(', ')}); add "text"`);
      }
      text = obj[textKey];
      const idKey = ID_KEYS.find((k) => k in obj && obj[k] !== null);
      if (idKey !== undefined) id = obj[idKey];
    } else {
      throw new UserError(`${file}: document ${i} is neither a string nor an object; write {"id": ..., "text": ...}`);
    }
    if (typeof text !== 'string') throw new UserError(`${file}: document ${i} has a text that is not a string`);
    if (text.trim().length === 0) throw new UserError(`${file}: document ${i} has an empty text; remove it or fill it`);
    if (typeof id === 'number' && Number.isInteger(id)) id = String(id);
    if (typeof id !== 'string' || id.length === 0) {
      throw new UserError(`${file}: document ${i} has an id that is not a non-empty string (${JSON.stringify(id)})`);
    }
    const first = seen.get(id);
    if (first !== undefined) {
      throw new UserError(`${file}: document ${i} repeats the id ${JSON.stringify(id)} of document ${first}; ids must be unique`);
    }
    seen.set(id, i);
    return { id, text };
  });
}

/** Reads a corpus as the contract's JSON readers do (harness/contract/json-file.ts): bytes that are not UTF-8
 *  (Latin-1, a cut sequence) or a leading BOM are refused with the byte offset, never decoded to U+FFFD. */
export function loadCorpus(file: string): ProxyCorpus {
  const json = readJsonFile(file, 'proxy corpus');
  return { path: file, sha256: json.sha256, documents: parseCorpus(file, json.value) };
}
