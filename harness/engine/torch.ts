// The `torch` engine: PyTorch + transformers in a Python worker (harness/engine/torch_worker/), driven over a pipe.
// The worker executes a whole plan natively (short windows batched, output projection and statistics in chunks),
// so a 32k-token document never has its [tokens x vocab] logits in memory at once.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { fingerprintModelDir } from './fingerprint.ts';
import { ropeLabel, type RopePolicy } from './rope-policy.ts';
import { TORCH_ENGINE_VERSION } from './torch-version.ts';
import { tokenizerJsonFor, type TokenizerJsonLocation } from './sentencepiece-convert.ts';
import { loadTokenizer } from './tokenizer.ts';
import type {
  Engine,
  ForwardResult,
  LanguageModel,
  ModelRef,
  PlannedForward,
  PlanOutputs,
  TokenizedText,
} from './types.ts';
import {
  pack,
  unpackF32,
  unpackI32,
  unpackU8,
  WorkerProcess,
  WorkerRequestError,
  type Packed,
} from './torch-worker.ts';
import { sha256 } from '../util/hash.ts';

export { TORCH_ENGINE_VERSION };

/** Out of GPU memory even after the worker retried with smaller batches and chunks. */
export class TorchOutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchOutOfMemoryError';
  }
}

export interface TorchLoadOptions {
  /** "cpu", "cuda", "cuda:1"... (default: cuda:0 when torch sees a GPU, else cpu). */
  device?: string;
  /** "bfloat16" | "float16" | "float32" (default: bfloat16 on GPU, float32 on CPU). */
  dtype?: string;
  /** Most tokens per batched forward (default 20480 on GPU, 4096 on CPU). */
  batchTokens?: number;
  /** Positions per chunk of the output projection (default 2048 on GPU, 1024 on CPU). */
  chunk?: number;
  /** Python interpreter (default LONGPROXY_PYTHON, else /usr/bin/python3). */
  python?: string;
  /** RoPE policy (harness/engine/rope-policy.ts; default as the config says), applied by the worker. */
  rope?: RopePolicy;
  /** Called with tokens processed so far during runPlan (for progress bars). */
  onProgress?: (tokens: number, seconds: number) => void;
  /** Synchronous tokenizer for tokenize()/decode(). Default: the ONNX engine's (harness/engine/tokenizer.ts) of
   *  the same folder, so both engines see identical ids and byte spans; toy models use their byte tokenizer.
   *  tokenizeAsync() asks the worker's Hugging Face fast tokenizer instead. */
  tokenizer?: SyncTokenizer;
}

export interface SyncTokenizer {
  tokenize(text: string): TokenizedText;
  decode(ids: ArrayLike<number>): string;
}

/** The worker's toy byte tokenizer (models.ByteTokenizer), mirrored here so toy models tokenize synchronously. */
export const toyByteTokenizer: SyncTokenizer = {
  tokenize(text: string): TokenizedText {
    const bytes = Buffer.from(text, 'utf8');
    const ids = new Int32Array(bytes.length);
    const byteStart = new Int32Array(bytes.length);
    const byteEnd = new Int32Array(bytes.length);
    bytes.forEach((b, i) => {
      ids[i] = b + 3;
      byteStart[i] = i;
      byteEnd[i] = i + 1;
    });
    return { ids, byteStart, byteEnd };
  },
  decode(ids: ArrayLike<number>): string {
    const bytes = Array.from(ids).filter((i) => i >= 3 && i < 259).map((i) => i - 3);
    return Buffer.from(bytes).toString('utf8');
  },
};

interface LoadReply {
  device: string;
  maxPositions: number;
  bosTokenId: number | null;
  eosTokenId: number | null;
  vocabSize: number;
  dtype: string;
  attn: string;
  /** Whether the worker has a tokenizer of its own (tokenizeAsync): the Python tokenizers package. */
  workerTokenizer: boolean;
  /** The RoPE policy the worker applies, and whether it depends on the forward's length. */
  rope?: RopePolicy;
  ropeDynamic?: boolean;
  /** What the worker checks every document's ids against (harness/engine/torch_worker/tokenizer_check.py), or
   *  "unavailable: <why>". */
  tokenizerCheck: string;
}

function asUserError(err: unknown, ref: ModelRef): never {
  if (err instanceof WorkerRequestError && /^(missing_|no_cuda|unsupported|tokenizer_mismatch|too_large|bad_weights)/.test(err.kind)) {
    throw new UserError(`model ${ref.id} (dir ${ref.dir}): ${err.message}`);
  }
  throw err;
}

class TorchModel implements LanguageModel {
  readonly engine = 'torch';

  constructor(
    readonly ref: ModelRef,
    private readonly worker: WorkerProcess,
    private readonly info: LoadReply,
    readonly fingerprint: string,
    private readonly onProgress?: TorchLoadOptions['onProgress'],
    private readonly syncTokenizer?: SyncTokenizer,
    /** Frees the model; default: ends its worker. A TorchDeviceWorker's models unload and keep the worker. */
    private readonly release: () => Promise<void> = () => worker.close(),
  ) {}

