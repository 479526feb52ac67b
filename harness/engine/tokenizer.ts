// A Hugging Face tokenizer (tokenizer.json, or one built from tokenizer.model) loaded offline, with the UTF-8 byte span of every token in the text.
// transformers.js gives no offsets, so spans come from the tokens' own bytes: byte-level BPE (GPT-2, Qwen2) maps
// each character of a token back to one byte; SentencePiece-style vocabularies (Llama-2) turn "▁" into a space
// and <0xHH> byte-fallback pieces into single bytes. The token bytes are then walked along the text's bytes; the
// one allowed difference is the space a SentencePiece normalizer prepends. Anything else is an error, never a
// silently shifted span (broken offsets would silently drop LongPPL's key tokens).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { UserError } from '../errors.ts';
import { tokenizerJsonFor, type TokenizerSource } from './sentencepiece-convert.ts';
import type { TokenizedText } from './types.ts';

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number> | [string, number][]; byte_fallback?: boolean };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  pre_tokenizer?: unknown;
  decoder?: unknown;
}

/** GPT-2's bytes_to_unicode table, inverted: printable stand-in character -> byte. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.slice();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + extra++);
    }
  }
  return new Map(bytes.map((b, i) => [String.fromCodePoint(chars[i]), b]));
}

function mentionsType(node: unknown, type: string): boolean {
  if (Array.isArray(node)) return node.some((n) => mentionsType(n, type));
  if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (obj.type === type) return true;
    return Object.values(obj).some((v) => mentionsType(v, type));
  }
  return false;
}

const encoder = new TextEncoder();

export class SpanTokenizer {
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  private readonly pieces: (string | undefined)[];
  private readonly special = new Set<number>();
  private readonly byteLevel: boolean;
  private readonly byteOf = byteLevelDecoder();
  private readonly bytesCache = new Map<number, Uint8Array>();

  constructor(
    readonly source: string,
    private readonly hf: PreTrainedTokenizer,
    json: TokenizerJson,
    config: Record<string, unknown>,
    /** Where the tokenizer.json came from: the folder's own, or built from its tokenizer.model. */
    readonly origin: TokenizerSource = 'tokenizer.json',
  ) {
    this.pieces = [];
    const vocab = Array.isArray(json.model.vocab) ? json.model.vocab.map(([p], i) => [p, i] as const) : Object.entries(json.model.vocab);
    for (const [piece, id] of vocab) this.pieces[id] = piece;
    for (const t of json.added_tokens ?? []) {
      this.pieces[t.id] = t.content;
      this.special.add(t.id);
    }
    this.byteLevel = mentionsType(json.pre_tokenizer, 'ByteLevel') || mentionsType(json.decoder, 'ByteLevel');
    this.bosTokenId = this.idOf(config.bos_token);
    this.eosTokenId = this.idOf(config.eos_token);
  }

  private idOf(token: unknown): number | null {
    const content = typeof token === 'string' ? token : (token as { content?: string } | null)?.content;
    if (!content) return null;
    const id = this.pieces.indexOf(content);
    return id >= 0 ? id : null;
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** The bytes a token stands for in the text. */
  tokenBytes(id: number): Uint8Array {
    let bytes = this.bytesCache.get(id);
    if (bytes) return bytes;
    const piece = this.pieces[id];
    if (piece === undefined) throw new Error(`${this.source}: token id ${id} is not in the vocabulary`);
    if (this.special.has(id)) {
      bytes = encoder.encode(piece);
    } else if (this.byteLevel) {
      const chars = Array.from(piece);
      bytes = new Uint8Array(chars.length);
      chars.forEach((c, i) => {
        const b = this.byteOf.get(c);
        if (b === undefined) throw new Error(`${this.source}: byte-level token ${id} ${JSON.stringify(piece)} holds a character outside the byte alphabet`);
        bytes![i] = b;
      });
    } else {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      bytes = m ? Uint8Array.of(parseInt(m[1], 16)) : encoder.encode(piece.replaceAll('\u2581', ' '));
    }
    this.bytesCache.set(id, bytes);
    return bytes;
  }

  /** Token ids (no special tokens added) and the byte span of each in `text`; spans tile the text's bytes. */
  tokenize(text: string): TokenizedText {
    const ids = Int32Array.from(this.hf.encode(text, { add_special_tokens: false }) as number[]);
    const { byteStart, byteEnd } = this.spans(text, ids);
    return { ids, byteStart, byteEnd };
  }

  spans(text: string, ids: Int32Array): { byteStart: Int32Array; byteEnd: Int32Array } {
    const doc = encoder.encode(text);
    const byteStart = new Int32Array(ids.length);
    const byteEnd = new Int32Array(ids.length);
    let p = 0;
    for (let t = 0; t < ids.length; t++) {
      let tok = this.tokenBytes(ids[t]);
      if (!matchesAt(doc, p, tok) && tok[0] === 0x20 && matchesAt(doc, p, tok.subarray(1))) tok = tok.subarray(1);
      if (!matchesAt(doc, p, tok)) {
        const context = new TextDecoder().decode(doc.subarray(Math.max(0, p - 20), p + 20));
        throw new Error(
          `${this.source}: token ${t} (id ${ids[t]}, ${JSON.stringify(this.pieces[ids[t]])}) does not match the text at byte ${p} ` +
            `(near ${JSON.stringify(context)}): the tokenizer normalizes the text (e.g. NFC, lower-casing), so byte spans cannot be mapped`,
        );
      }
      byteStart[t] = p;
      p += tok.length;
      byteEnd[t] = p;
    }
    if (p !== doc.length) throw new Error(`${this.source}: tokens cover ${p} of ${doc.length} bytes of the text`);
    return { byteStart, byteEnd };
  }

  decode(ids: ArrayLike<number>): string {
    return this.hf.decode(Array.from(ids), { skip_special_tokens: false });
  }
}

function matchesAt(doc: Uint8Array, p: number, tok: Uint8Array): boolean {
  if (p + tok.length > doc.length) return false;
  for (let i = 0; i < tok.length; i++) if (doc[p + i] !== tok[i]) return false;
  return true;
}

function readJson(file: string, what: string): Record<string, unknown> {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: ${what} not found; the model folder needs it (Hugging Face layout: config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx)`);
  }
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: ${what} is not valid JSON (${(err as Error).message}); restore the file`);
  }
}

/** Loads the folder's tokenizer.json, or the one built from its tokenizer.model (sentencepiece-convert.ts), with
 *  `tokenizer_config.json` when present; no network. */
export function loadTokenizer(dir: string, env: NodeJS.ProcessEnv = process.env): SpanTokenizer {
  const where = tokenizerJsonFor(dir, env);
  const json = readJson(where.path, 'tokenizer.json') as unknown as TokenizerJson;
  const configFile = path.join(dir, 'tokenizer_config.json');
  let config: Record<string, unknown> = {};
  try {
    config = readJson(configFile, 'tokenizer_config.json');
  } catch (err) {
    if (!(err instanceof UserError) || !/not found/.test(err.message)) throw err;
  }
  const hf = new PreTrainedTokenizer(json, config);
  return new SpanTokenizer(where.path, hf, json, config, where.source);
}
