// A one-line progress bar on stderr: documents, tokens/s, ETA. Silent when stderr is not a terminal or under
// Vitest, so logs and test output stay clean.
export interface ProgressEvent {
  done: number;
  total: number;
  docId: string;
  /** Document tokens of this document (after maxTokens). */
  tokens: number;
  /** True when the document came from the cache. */
  cached: boolean;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private computedTokens = 0;
  private computedBytes = 0;
  private readonly enabled: boolean;

  /** totalBytes: text bytes of all documents still to compute, to turn tokens/s into an ETA. */
  constructor(
    private readonly label: string,
    private readonly totalBytes: number,
    stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
    /** Draw even under Vitest (for the bar's own test). */
    force = false,
  ) {
    this.enabled = force || (Boolean(stream.isTTY) && !process.env.VITEST && !process.env.LONGPROXY_NO_PROGRESS);
    this.stream = stream;
  }

  private readonly stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;

  update(e: ProgressEvent, bytes: number): void {
    if (!e.cached) {
      this.computedTokens += e.tokens;
      this.computedBytes += bytes;
    }
    if (!this.enabled) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = this.computedTokens / Math.max(elapsed, 1e-9);
    const bytesPerSecond = this.computedBytes / Math.max(elapsed, 1e-9);
    const eta = this.computedBytes > 0 ? (this.totalBytes - this.computedBytes) / bytesPerSecond : Infinity;
    const width = 24;
    const fill = Math.round((width * e.done) / Math.max(1, e.total));
    this.stream.write(
      `\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${e.done}/${e.total} docs  ` +
        `${rate.toFixed(0)} tok/s  ETA ${clock(eta)}  ${e.docId.slice(0, 24)}\x1b[K`,
    );
    if (e.done === e.total) this.stream.write('\n');
  }
}
