// The rehearsal's inputs, written to a temporary folder (never under results/): a corpus of GovReport texts from
// the committed data/zoo_haystack.json (so the CPU and the GPU rehearsals read the same text everywhere) and a
// downstream file of deterministic synthetic values, named and marked as such. Neither is a benchmark input.
import { sha256Bytes } from '../util/hash.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { REPO_ROOT } from '../util/paths.ts';

export const HAYSTACK = path.join(REPO_ROOT, 'data', 'zoo_haystack.json');
export const CORPUS_NAME = 'govreport.rehearsal.json';
export const DOWNSTREAM_NAME = 'downstream.rehearsal-synthetic.json';
export const SYNTHETIC_NOTE = 'rehearsal value: deterministic, made up from the model id, not a benchmark score';

export interface RehearsalCorpusOptions {
  /** Documents in the corpus. */
  docs: number;
  /** cpu: each document is one report cut near CPU_CHARS[i] characters: 5.2k-5.9k tokens under every replica
   *  tokenizer (> 5120, so the 4096/1024 window scores tokens; no more, as the CPU pays per scored position x
   *  vocabulary); gpu: reports joined until each document passes 32768 tokens (the harness cuts it at 32768). */
  mode: 'cpu' | 'gpu';
}

interface HaystackDoc {
  id: string;
  text: string;
}

/** Cut at the last whitespace before `chars` characters (no split word, no split surrogate pair). */
function cutAt(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const head = text.slice(0, chars);
  const ws = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n'));
  return head.slice(0, ws > 0 ? ws : chars);
}

/** Cuts of the first long reports (characters): the SentencePiece stand-ins, which compress GovReport best (they
 *  were trained on it), give 5.2k tokens; Qwen2 ~5.35k, Llama-2 ~5.8k. */
export const CPU_CHARS = [25200, 29900];

export function rehearsalDocuments(o: RehearsalCorpusOptions): { id: string; text: string; source: string }[] {
  const hay = JSON.parse(readFileSync(HAYSTACK, 'utf8')) as HaystackDoc[];
  const long = hay.filter((d) => d.text.length >= 60000); // the 16K-file reports (~16k Llama-2 tokens each)
  if (o.mode === 'cpu') {
    if (o.docs > CPU_CHARS.length) throw new Error(`rehearsal corpus: at most ${CPU_CHARS.length} CPU documents (asked ${o.docs})`);
    return long.slice(0, o.docs).map((d, i) => ({ id: `rehearsal-cpu-${i}`, text: cutAt(d.text, CPU_CHARS[i]), source: d.id }));
  }
  // gpu: 3 reports per document (~210k characters, > 45k tokens under any of the tokenizers), cut by the harness.
  const per = 3;
  if (o.docs * per > hay.length) throw new Error(`rehearsal corpus: ${o.docs} 32k-token documents need ${o.docs * per} reports; ${HAYSTACK} has ${hay.length}`);
  const sorted = [...hay].sort((a, b) => b.text.length - a.text.length);
  return Array.from({ length: o.docs }, (_, i) => {
    const parts = sorted.slice(i * per, i * per + per);
    return { id: `rehearsal-gpu-${i}`, text: parts.map((d) => d.text).join('\n\n'), source: parts.map((d) => d.id).join(' + ') };
  });
}

/** A deterministic value in [20, 70) per model: sha256("rehearsal:" + id) mapped to the range. Made up. */
export function syntheticScore(model: string): number {
  const h = sha256Bytes(`rehearsal:${model}`);
  return 20 + (h.readUInt32BE(0) / 2 ** 32) * 50;
}

const writeJsonAtomic = (file: string, value: unknown) => writeFileAtomic(file, `${JSON.stringify(value, null, 1)}\n`);

export interface RehearsalInputs {
  corpusPath: string;
  downstreamPath: string;
}

/** Writes the corpus and the synthetic downstream file into `dir` (refused under the repository's results/). */
export function writeRehearsalInputs(dir: string, o: RehearsalCorpusOptions, models: readonly string[] = LOCKED_MODELS): RehearsalInputs {
  const abs = path.resolve(dir);
  const results = path.join(REPO_ROOT, 'results');
  if (abs === results || abs.startsWith(results + path.sep)) {
    throw new Error(`rehearsal inputs must not be written under ${results} (got ${abs}); use a temporary folder`);
  }
  const corpusPath = path.join(abs, CORPUS_NAME);
  const downstreamPath = path.join(abs, DOWNSTREAM_NAME);
  writeJsonAtomic(corpusPath, rehearsalDocuments(o));
  writeJsonAtomic(downstreamPath, Object.fromEntries(models.map((m) => [m, { overall: Number(syntheticScore(m).toFixed(4)), synthetic: SYNTHETIC_NOTE }])));
  return { corpusPath, downstreamPath };
}
