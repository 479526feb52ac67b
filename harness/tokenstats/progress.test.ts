import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress.ts';

describe('progress bar', () => {
  const sink = () => {
    const lines: string[] = [];
    return { lines, stream: { isTTY: true, write: (s: string) => (lines.push(s), true) } as never };
  };

  it('shows documents, tokens/s and an ETA from the bytes left, and ends the line when done', async () => {
    const { lines, stream } = sink();
    const bar = new ProgressBar('zoo/a', 3000, stream, true);
    await new Promise((r) => setTimeout(r, 20));
    bar.update({ done: 1, total: 3, docId: 'd1', tokens: 500, cached: false }, 1000);
    expect(lines[0]).toMatch(/^\rzoo\/a \[#{8}\.{16}\] 1\/3 docs +\d+ tok\/s +ETA 00:0\d +d1/);
    bar.update({ done: 2, total: 3, docId: 'd2', tokens: 400, cached: true }, 1000);
    bar.update({ done: 3, total: 3, docId: 'd3', tokens: 500, cached: false }, 1000);
    expect(lines.at(-2)).toMatch(/3\/3 docs .*ETA 00:00/);
    expect(lines.at(-1)).toBe('\n');
  });

  it('stays silent when the stream is not a terminal', () => {
    const { lines, stream } = sink();
    (stream as { isTTY: boolean }).isTTY = false;
    new ProgressBar('x', 10, stream).update({ done: 1, total: 1, docId: 'd', tokens: 1, cached: false }, 10);
    expect(lines).toEqual([]);
  });
});
