// The torch engine's worker process: a Python program (harness/engine/torch_worker/worker.py) spoken to in JSON lines
// over its stdin/stdout. This module only moves messages and notices death; torch.ts gives them meaning.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { REPO_ROOT } from '../util/paths.ts';

export const WORKER_SCRIPT = path.join(REPO_ROOT, 'harness/engine/torch_worker/worker.py');

/** The interpreter with torch (and, for real checkpoints, transformers): LONGPROXY_PYTHON, else /usr/bin/python3. */
export function workerPython(): string {
  return process.env.LONGPROXY_PYTHON || '/usr/bin/python3';
}

/** An error the worker reported for one request (kind: missing_model, missing_tokenizer, oom, ValueError...). */
export class WorkerRequestError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerRequestError';
  }
}

/** The worker process ended while requests were pending (killed, crashed, out of host memory). */
export class WorkerDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDiedError';
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: { tokens: number; seconds: number }) => void;
}

const STDERR_KEEP = 4000;

export class WorkerProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private exited: string | null = null;

  constructor(python = workerPython(), env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(python, ['-u', WORKER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_KEEP);
      if (process.env.LONGPROXY_WORKER_STDERR) process.stderr.write(s);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.stdin.on('error', () => undefined); // a dead worker's pipe: reported through 'exit'
    this.child.on('error', (err) => this.onExit(`could not be started (${err.message})`));
    this.child.on('exit', (code, signal) =>
      this.onExit(signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exited === null;
  }

  request<T>(op: string, body: Record<string, unknown> = {}, onProgress?: Pending['onProgress']): Promise<T> {
    if (this.exited !== null) return Promise.reject(this.deathError());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.child.stdin.write(JSON.stringify({ ...body, id, op }) + '\n');
    });
  }

  /** Asks the worker to finish, then makes sure it has. */
  async close(): Promise<void> {
    if (this.exited !== null) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end(JSON.stringify({ id: 0, op: 'shutdown' }) + '\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    let msg: { id: number; ok?: boolean; result?: unknown; error?: { kind: string; message: string }; progress?: never };
    try {
      msg = JSON.parse(line);
    } catch {
      this.stderrTail = (this.stderrTail + '\n[stdout] ' + line).slice(-STDERR_KEEP);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new WorkerRequestError(msg.error?.kind ?? 'unknown', msg.error?.message ?? 'worker error'));
  }

  private deathError(): WorkerDiedError {
    const tail = this.stderrTail.trim().split('\n').slice(-15).join('\n');
    return new WorkerDiedError(
      `torch worker (${WORKER_SCRIPT}, pid ${this.child.pid}) ${this.exited}` +
        (tail ? `; its last stderr lines:\n${tail}` : '') +
        '\nDocuments finished before this are kept in the cache: rerun the same command to resume.',
    );
  }

  private onExit(how: string): void {
    if (this.exited !== null) return;
    this.exited = how;
    const err = this.deathError();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

// Arrays cross the pipe as base64 of little-endian bytes (this machine and every supported one are little-endian).
type Packed = { dtype: 'f32' | 'i32' | 'u8'; b64: string };

export function pack(a: Int32Array | Float32Array | Uint8Array): Packed {
  const dtype = a instanceof Float32Array ? 'f32' : a instanceof Int32Array ? 'i32' : 'u8';
  return { dtype, b64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

export function unpackF32(p: Packed): Float32Array {
  const b = Buffer.from(p.b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function unpackI32(p: Packed): Int32Array {
  const b = Buffer.from(p.b64, 'base64');
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function unpackU8(p: Packed): Uint8Array {
  return new Uint8Array(Buffer.from(p.b64, 'base64'));
}

export type { Packed };
