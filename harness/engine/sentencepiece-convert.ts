// A Hugging Face tokenizer.json for a model folder that ships only SentencePiece's tokenizer.model (FILM-7B,
// maybe the Leooyii repositories): built the way transformers' LlamaConverter builds it (BPE over the pieces, merges
// ordered by the merged piece's score, byte_fallback, fuse_unk, normalizer "prepend ▁ + replace ' ' by ▁", the
// ByteFallback/Fuse decoder), so transformers.js (harness/engine/tokenizer.ts) and Python `tokenizers` (the torch
// worker) read it and give SentencePiece's ids. Written once into a cache of ours keyed by the files' sha256,
// never into the model folder or the Hugging Face cache.
//
// Only what Llama-2 and Mistral use is converted (BPE, identity normalization, dummy prefix, no whitespace
// collapsing, escaped spaces, byte fallback); anything else is refused by name rather than converted approximately.
// split_digits needs nothing here: it only stops training from making multi-digit pieces, and encoding merges
// whatever pieces exist. Known limit of the format (also true of transformers' own conversion): SentencePiece
// breaks a tie between two different pairs that make the same piece by position (leftmost first), a merges list by
// rank; the two differ only on runs like [a][aa][a]. The parity suite (sentencepiece-parity.test.ts) and the
// torch worker's per-document check (harness/engine/torch_worker/tokenizer_check.py) measure agreement, not this comment.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { sha256 } from '../util/hash.ts';
import { parseSentencePieceModel, PieceType, type SentencePieceModel } from './sentencepiece-model.ts';

/** Bumped whenever the built tokenizer.json could change: part of the cache key. */
export const SPM_CONVERTER_VERSION = '1';

export type TokenizerSource = 'tokenizer.json' | 'built from tokenizer.model';

export interface TokenizerJsonLocation {
  /** The tokenizer.json to load: the folder's own, or the one built in our cache. */
  path: string;
  source: TokenizerSource;
  /** sha256 of the folder's tokenizer.model when the file was built from it. */
  tokenizerModelSha256?: string;
}

interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** $LONGPROXY_HOME, else $XDG_CACHE_HOME/longproxy, else ~/.cache/longproxy. */
export function longproxyHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LONGPROXY_HOME) return path.resolve(env.LONGPROXY_HOME);
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'longproxy');
  return path.join(env.HOME ?? os.homedir(), '.cache', 'longproxy');
}

function refuse(file: string, field: string, found: unknown, why: string): never {
  throw new UserError(
    `${file}: ${field} = ${JSON.stringify(found)}: ${why}; the tokenizer cannot be built from tokenizer.model. ` +
      'Fix: put the model\'s tokenizer.json (from its repository) into the folder',
  );
}

function checkSupported(m: SentencePieceModel, file: string): void {
  const t = m.trainer;
  const n = m.normalizer;
  if (t.modelType !== 2) refuse(file, 'trainer_spec.model_type', t.modelType, 'only BPE models (type 2, as Llama and Mistral) are converted');
  if (n.precompiledCharsmapBytes > 0) refuse(file, 'normalizer_spec.precompiled_charsmap', `${n.precompiledCharsmapBytes} bytes (rule ${n.name})`, 'the model normalizes text (e.g. NFKC); only identity normalization keeps byte spans exact');
  if (n.removeExtraWhitespaces) refuse(file, 'normalizer_spec.remove_extra_whitespaces', true, 'whitespace collapsing is not converted (Llama and Mistral keep every space)');
  if (!n.escapeWhitespaces) refuse(file, 'normalizer_spec.escape_whitespaces', false, 'spaces must be escaped as ▁');
  if (t.treatWhitespaceAsSuffix) refuse(file, 'trainer_spec.treat_whitespace_as_suffix', true, 'suffix whitespace is not converted');
  const seen = new Set<string>();
  m.pieces.forEach((p, id) => {
    if (p.type === PieceType.USER_DEFINED || p.type === PieceType.UNUSED) {
      refuse(file, `pieces[${id}].type`, p.type === PieceType.USER_DEFINED ? 'USER_DEFINED' : 'UNUSED', `piece ${JSON.stringify(p.piece)}: user-defined and unused pieces are not converted`);
    }
    if (seen.has(p.piece)) refuse(file, `pieces[${id}].piece`, p.piece, 'the piece is defined twice');
    seen.add(p.piece);
  });
  if (t.byteFallback) {
    for (let b = 0; b < 256; b++) {
      const piece = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      if (!seen.has(piece)) refuse(file, 'pieces', `no ${piece}`, 'byte_fallback is on but a byte piece is missing');
    }
  }
  if (m.pieces[t.unkId]?.type !== PieceType.UNKNOWN) refuse(file, 'trainer_spec.unk_id', t.unkId, 'that id is not the UNKNOWN piece');
}

