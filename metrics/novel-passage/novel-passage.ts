// novel-passage: the control of repeat-at-distance. The same probe document holds, after each copy, the words
// of another passage of the document in a seeded order that occurs nowhere in it: every word was seen, the
// sequence never was. Scored exactly as repeat-at-distance (gain of the long context over the short window after
// an 8-word cue, the passage's words more than size + step tokens back), on these controls. What it measures is
// what the long context gives without anything to copy (topic, vocabulary, format); a probe metric that ranks
// models no better than this control is not measuring retrieval.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { copyCurve, copyGain, PROBE, type CopyGainHp } from '../repeat-at-distance/repeat-at-distance.ts';

export default defineMetric<CopyGainHp>({
  id: 'novel-passage',
  description:
    'Control: bits per byte the long context gains over the short window on reordered passages never in the document (same probe, cue and distance as repeat-at-distance); higher is better',
  needs: ['long', 'short', 'bytes'],
  probes: [PROBE],
  grid: { shortWindow: ['smallest', 'largest'], depths: ['all', 'far', 'near'], unit: ['bits', 'relative'] },
  defaults: { shortWindow: 'smallest', depths: 'all', unit: 'bits' },
  direction: 'higher-is-better',
  compute: (stats, hp) => copyGain(stats, 'control', 'novel-passage', hp),
  curve: (stats) => copyCurve(stats, 'control', 'novel-passage', 'passage its words come from'),
});
