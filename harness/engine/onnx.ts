// The embedded engine: @huggingface/transformers + onnxruntime-node, local folders only, CPU by default.
// Plans run as a loop over forwards, with two savings that leave every number unchanged: a forward whose range
// is a prefix of another forward's range (same start) reuses that one's logits (causal attention: position i
// depends on ids[start..i] only), and forwards of equal length run as one batch.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { UserError } from '../errors.ts';
import { fingerprintModelDir } from './fingerprint.ts';
import { rowArgmax } from './logits.ts';
import { rowStatsBatch, type RowRequest } from './row-stats.ts';
import { loadTokenizer, type SpanTokenizer } from './tokenizer.ts';
import type { Engine, ForwardResult, LanguageModel, ModelRef, PlannedForward, PlanOutputs, TokenizedText } from './types.ts';

import { ONNX_ENGINE_VERSION } from './onnx-version.ts';

export { ONNX_ENGINE_VERSION };

// Never the network: only folders on this machine. Model ids are absolute paths, joined onto '/'.
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/';

/** Logit floats one batched session run may produce (B x T x V); larger groups are split. */
const DEFAULT_MAX_BATCH_LOGITS = 64 * 1024 * 1024;

export interface OnnxLoadOptions {
  device?: string;
  /** Run equal-length forwards of a plan as one batch (default true; bench/engine.ts measures both). */
  batch?: boolean;
  /** Upper bound of B x T x vocab per session run. */
  maxBatchLogits?: number;
}

interface CausalLM {
  (inputs: Record<string, Tensor>): Promise<{ logits: Tensor }>;
  dispose(): Promise<unknown>;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300);
}

function requireFile(file: string, what: string): void {
  if (!existsSync(file)) {
    throw new UserError(`${file}: ${what} not found; an onnx model folder needs config.json, tokenizer.json (or tokenizer.model) and onnx/model.onnx (Hugging Face / transformers.js layout)`);
  }
}

function int64(ids: ArrayLike<number>[], length: number): Tensor {
  const data = new BigInt64Array(ids.length * length);
  ids.forEach((row, b) => {
    for (let t = 0; t < length; t++) data[b * length + t] = BigInt(row[t]);
  });
  return new Tensor('int64', data, [ids.length, length]);
}

/** A range of document tokens read by one session run, and the plan entries it serves. */
interface Run {
  start: number;
  end: number;
}

class OnnxModel implements LanguageModel {
  readonly engine = 'onnx';

  constructor(
    readonly ref: ModelRef,
    readonly device: string,
    readonly maxPositions: number,
    readonly fingerprint: string,
    private readonly tokenizer: SpanTokenizer,
    private readonly model: CausalLM,
    private readonly vocabSize: number,
    private readonly options: Required<Pick<OnnxLoadOptions, 'batch' | 'maxBatchLogits'>>,
  ) {}

  get bosTokenId(): number | null {
    return this.tokenizer.bosTokenId;
  }

  get eosTokenId(): number | null {
    return this.tokenizer.eosTokenId;
  }

