// Small server-side SVG marks for table cells: an interval on the correlation scale [-1, 1] with a point, and an
// optional floor tick. Pure strings; numbers only (no text from records goes into them).
import { isNum } from './html.ts';

export interface Interval {
  lo: number;
  hi: number;
  point: number;
  colour: string;
  /** Floor tick (black), when there is one. */
  floor?: number | null;
}

const W = 160;
const H = 20;
const PAD = 5;
const x = (v: number) => PAD + ((Math.max(-1, Math.min(1, v)) + 1) / 2) * (W - 2 * PAD);
const f1 = (v: number) => v.toFixed(1);

/** A forest-plot row on [-1, 1]: grid lines at -1, 0, 1, the interval as a bar, the point as a dot. */
export function intervalSvg(iv: Interval): string {
  const parts = [
    `<svg class="forest" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="interval on the correlation scale from -1 to 1">`,
    `<line x1="${f1(x(-1))}" x2="${f1(x(1))}" y1="${H / 2}" y2="${H / 2}" stroke="#d1d9e0"/>`,
    ...[-1, 0, 1].map((v) => `<line x1="${f1(x(v))}" x2="${f1(x(v))}" y1="3" y2="${H - 3}" stroke="${v === 0 ? '#8c959f' : '#d1d9e0'}"/>`),
  ];
  if (isNum(iv.lo) && isNum(iv.hi)) {
    parts.push(`<rect x="${f1(x(iv.lo))}" y="${H / 2 - 3}" width="${f1(Math.max(1, x(iv.hi) - x(iv.lo)))}" height="6" rx="3" fill="${iv.colour}" fill-opacity="0.35"/>`);
  }
  if (isNum(iv.floor)) {
    parts.push(`<line x1="${f1(x(iv.floor))}" x2="${f1(x(iv.floor))}" y1="1" y2="${H - 1}" stroke="#1f2328" stroke-width="2"/>`);
  }
  if (isNum(iv.point)) parts.push(`<circle cx="${f1(x(iv.point))}" cy="${H / 2}" r="4" fill="${iv.colour}"/>`);
  parts.push('</svg>');
  return parts.join('');
}
