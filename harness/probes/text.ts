// Text helpers of the probes: words as UTF-16 index ranges, UTF-8 byte offsets, prefixes cut at a word end,
// a per-document seeded generator. Regions are byte spans (every tokenizer maps them onto its own tokens).
import { deriveSeed, Rng } from '../util/rng.ts';

export interface Word {
  /** UTF-16 indices [start, end) of a run of non-whitespace characters. */
  start: number;
  end: number;
}

export function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(/\S+/gu)) out.push({ start: m.index!, end: m.index! + m[0].length });
  return out;
}

export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** UTF-8 byte offset of every UTF-16 index 0..text.length (a surrogate pair's second half maps like its first). */
export function byteOffsets(text: string): Int32Array {
  const out = new Int32Array(text.length + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    out[i] = b;
    const c = text.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[i + 1] = b;
        b += 4;
        i++;
        continue;
      }
      b += 3;
    } else b += 3;
  }
  out[text.length] = b;
  return out;
}

/** The longest prefix of `text` that ends at the end of a word and has at most `maxBytes` UTF-8 bytes. */
export function prefixAtWordEnd(text: string, ws: readonly Word[], offsets: Int32Array, maxBytes: number): string {
  let lo = 0;
  let hi = ws.length; // number of words kept
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[ws[mid - 1].end] <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : text.slice(0, ws[lo - 1].end);
}

/** The generator of one (probe, document): the same seed and document id give the same sequence. */
export function docRng(seed: number, probeId: string, docId: string): Rng {
  return new Rng(deriveSeed(seed, `${probeId}\u0000${docId}`));
}

/** Index of the first word of a passage of `len` words placed at `depth` of `ws`, moved by up to `jitter` words. */
export function passageStart(nWords: number, len: number, depth: number, jitter: number, rng: Rng): number {
  const centre = Math.round(depth * (nWords - len));
  const moved = centre + (jitter > 0 ? rng.int(2 * jitter + 1) - jitter : 0);
  return Math.min(nWords - len, Math.max(0, moved));
}