  get device(): string {
    return this.info.device;
  }
  get maxPositions(): number {
    return this.info.maxPositions;
  }
  get bosTokenId(): number | null {
    return this.info.bosTokenId;
  }
  get eosTokenId(): number | null {
    return this.info.eosTokenId;
  }
  get rope(): string {
    return ropeLabel(this.info.rope);
  }
  /** Worker details (dtype, attention implementation) for reports. */
  get details(): Readonly<LoadReply> {
    return this.info;
  }
  get pid(): number | undefined {
    return this.worker.pid;
  }

  private async call<T>(op: string, body: Record<string, unknown>): Promise<T> {
    try {
      return await this.worker.request<T>(op, body, (p) => this.onProgress?.(p.tokens, p.seconds));
    } catch (err) {
      if (err instanceof WorkerRequestError && err.kind === 'oom') throw new TorchOutOfMemoryError(err.message);
      throw err;
    }
  }

  tokenize(text: string): TokenizedText {
    if (!this.syncTokenizer) {
      throw new Error(
        `torch engine (${this.ref.id}): no synchronous tokenizer was given at load (options.tokenizer); ` +
          'pass the ONNX engine tokenizer of the same folder, or call tokenizeAsync(text)',
      );
    }
    return this.syncTokenizer.tokenize(text);
  }

  async tokenizeAsync(text: string): Promise<TokenizedText> {
    const r = await this.call<{ ids: Packed; byteStart: Packed; byteEnd: Packed }>('tokenize', { text });
    return { ids: unpackI32(r.ids), byteStart: unpackI32(r.byteStart), byteEnd: unpackI32(r.byteEnd) };
  }

  decode(ids: ArrayLike<number>): string {
    if (!this.syncTokenizer) {
      throw new Error(`torch engine (${this.ref.id}): no synchronous tokenizer; call decodeAsync(ids)`);
    }
    return this.syncTokenizer.decode(ids);
  }

  async decodeAsync(ids: ArrayLike<number>): Promise<string> {
    return (await this.call<{ text: string }>('decode', { ids: pack(Int32Array.from(ids)) })).text;
  }

  async forward(ids: Int32Array, scoreFrom: number): Promise<ForwardResult> {
    if (ids.length > this.maxPositions) {
      throw new Error(`forward over ${ids.length} tokens exceeds the model's ${this.maxPositions} positions`);
    }
    const r = await this.call<{ logprob: Packed; entropy: Packed; top1: Packed }>('forward', {
      ids: pack(ids),
      scoreFrom,
    });
    return { logprob: unpackF32(r.logprob), entropy: unpackF32(r.entropy), top1: unpackU8(r.top1) };
  }

  /** With `text` (the document `ids` are the tokens of, possibly cut), the worker first checks the ids against the
   *  folder's Python tokenizer; a disagreement is a UserError and nothing is computed. */
  async runPlan(ids: Int32Array, plan: readonly PlannedForward[], addBos: boolean, text?: string): Promise<PlanOutputs> {
    const r = await this.call<{
      logprob: Record<string, Packed>;
      entropy: Packed;
      top1: Packed;
      entropyShort: Record<string, Packed>;
      top1Short: Record<string, Packed>;
      tokensProcessed: number;
      tokenizerCheck: string;
    }>('run_plan', { ids: pack(ids), plan, addBos, ...(text === undefined ? {} : { text }) }).catch((err) => asUserError(err, this.ref));
    const logprob: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(r.logprob)) logprob[k] = unpackF32(v);
    const entropyShort: Record<string, Float32Array> = {};
    const top1Short: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(r.entropyShort)) entropyShort[k] = unpackF32(v);
    for (const [k, v] of Object.entries(r.top1Short)) top1Short[k] = unpackU8(v);
    return {
      logprob,
      entropy: unpackF32(r.entropy),
      top1: unpackU8(r.top1),
      entropyShort,
      top1Short,
      tokensProcessed: r.tokensProcessed,
      tokenizerCheck: r.tokenizerCheck,
    };
  }

  async generateGreedy(ids: Int32Array, maxNewTokens: number): Promise<Int32Array> {
    return unpackI32((await this.call<{ ids: Packed }>('generate', { ids: pack(ids), maxNewTokens })).ids);
  }

  async dispose(): Promise<void> {
    await this.release();
  }
}

export type { TorchModel };

