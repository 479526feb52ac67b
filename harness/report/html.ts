// Escaping and number formatting for the HTML reports. Every string that comes from a record (model ids, metric
// names, descriptions, paths) goes through escapeHtml or jsonForScript before it reaches a page.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value: safe inside element content and inside quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line separators are written as
 *  \u escapes, so no value can close the script element or open a comment. JSON.parse gives back the same data. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A statistic that may be undefined: null in JSON, NaN in memory. */
export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Fixed decimals, with a true minus sign; "undefined" for a missing statistic (as the verifier calls it). */
export function fmt(x: unknown, digits = 3): string {
  if (!isNum(x)) return 'undefined';
  const s = x.toFixed(digits);
  return s.startsWith('-') && Number(s) !== 0 ? `\u2212${s.slice(1)}` : s.replace(/^-/, '');
}

/** A score of any magnitude: 6 significant digits, exponent form outside [1e-3, 1e6). */
export function fmtScore(x: unknown): string {
  if (!isNum(x)) return 'undefined';
  const a = Math.abs(x);
  const s = a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
  return s.replace(/^-/, '\u2212');
}

export function fmtInt(x: unknown): string {
  if (!isNum(x)) return 'undefined';
  return Math.round(x).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** Tokens in a compact unit: 1.23 M tokens. */
export function fmtTokens(x: unknown): string {
  if (!isNum(x)) return 'undefined';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return fmtInt(x);
}

export function fmtSeconds(x: unknown): string {
  if (!isNum(x)) return 'undefined';
  if (x >= 3600) return `${(x / 3600).toFixed(2)} h`;
  if (x >= 60) return `${(x / 60).toFixed(1)} min`;
  return `${x.toFixed(x >= 10 ? 1 : 2)} s`;
}

export function fmtCi(ci: unknown): string {
  const pair = Array.isArray(ci) ? ci : [];
  return `[${fmt(pair[0], 2)}, ${fmt(pair[1], 2)}]`;
}

/** A model id without its organisation, for plot labels ("Qwen/Qwen2.5-7B-Instruct" -> "Qwen2.5-7B-Instruct");
 *  any other id is kept whole. */
export function shortModel(model: string): string {
  const m = /^[A-Za-z0-9._-]+\/([^/]+)$/.exec(model);
  return m ? m[1] : model;
}

/** A file name from an id: anything but letters, digits, '.', '_' and '-' becomes '_', and no name is only dots,
 *  so a setting or metric id can never reach outside reports/. */
export function safeName(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.*$/.test(s) ? `_${s}` : s;
}