  tokenize(text: string): TokenizedText {
    return this.tokenizer.tokenize(text);
  }

  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(ids);
  }

  /** Logits of a batch of equal-length inputs: [B, T, V] flattened. */
  private async logits(inputs: ArrayLike<number>[]): Promise<{ data: Float32Array; vocab: number }> {
    const length = inputs[0].length;
    if (length > this.maxPositions) {
      throw new Error(`onnx engine (${this.ref.id}): a forward of ${length} tokens exceeds the model's ${this.maxPositions} positions`);
    }
    const ones = inputs.map(() => new Array<number>(length).fill(1));
    const out = await this.model({ input_ids: int64(inputs, length), attention_mask: int64(ones, length) });
    const dims = out.logits.dims;
    const data = out.logits.data as Float32Array;
    if (!(data instanceof Float32Array)) throw new Error(`onnx engine (${this.ref.id}): logits are ${out.logits.type}, expected float32`);
    return { data, vocab: dims[dims.length - 1] };
  }

  async forward(ids: Int32Array, scoreFrom: number): Promise<ForwardResult> {
    if (scoreFrom < 1) throw new Error('forward: scoreFrom must be >= 1 (position 0 has no prediction)');
    const { data, vocab } = await this.logits([ids]);
    const n = ids.length - scoreFrom;
    const rows: RowRequest[] = [];
    for (let i = scoreFrom; i < ids.length; i++) rows.push({ offset: (i - 1) * vocab, target: ids[i] });
    const s = await rowStatsBatch(data, vocab, rows);
    const r: ForwardResult = { logprob: Float32Array.from(s.logprob), entropy: Float32Array.from(s.entropy), top1: new Uint8Array(n) };
    for (let k = 0; k < n; k++) r.top1[k] = s.argmax[k] === rows[k].target ? 1 : 0;
    return r;
  }

  async runPlan(ids: Int32Array, plan: readonly PlannedForward[], addBos: boolean): Promise<PlanOutputs> {
    const n = ids.length;
    const bos = addBos ? this.bosTokenId : null;
    if (addBos && bos === null) throw new UserError(`${this.ref.dir}: addBos was asked for but tokenizer_config.json names no bos_token; run without --bos`);
    const out: PlanOutputs = { logprob: {}, entropy: new Float32Array(n).fill(NaN), top1: new Uint8Array(n), entropyShort: {}, top1Short: {}, tokensProcessed: 0 };
    for (const f of plan) {
      out.logprob[f.field] ??= new Float32Array(n).fill(NaN);
      if (f.field !== 'long') {
        out.entropyShort[f.field] ??= new Float32Array(n).fill(NaN);
        out.top1Short[f.field] ??= new Uint8Array(n);
      }
    }

    // One session run per start: the longest range from that start serves every forward with the same start.
    const runByStart = new Map<number, Run>();
    for (const f of plan) {
      const r = runByStart.get(f.start);
      if (!r || r.end < f.end) runByStart.set(f.start, { start: f.start, end: f.end });
    }
    const byLength = new Map<number, Run[]>();
    for (const r of [...runByStart.values()].sort((a, b) => a.start - b.start)) {
      const len = r.end - r.start;
      byLength.set(len, [...(byLength.get(len) ?? []), r]);
    }
    const users = new Map<number, PlannedForward[]>();
    for (const f of plan) users.set(f.start, [...(users.get(f.start) ?? []), f]);

    const offset = addBos ? 1 : 0;
    for (const [len, runs] of [...byLength.entries()].sort((a, b) => a[0] - b[0])) {
      const perRow = (len + offset) * Math.max(1, this.vocabSize);
      const groupSize = this.options.batch ? Math.max(1, Math.floor(this.options.maxBatchLogits / perRow)) : 1;
      for (let g = 0; g < runs.length; g += groupSize) {
        const group = runs.slice(g, g + groupSize);
        const inputs = group.map((r) => (bos === null ? ids.subarray(r.start, r.end) : [bos, ...ids.subarray(r.start, r.end)]));
        const { data, vocab } = await this.logits(inputs);
        out.tokensProcessed += group.length * (len + offset);
        // Every scored row of the group in one statistics run, then scattered into the fields.
        const rows: RowRequest[] = [];
        const rowAt = new Map<number, number>(); // logits offset -> row (fields sharing a forward share rows)
        const sinks: { field: string; i: number; row: number }[] = [];
        group.forEach((r, b) => {
          const base = b * (len + offset) * vocab;
          for (const f of users.get(r.start)!) {
            for (let i = f.scoreFrom; i < f.end; i++) {
              // input index of position i is i - start + offset; its prediction sits one row earlier
              const at = base + (i - r.start + offset - 1) * vocab;
              let row = rowAt.get(at);
              if (row === undefined) {
                row = rows.push({ offset: at, target: ids[i] }) - 1;
                rowAt.set(at, row);
              }
              sinks.push({ field: f.field, i, row });
            }
          }
        });
        const st = await rowStatsBatch(data, vocab, rows);
        for (const { field, i, row } of sinks) {
          out.logprob[field][i] = st.logprob[row];
          // The statistics graph yields entropy and arg-max of every row: the short windows keep theirs too.
          const [entropy, top1] = field === 'long' ? [out.entropy, out.top1] : [out.entropyShort[field], out.top1Short[field]];
          entropy[i] = st.entropy[row];
          top1[i] = st.argmax[row] === ids[i] ? 1 : 0;
        }
      }
    }
    return out;
  }

  async generateGreedy(ids: Int32Array, maxNewTokens: number): Promise<Int32Array> {
    const seq = Array.from(ids);
    const generated: number[] = [];
    // No KV cache: every step re-runs the whole prefix (the models this engine runs are small).
    for (let k = 0; k < maxNewTokens && seq.length < this.maxPositions; k++) {
      const { data, vocab } = await this.logits([seq]);
      const next = rowArgmax(data, (seq.length - 1) * vocab, vocab);
      generated.push(next);
      seq.push(next);
      if (next === this.eosTokenId) break;
    }
    return Int32Array.from(generated);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

async function load(ref: ModelRef, options: OnnxLoadOptions = {}): Promise<LanguageModel> {
  const dir = path.resolve(ref.dir);
  const configFile = path.join(dir, 'config.json');
  requireFile(configFile, 'config.json');
  const onnxFile = path.join(dir, 'onnx', 'model.onnx');
  requireFile(onnxFile, 'onnx/model.onnx');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${configFile}: not valid JSON (${(err as Error).message}); restore the file`);
  }
  const maxPositions = Number(config.max_position_embeddings ?? config.n_positions ?? 2048);
  const tokenizer = loadTokenizer(dir);
  const device = options.device ?? 'cpu';
  // onnxruntime-node is installed without its CUDA provider (package.json allowScripts): only the CPU runs it.
  if (device !== 'cpu') {
    throw new UserError(`--device ${device}: the onnx engine runs on the CPU only; drop --device (or pass --device cpu), or use --engine torch for ${device}`);
  }
  let model: CausalLM;
  try {
    model = (await AutoModelForCausalLM.from_pretrained(dir, {
    local_files_only: true,
    dtype: 'fp32',
    device: device as 'cpu',
    use_external_data_format: existsSync(`${onnxFile}_data`),
    // The statistics session (row-stats.ts) runs between model runs: idle spinning threads would steal its cores.
    session_options: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  } as Parameters<typeof AutoModelForCausalLM.from_pretrained>[1])) as unknown as CausalLM;
  } catch (err) {
    // A truncated or foreign file fails inside onnxruntime with a protobuf message: name the file and the fix.
    throw new UserError(
      `${onnxFile}: onnxruntime cannot load the model (${firstLine(err)}); the file is truncated or not an ONNX model: ` +
        `copy or export it again (its size is ${statSync(onnxFile).size} bytes)`,
    );
  }
  const fingerprint = await fingerprintModelDir(dir);
  return new OnnxModel({ id: ref.id, dir }, device, maxPositions, fingerprint, tokenizer, model, Number(config.vocab_size ?? tokenizer.vocabSize), {
    batch: options.batch ?? true,
    maxBatchLogits: options.maxBatchLogits ?? DEFAULT_MAX_BATCH_LOGITS,
  });
}

export const onnxEngine: Engine & { load(ref: ModelRef, options?: OnnxLoadOptions): Promise<LanguageModel> } = {
  id: 'onnx',
  version: ONNX_ENGINE_VERSION,
  load,
};