/** Loads `ref` in `worker` (which may have served other models before). */
async function loadIn(
  worker: WorkerProcess,
  ref: ModelRef,
  options: TorchLoadOptions,
  release?: () => Promise<void>,
): Promise<TorchModel> {
  const synthetic = ref.dir.startsWith('toy:') || ref.dir.startsWith('random:');
  const dir = synthetic ? ref.dir : path.resolve(ref.dir);
  // The folder's tokenizer.json, or the one built from its tokenizer.model: the worker loads the same file.
  // With neither (or no folder) the worker names what is missing.
  const hasTokenizer = !synthetic && existsSync(dir) && ['tokenizer.json', 'tokenizer.model'].some((f) => existsSync(path.join(dir, f)));
  const tok: TokenizerJsonLocation | undefined = hasTokenizer ? tokenizerJsonFor(dir) : undefined;
  // The cache keys entries by TORCH_ENGINE_VERSION: it must be the version of the worker that computes them.
  const hello = await worker.request<{ version: string }>('hello');
  if (hello.version !== TORCH_ENGINE_VERSION) {
    throw new Error(
      `torch worker version ${hello.version} (harness/engine/torch_worker/worker.py VERSION) differs from the engine's ` +
        `${TORCH_ENGINE_VERSION} (harness/engine/torch-version.ts); bump both together`,
    );
  }
  const info = await worker
    .request<LoadReply>('load', {
      dir,
      modelId: ref.id,
      device: options.device,
      dtype: options.dtype,
      batchTokens: options.batchTokens,
      chunk: options.chunk,
      rope: options.rope,
      tokenizerJson: tok?.path,
      tokenizerSource: tok?.source,
      tokenizerModel: tok?.source === 'built from tokenizer.model' ? path.join(dir, 'tokenizer.model') : undefined,
    })
    .catch((err) => asUserError(err, ref));
  // The folder's fingerprint is engine-independent (harness/engine/fingerprint.ts), as the cache expects.
  const fingerprint = synthetic
    ? sha256(ref.dir)
    : existsSync(dir)
      ? await fingerprintModelDir(dir)
      : sha256(`hf-cache:${ref.id}`);
  // The ONNX engine's tokenizer of the same folder: identical ids and byte spans by construction. Toy and random
  // models take the byte tokenizer (ids 3..258, within every vocabulary).
  const tokenizer = options.tokenizer ?? (synthetic ? toyByteTokenizer : tok ? loadTokenizer(dir) : undefined);
  // Said at load, not only in each document's cost: a run without the check must not look like a checked one.
  if (!info.tokenizerCheck?.startsWith('checks against')) {
    process.stderr.write(`torch engine (${ref.id}): run-time tokenizer check ${info.tokenizerCheck ?? 'unavailable: the worker does not report one'}\n`);
  }
  return new TorchModel(ref, worker, info, fingerprint, options.onProgress, tokenizer, release);
}

/** `dir` is a Hugging Face folder, "toy:SEED[:MAXPOS]" for the worker's built-in test model, or "random:ARCH" for
 *  random weights in a published architecture (bench/gpu_bench.py ARCHS; needs transformers). */
export const torchEngine = {
  id: 'torch',
  version: TORCH_ENGINE_VERSION,
  async load(ref: ModelRef, options: TorchLoadOptions = {}): Promise<TorchModel> {
    const worker = new WorkerProcess(options.python);
    try {
      return await loadIn(worker, ref, options);
    } catch (err) {
      await worker.close();
      throw err;
    }
  },
} satisfies Engine & { load(ref: ModelRef, options?: TorchLoadOptions): Promise<TorchModel> };

/** One long-lived worker on one device that loads model after model (the previous one is freed first), so the
 *  Python start and the torch/transformers imports are paid once per device, not once per model. One model at a
 *  time: load() while a model is loaded unloads it (its TorchModel then fails on use). A worker that died is
 *  replaced by a fresh one at the next load(). */
export class TorchDeviceWorker {
  private worker: WorkerProcess | null = null;
  private current: TorchModel | null = null;
  /** Workers started so far (1 when every model reused the first). */
  started = 0;

  constructor(
    readonly device: string,
    private readonly options: Omit<TorchLoadOptions, 'device'> = {},
  ) {}

  async load(ref: ModelRef, options: Omit<TorchLoadOptions, 'device' | 'python'> = {}): Promise<TorchModel> {
    if (this.current) await this.current.dispose();
    if (!this.worker || !this.worker.alive) {
      this.worker = new WorkerProcess(this.options.python);
      this.started++;
    }
    const worker = this.worker;
    const model = await loadIn(worker, ref, { ...this.options, ...options, device: this.device }, async () => {
      if (this.current === model) this.current = null;
      if (worker.alive) await worker.request('unload').catch(() => undefined);
    });
    this.current = model;
    return model;
  }

  /** Starts the worker process (Python, the torch and transformers imports) ahead of the first load, so a caller
   *  can pay that once up front (the rehearsal suite does, keeping its first model's test short). */
  async start(): Promise<void> {
    if (!this.worker || !this.worker.alive) {
      this.worker = new WorkerProcess(this.options.python);
      this.started++;
    }
    await this.worker.request('hello');
  }

  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** Ends the worker (and with it any loaded model). */
  async close(): Promise<void> {
    this.current = null;
    await this.worker?.close();
    this.worker = null;
  }
}