/** Pairs (left, right) whose concatenation is a normal piece, in the order LlamaConverter's generate_merges gives:
 *  by the merged piece's score (highest first), then longer left part, then longer right part; within that, merged
 *  pieces in id order and pairs by (id of left, id of right). Only NORMAL pieces take part: control, unknown and
 *  byte pieces are outside SentencePiece's piece table, so no merge can make or use them. */
export function spmMerges(m: SentencePieceModel): [string, string][] {
  const normal = new Map<string, number>();
  m.pieces.forEach((p, id) => {
    if (p.type === PieceType.NORMAL) normal.set(p.piece, id);
  });
  const all: { l: string; r: string; score: number; lenL: number; lenR: number; order: number }[] = [];
  for (const [piece, id] of normal) {
    const cps = Array.from(piece);
    const local: { l: string; r: string; il: number; ir: number; lenL: number; lenR: number }[] = [];
    for (let i = 1; i < cps.length; i++) {
      const l = cps.slice(0, i).join('');
      const r = cps.slice(i).join('');
      const il = normal.get(l);
      const ir = normal.get(r);
      if (il !== undefined && ir !== undefined) local.push({ l, r, il, ir, lenL: i, lenR: cps.length - i });
    }
    local.sort((a, b) => a.il - b.il || a.ir - b.ir);
    for (const x of local) all.push({ l: x.l, r: x.r, score: m.pieces[id].score, lenL: x.lenL, lenR: x.lenR, order: all.length });
  }
  all.sort((a, b) => b.score - a.score || b.lenL - a.lenL || b.lenR - a.lenR || a.order - b.order);
  return all.map((x) => [x.l, x.r]);
}

interface TokenizerConfig {
  added_tokens_decoder?: Record<string, Partial<AddedToken> & { content?: string }>;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  add_prefix_space?: boolean | null;
}

