// A progress line on stderr: items done, items/s, tokens/s and ETA. Redrawn in place on a terminal; elsewhere
// (logs, CI) one line per tenth of the work.
export interface Progress {
  tick(items: number, tokens: number): void;
  done(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

export function createProgress(label: string, totalItems: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const start = Date.now();
  let items = 0;
  let tokens = 0;
  let lastTenth = -1;
  const line = (): string => {
    const sec = Math.max(1e-3, (Date.now() - start) / 1000);
    const rate = items / sec;
    const eta = rate > 0 ? (totalItems - items) / rate : Infinity;
    const width = 24;
    const filled = Math.round((items / Math.max(1, totalItems)) * width);
    return (
      `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${items}/${totalItems} items ` +
      `${rate.toFixed(1)} items/s ${(tokens / sec / 1000).toFixed(1)}k tok/s ETA ${formatSeconds(eta)}`
    );
  };
  return {
    tick(n, t) {
      items += n;
      tokens += t;
      if (stream.isTTY) {
        stream.write(`\r${line()}`);
      } else {
        const tenth = Math.floor((items / Math.max(1, totalItems)) * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          stream.write(`${line()}\n`);
        }
      }
    },
    done() {
      const sec = (Date.now() - start) / 1000;
      stream.write(`${stream.isTTY ? '\r' : ''}${label}: ${items} items in ${sec.toFixed(1)} s\n`);
    },
  };
}
