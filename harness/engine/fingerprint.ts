// Fingerprint of a model folder: what the cache keys on. Engine-independent (computed from the folder alone, so
// a cache lookup never loads the model).
//
// Hashed: config.json, generation_config.json, tokenizer files, onnx/*, *.safetensors, *.bin, *.model, *.gguf,
// in path order (plus the SentencePiece converter's version for a folder whose tokenizer.json we build). Files up to FULL_HASH_LIMIT bytes are hashed in full; larger ones (multi-GB checkpoints, where
// a full read would cost minutes per run) by relative path + size + mtime, which catches a replaced checkpoint
// but not an in-place edit that keeps size and mtime.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { sha256Hasher } from '../util/hash.ts';
import { SPM_CONVERTER_VERSION } from './sentencepiece-convert.ts';

export const FULL_HASH_LIMIT = 256 * 1024 * 1024;

const MODEL_FILE = /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|vocab\.json|merges\.txt|.*\.safetensors|.*\.bin|.*\.model|.*\.gguf|onnx\/.+)$/;

export function modelFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (r === 'onnx') walk(r);
      } else if (MODEL_FILE.test(r)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

export async function fingerprintModelDir(dir: string): Promise<string> {
  if (!existsSync(dir)) throw new UserError(`${dir}: model folder not found; pass an existing folder (--model DIR)`);
  const files = modelFiles(dir);
  if (files.length === 0) throw new UserError(`${dir}: no model files (config.json, tokenizer.json, onnx/, *.safetensors) in this folder`);
  const h = sha256Hasher();
  for (const rel of files) {
    const st = statSync(path.join(dir, rel));
    if (st.size > FULL_HASH_LIMIT) {
      h.update(`${rel}\0${st.size}\0mtime:${Math.floor(st.mtimeMs)}\0`);
      continue;
    }
    h.update(`${rel}\0${st.size}\0`);
    for await (const chunk of createReadStream(path.join(dir, rel))) h.update(chunk as Buffer);
  }
  // Ids of a tokenizer.model-only folder come from our conversion: a new converter is a new fingerprint. (Folders
  // with a tokenizer.json hash exactly as before.)
  if (!files.includes('tokenizer.json') && files.includes('tokenizer.model')) h.update(`spm-converter:${SPM_CONVERTER_VERSION}\0`);
  return h.digest('hex');
}