function addedTokens(m: SentencePieceModel, config: TokenizerConfig, configFile: string): AddedToken[] {
  const byId = new Map<number, AddedToken>();
  m.pieces.forEach((p, id) => {
    if (p.type === PieceType.UNKNOWN || p.type === PieceType.CONTROL) {
      byId.set(id, { id, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    }
  });
  for (const [key, t] of Object.entries(config.added_tokens_decoder ?? {})) {
    const id = Number(key);
    const field = `added_tokens_decoder[${JSON.stringify(key)}]`;
    if (!Number.isInteger(id) || id < 0 || typeof t?.content !== 'string' || t.content === '') {
      throw new UserError(`${configFile}: ${field} needs an integer id and a non-empty "content"; fix or remove the entry`);
    }
    const piece = m.pieces[id];
    if (piece && piece.piece !== t.content) {
      throw new UserError(`${configFile}: ${field}.content is ${JSON.stringify(t.content)} but tokenizer.model has ${JSON.stringify(piece.piece)} at id ${id}; the two files are from different tokenizers: restore them from the same repository`);
    }
    if (piece && piece.type !== PieceType.UNKNOWN && piece.type !== PieceType.CONTROL) {
      // An added token is split out of the text before the model: over a normal or byte piece it would change
      // how plain text is encoded, away from SentencePiece's.
      throw new UserError(`${configFile}: ${field} makes the ordinary piece ${JSON.stringify(t.content)} (id ${id}) an added token, which changes how plain text is split; remove the entry`);
    }
    byId.set(id, {
      id,
      content: t.content,
      single_word: t.single_word ?? false,
      lstrip: t.lstrip ?? false,
      rstrip: t.rstrip ?? false,
      normalized: t.normalized ?? false,
      special: t.special ?? true,
    });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** The tokenizer.json text (deterministic: same files, same bytes). */
export function buildTokenizerJson(modelBytes: Uint8Array, modelFile: string, config: TokenizerConfig = {}, configFile = 'tokenizer_config.json'): string {
  const m = parseSentencePieceModel(modelBytes, modelFile);
  checkSupported(m, modelFile);
  const prepend = m.normalizer.addDummyPrefix;
  if (config.add_prefix_space != null && config.add_prefix_space !== prepend) {
    throw new UserError(
      `${configFile}: add_prefix_space = ${config.add_prefix_space} contradicts ${modelFile}'s normalizer_spec.add_dummy_prefix = ${prepend}; ` +
        'fix: remove add_prefix_space from tokenizer_config.json, or put the model\'s tokenizer.json into the folder',
    );
  }
  const pieceOf = (id: number) => (id >= 0 && id < m.pieces.length ? m.pieces[id].piece : null);
  const bos = pieceOf(m.trainer.bosId);
  const eos = pieceOf(m.trainer.eosId);
  const addBos = (config.add_bos_token ?? true) && bos !== null;
  const addEos = (config.add_eos_token ?? false) && eos !== null;
  const seq = (typeId: number, id: string) => [
    ...(addBos ? [{ SpecialToken: { id: bos, type_id: typeId } }] : []),
    { Sequence: { id, type_id: typeId } },
    ...(addEos ? [{ SpecialToken: { id: eos, type_id: typeId } }] : []),
  ];
  const specials: Record<string, { id: string; ids: number[]; tokens: string[] }> = {};
  if (addBos) specials[bos!] = { id: bos!, ids: [m.trainer.bosId], tokens: [bos!] };
  if (addEos) specials[eos!] = { id: eos!, ids: [m.trainer.eosId], tokens: [eos!] };

  const merges = spmMerges(m).map(([l, r]) => {
    if (l.includes(' ') || r.includes(' ')) refuse(modelFile, 'pieces', l + r, 'a piece holds a plain space');
    return `${l} ${r}`;
  });
  const head = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(m, config, configFile),
    normalizer: {
      type: 'Sequence',
      normalizers: [...(prepend ? [{ type: 'Prepend', prepend: '\u2581' }] : []), { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }],
    },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing', single: seq(0, 'A'), pair: [...seq(0, 'A'), ...seq(1, 'B')], special_tokens: specials },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(prepend ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
  };
  const model = {
    type: 'BPE',
    dropout: null,
    unk_token: m.pieces[m.trainer.unkId].piece,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: m.trainer.byteFallback,
  };
  // The vocabulary is written by hand so it stays in id order (a JS object would put digit-only keys first).
  const vocab = m.pieces.map((p, id) => `${JSON.stringify(p.piece)}:${id}`).join(',');
  const modelText = JSON.stringify(model).slice(0, -1) + `,"vocab":{${vocab}},"merges":${JSON.stringify(merges)}}`;
  return JSON.stringify(head).slice(0, -1) + `,"model":${modelText}}\n`;
}

function readConfig(file: string): { config: TokenizerConfig; bytes: Buffer | null } {
  if (!existsSync(file)) return { config: {}, bytes: null };
  const bytes = readFileSync(file);
  try {
    return { config: JSON.parse(bytes.toString('utf8')) as TokenizerConfig, bytes };
  } catch (err) {
    throw new UserError(`${file}: tokenizer_config.json is not valid JSON (${(err as Error).message}); restore the file`);
  }
}

/**
 * The tokenizer.json of a model folder: its own when present, else the one built from its tokenizer.model into
 * `<longproxyHome>/tokenizers/<sha256>/tokenizer.json` (key: converter version, tokenizer.model and
 * tokenizer_config.json), written to a temporary file and renamed, so a reader never sees half a file.
 */
export function tokenizerJsonFor(modelDir: string, env: NodeJS.ProcessEnv = process.env): TokenizerJsonLocation {
  const own = path.join(modelDir, 'tokenizer.json');
  if (existsSync(own)) return { path: own, source: 'tokenizer.json' };
  const spmFile = path.join(modelDir, 'tokenizer.model');
  if (!existsSync(spmFile)) {
    throw new UserError(`${own}: tokenizer.json not found, nor ${spmFile} to build it from; copy the tokenizer files of the model's repository (tokenizer.json, or tokenizer.model with tokenizer_config.json) into the folder`);
  }
  const modelBytes = readFileSync(spmFile);
  const configFile = path.join(modelDir, 'tokenizer_config.json');
  const { config, bytes: configBytes } = readConfig(configFile);
  const modelSha = sha256(modelBytes);
  const key = sha256(`longproxy-spm-converter:${SPM_CONVERTER_VERSION}\0${modelSha}\0${configBytes ? sha256(configBytes) : 'none'}`);
  const out = path.join(longproxyHome(env), 'tokenizers', key, 'tokenizer.json');
  if (!existsSync(out)) {
    writeFileAtomic(out, buildTokenizerJson(modelBytes, spmFile, config, configFile));
  }
  return { path: out, source: 'built from tokenizer.model', tokenizerModelSha256: modelSha };
}
