// A device slot: what runs models on one device. The torch engine's is one long-lived worker process, reused
// from model to model (torch.ts TorchDeviceWorker); the ONNX engine loads each model in-process on the CPU.
import type { LanguageModel, ModelRef } from '../engine/types.ts';
import type { SyncTokenizer } from '../engine/torch.ts';
import type { RopePolicy } from '../engine/rope-policy.ts';
import { UserError } from '../errors.ts';

export interface DeviceSlot {
  readonly device: string;
  /** Loads `ref`, freeing the model loaded before. */
  load(ref: ModelRef, tokenizer: SyncTokenizer, rope?: RopePolicy): Promise<LanguageModel>;
  close(): Promise<void>;
  /** Worker processes started so far. */
  readonly workersStarted: number;
}

export interface SlotOptions {
  dtype?: string;
  python?: string;
}

export async function engineVersion(engine: string): Promise<string> {
  if (engine === 'torch') return (await import('../engine/torch.ts')).TORCH_ENGINE_VERSION;
  if (engine === 'onnx') return (await import('../engine/onnx-version.ts')).ONNX_ENGINE_VERSION;
  throw new UserError(`engine ${engine}: unknown; use onnx or torch`);
}

export async function makeSlot(engine: string, device: string, o: SlotOptions = {}): Promise<DeviceSlot> {
  if (engine === 'torch') {
    const { TorchDeviceWorker } = await import('../engine/torch.ts');
    const w = new TorchDeviceWorker(device, { dtype: o.dtype, python: o.python });
    return {
      device: device || 'auto',
      load: (ref, tokenizer, rope) => w.load(ref, { tokenizer, rope }),
      close: () => w.close(),
      get workersStarted() {
        return w.started;
      },
    };
  }
  if (engine === 'onnx') {
    if (device && device !== 'cpu') throw new UserError(`--devices ${device}: the onnx engine runs on the CPU only; use --devices cpu or --engine torch`);
    const { onnxEngine } = await import('../engine/onnx.ts');
    let current: LanguageModel | null = null;
    return {
      device: 'cpu',
      async load(ref, _tokenizer, rope) {
        if (current) await current.dispose();
        current = null;
        if (rope && rope.kind !== 'as-config') throw new UserError(`model ${ref.id}: RoPE policy ${rope.kind} needs the torch engine (--engine torch)`);
        current = await onnxEngine.load(ref);
        return current;
      },
      async close() {
        if (current) await current.dispose();
        current = null;
      },
      workersStarted: 0,
    };
  }
  throw new UserError(`engine ${engine}: unknown; use onnx or torch`);
}
