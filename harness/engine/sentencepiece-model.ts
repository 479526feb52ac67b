// Reads a SentencePiece `tokenizer.model` (a serialized sentencepiece.ModelProto, sentencepiece_model.proto).
// Hand-written rather than a protobuf library: none of the project's kept npm packages reads protobuf, the wire
// format needed here is four field types, and the fields kept are exactly the ones the conversion
// (sentencepiece-convert.ts) must agree with the reference implementation on; proto2 defaults are spelled out
// below, so a field the file leaves out reads as SentencePiece itself reads it.
import { UserError } from '../errors.ts';

/** ModelProto.SentencePiece.Type */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiece {
  piece: string;
  /** float32, as stored */
  score: number;
  type: number;
}

/** The TrainerSpec fields that matter for encoding (the rest only constrain which pieces training may make). */
export interface TrainerSpec {
  /** 1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR */
  modelType: number;
  vocabSize: number;
  byteFallback: boolean;
  splitDigits: boolean;
  treatWhitespaceAsSuffix: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
}

export interface NormalizerSpec {
  name: string;
  precompiledCharsmapBytes: number;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SentencePieceModel {
  pieces: SentencePiece[];
  trainer: TrainerSpec;
  normalizer: NormalizerSpec;
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly file: string,
  ) {}

  fail(what: string): never {
    throw new UserError(`${this.file}: not a SentencePiece model (${what} at byte ${this.pos}); restore the model's tokenizer.model`);
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) this.fail('varint longer than 10 bytes');
    }
  }

  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) this.fail('length past the end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  float(): number {
    if (this.pos + 4 > this.buf.length) this.fail('truncated float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else this.fail(`unsupported wire type ${wire}`);
    if (this.pos > this.buf.length) this.fail('field past the end');
  }

  /** Calls `field` for every (number, wire type) of a message; the callback reads the value or returns false. */
  fields(field: (no: number, wire: number) => boolean): void {
    while (this.pos < this.buf.length) {
      const key = Number(this.varint());
      const no = key >>> 3;
      const wire = key & 7;
      if (!field(no, wire)) this.skip(wire);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(r: Reader, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return r.fail('a string field that is not UTF-8');
  }
}

function sub(r: Reader, bytes: Uint8Array): Reader {
  return new Reader(bytes, r.file);
}

function readPiece(r: Reader): SentencePiece {
  const p: SentencePiece = { piece: '', score: 0, type: PieceType.NORMAL };
  r.fields((no, wire) => {
    if (no === 1 && wire === 2) p.piece = text(r, r.bytes());
    else if (no === 2 && wire === 5) p.score = r.float();
    else if (no === 3 && wire === 0) p.type = r.int32();
    else return false;
    return true;
  });
  return p;
}

function readTrainer(r: Reader): TrainerSpec {
  // proto2 defaults of sentencepiece_model.proto
  const t: TrainerSpec = {
    modelType: 1,
    vocabSize: 8000,
    byteFallback: false,
    splitDigits: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: '<unk>',
  };
  r.fields((no, wire) => {
    if (wire === 0) {
      const ints: Partial<Record<number, keyof TrainerSpec>> = { 3: 'modelType', 4: 'vocabSize', 40: 'unkId', 41: 'bosId', 42: 'eosId', 43: 'padId' };
      const bools: Partial<Record<number, keyof TrainerSpec>> = { 35: 'byteFallback', 25: 'splitDigits', 24: 'treatWhitespaceAsSuffix' };
      const k = ints[no] ?? bools[no];
      if (!k) return false;
      const v = r.int32();
      (t as unknown as Record<string, number | boolean>)[k] = ints[no] ? v : v !== 0;
      return true;
    }
    if (no === 45 && wire === 2) {
      t.unkPiece = text(r, r.bytes());
      return true;
    }
    return false;
  });
  return t;
}

function readNormalizer(r: Reader): NormalizerSpec {
  const n: NormalizerSpec = { name: '', precompiledCharsmapBytes: 0, addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true };
  r.fields((no, wire) => {
    if (no === 1 && wire === 2) n.name = text(r, r.bytes());
    else if (no === 2 && wire === 2) n.precompiledCharsmapBytes = r.bytes().length;
    else if (no === 3 && wire === 0) n.addDummyPrefix = r.varint() !== 0n;
    else if (no === 4 && wire === 0) n.removeExtraWhitespaces = r.varint() !== 0n;
    else if (no === 5 && wire === 0) n.escapeWhitespaces = r.varint() !== 0n;
    else return false;
    return true;
  });
  return n;
}

/** Parses the bytes of a tokenizer.model; `file` names it in errors. */
export function parseSentencePieceModel(buf: Uint8Array, file: string): SentencePieceModel {
  const r = new Reader(buf, file);
  const pieces: SentencePiece[] = [];
  let trainer: TrainerSpec | undefined;
  let normalizer: NormalizerSpec | undefined;
  r.fields((no, wire) => {
    if (wire !== 2) return false;
    if (no === 1) pieces.push(readPiece(sub(r, r.bytes())));
    else if (no === 2) trainer = readTrainer(sub(r, r.bytes()));
    else if (no === 3) normalizer = readNormalizer(sub(r, r.bytes()));
    else return false;
    return true;
  });
  if (pieces.length === 0) r.fail('no pieces');
  return { pieces, trainer: trainer ?? readTrainer(sub(r, new Uint8Array())), normalizer: normalizer ?? readNormalizer(sub(r, new Uint8Array())) };
}
