// fast-check arbitraries of probe statistics (ModelCorpusStats.probes) for the property tests of metrics that
// read probes: per source document a "context" document (prefix tokens, then per item a cue and a target or
// control whose source is a span of the prefix) and, when asked, one "excerpt-only" document per item.
import fc from 'fast-check';
import type { DocStats, ModelCorpusStats, ProbeDocStats, ProbeRegion, ProbeRole } from '../../tokenstats/types.ts';
import { buildDoc, docArb, wrapStats } from './arbitraries.ts';

const lp = fc.float({ min: Math.fround(-12), max: Math.fround(-1e-3), noNaN: true });
const tokenArb = fc.record({ bytes: fc.integer({ min: 1, max: 4 }), long: lp, shorts: fc.array(lp, { minLength: 2, maxLength: 2 }), entropy: fc.constant(1), top1: fc.constant(0) });
type Tok = { bytes: number; long: number; shorts: number[]; entropy: number; top1: number };

export interface ProbeArbOptions {
  probe: string;
  /** Role of each item's second region, cycled over the depths (e.g. ['target', 'control']). */
  roles: ProbeRole[];
  depths: number[];
  excerptOnly?: boolean;
  /** Tokens of the prefix (default 60: past the test windows 8/4 and 16/4 for the deeper sources). */
  prefixTokens?: number;
}

const byteStarts = (toks: Tok[]): number[] => {
  const out = [0];
  for (const t of toks) out.push(out[out.length - 1] + t.bytes);
  return out;
};

function sourceDocs(o: ProbeArbOptions, j: number, prefix: Tok[], items: { cue: Tok[]; second: Tok[] }[]): ProbeDocStats[] {
  const toks = [...prefix];
  const marks: { item: number; depth: number; role: ProbeRole; cue: [number, number]; second: [number, number]; src: [number, number] }[] = [];
  const n = o.prefixTokens ?? 60;
  const slots = o.depths.flatMap((depth) => o.roles.map((role) => ({ depth, role })));
  slots.forEach(({ depth, role }, k) => {
    const it = items[k];
    const len = it.cue.length + it.second.length;
    const s = Math.min(n - len, Math.floor(depth * (n - len)));
    const at = toks.length;
    toks.push(...it.cue, ...it.second);
    marks.push({ item: k, depth, role, cue: [at, at + it.cue.length], second: [at + it.cue.length, at + len], src: [s, s + len] });
  });
  const off = byteStarts(toks);
  const region = (role: ProbeRole, [a, b]: [number, number], m: (typeof marks)[number], src: boolean, shift = 0): ProbeRegion => ({
    role,
    byteStart: off[a] - shift,
    byteEnd: off[b] - shift,
    item: m.item,
    depth: m.depth,
    sourceStart: src ? off[m.src[0]] : -1,
    sourceEnd: src ? off[m.src[1]] : -1,
  });
  const ctx: ProbeDocStats = {
    sourceId: `doc${j}`,
    variant: 'context',
    stats: buildDoc(`doc${j}#${o.probe}`, toks, 1),
    regions: marks.flatMap((m) => [region('cue', m.cue, m, true), region(m.role, m.second, m, true)]),
  };
  if (!o.excerptOnly) return [ctx];
  const alone = marks.map((m): ProbeDocStats => {
    const part = toks.slice(m.cue[0], m.second[1]);
    const shift = off[m.cue[0]];
    const stats: DocStats = buildDoc(`doc${j}#${o.probe}/excerpt-${m.item}`, part.map((t, i) => ({ ...t, long: t.shorts[0] + (i % 2 ? 0.5 : -0.5) })), 1);
    return { sourceId: `doc${j}`, variant: 'excerpt-only', stats, regions: [region('cue', m.cue, m, false, shift), region(m.role, m.second, m, false, shift)] };
  });
  return [ctx, ...alone];
}

/** Statistics of 1-3 source documents with the probe `o.probe` attached. */
export function probeStatsArb(o: ProbeArbOptions): fc.Arbitrary<ModelCorpusStats> {
  const nItems = o.depths.length * o.roles.length;
  const itemArb = fc.record({ cue: fc.array(tokenArb, { minLength: 2, maxLength: 3 }), second: fc.array(tokenArb, { minLength: 2, maxLength: 5 }) });
  const sourceArb = fc.record({
    prefix: fc.array(tokenArb, { minLength: o.prefixTokens ?? 60, maxLength: o.prefixTokens ?? 60 }),
    items: fc.array(itemArb, { minLength: nItems, maxLength: nItems }),
  });
  return fc.tuple(fc.array(sourceArb, { minLength: 1, maxLength: 3 }), docArb('doc0')).map(([sources, base]) => {
    const docs = sources.flatMap((s, j) => sourceDocs(o, j, s.prefix, s.items));
    const cost = { engine: 'test', device: 'cpu', tokensProcessed: 0, wallSeconds: 0 };
    return { ...wrapStats([base]), probes: { [o.probe]: { probe: o.probe, version: 1, params: {}, docs, cost } } };
  });
}

/** The same statistics with the long-context log-probability of every token of `role` regions (of `variant`
 *  documents) replaced by f(long, short of the smallest test window). */
export function mapRegionLogprobs(stats: ModelCorpusStats, probe: string, role: ProbeRole, f: (long: number, short: number) => number, variant = 'context'): ModelCorpusStats {
  const p = stats.probes![probe];
  const docs = p.docs.map((d) => {
    if (d.variant !== variant) return d;
    const long = d.stats.logprobLong.slice();
    const short = d.stats.logprobShort['8/4'];
    for (const r of d.regions) {
      if (r.role !== role) continue;
      for (let i = Math.max(d.stats.scoredFrom, 0); i < d.stats.n; i++) {
        if (d.stats.byteStart[i] >= r.byteStart && d.stats.byteEnd[i] <= r.byteEnd) long[i] = f(long[i], short[i]);
      }
    }
    return { ...d, stats: { ...d.stats, logprobLong: long } };
  });
  return { ...stats, probes: { ...stats.probes, [probe]: { ...p, docs } } };
}
