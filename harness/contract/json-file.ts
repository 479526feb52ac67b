// Reading the small JSON files of the contract (submissions, downstream targets) the way Python's json module
// reads them: NaN, Infinity and -Infinity literals are accepted here (Python's json.dump writes them) so that
// the caller can refuse them as non-finite scores with a precise message, and a key repeated in one object is an
// error (JSON.parse would silently keep the last one, hiding a duplicated model).
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { sha256 } from '../util/hash.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JsonFile {
  path: string;
  sha256: string;
  value: JsonValue;
}

/** Reads and parses `path`; every failure is a UserError naming the file, the place and the fix. */
export function readJsonFile(path: string, what: string): JsonFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(`${path}: cannot read the ${what} file (${code}); check the path`);
  }
  const digest = sha256(bytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new UserError(`${path}: the ${what} file is not UTF-8 text (byte ${firstInvalidUtf8(bytes)}); save it as UTF-8 JSON`);
  }
  // Python's json.loads refuses a leading BOM (the reference verifier does too): never strip it silently.
  if (text.charCodeAt(0) === 0xfeff) {
    throw new UserError(
      `${path}: the ${what} file is not valid JSON: Unexpected UTF-8 BOM at line 1 column 1 (position 0); ` +
        `save it as UTF-8 without a byte order mark`,
    );
  }
  try {
    return { path, sha256: digest, value: parseJsonLenient(text) };
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new UserError(
        `${path}: the ${what} file is not valid JSON: ${err.problem} at line ${err.line} column ${err.column} ` +
          `(position ${err.position}); fix the JSON syntax`,
      );
    }
    if (err instanceof DuplicateKeyError) {
      throw new UserError(
        `${path}: duplicate model or key ${JSON.stringify(err.key)} in a JSON object of the ${what} file ` +
          `(line ${err.line} column ${err.column}); keep one entry per key`,
      );
    }
    throw err;
  }
}

/** Offset of the first byte that does not decode as UTF-8 (what Python's UnicodeDecodeError.start reports).
 *  Only called on the error path, so a plain walk over the sequences is fast enough. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] < 0x80) {
      i++;
      continue;
    }
    let k = 2;
    for (; k <= 4; k++) {
      try {
        decoder.decode(bytes.subarray(i, i + k));
        break;
      } catch {
        // not a whole sequence of k bytes
      }
    }
    if (k > 4 || i + k > bytes.length) return i;
    i += k;
  }
  return bytes.length;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly problem: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${problem} at line ${line} column ${column} (position ${position})`);
  }
}

export class DuplicateKeyError extends Error {
  constructor(
    readonly key: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`duplicate key ${JSON.stringify(key)} at line ${line} column ${column}`);
  }
}

const NON_FINITE: ReadonlyArray<[string, number]> = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** RFC 8259 JSON plus Python's NaN / Infinity / -Infinity literals; duplicate object keys throw. */
export function parseJsonLenient(text: string): JsonValue {
  let pos = 0;

  const lineCol = (p: number): [number, number] => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < p; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return [line, p - lineStart + 1];
  };
  const fail = (problem: string, p = pos): never => {
    const [line, column] = lineCol(p);
    throw new JsonSyntaxError(problem, p, line, column);
  };
  const skipWs = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else break;
    }
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 34) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c < 32) fail('control character in string');
      if (c === 92) {
        out += text.slice(chunkStart, pos);
        const e = text[pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          pos += 2;
        } else if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          fail('invalid escape');
        }
        chunkStart = pos;
        continue;
      }
      pos++;
    }
  };

  const parseValue = (): JsonValue => {
    skipWs();
    if (pos >= text.length) fail('expecting value');
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: Record<string, JsonValue> = {};
      const seen = new Set<string>();
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail('expecting property name enclosed in double quotes');
        const keyPos = pos;
        const key = parseString();
        if (seen.has(key)) {
          const [line, column] = lineCol(keyPos);
          throw new DuplicateKeyError(key, line, column);
        }
        seen.add(key);
        skipWs();
        if (text[pos] !== ':') fail("expecting ':' delimiter");
        pos++;
        const v = parseValue();
        // defineProperty: a key named "__proto__" must be an ordinary key, as in Python.
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail("expecting ',' delimiter");
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail("expecting ',' delimiter");
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    for (const [word, value] of NON_FINITE) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos += m[0].length;
      return Number(m[0]);
    }
    return fail('expecting value');
  };

  const value = parseValue();
  skipWs();
  if (pos < text.length) fail('extra data');
  return value;
}
