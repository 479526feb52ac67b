// Assembles a derived document: the kept prefix of the proxy text byte for byte, then appended pieces, with each
// region's byte span computed as the pieces are added.
import type { ProbeRegion, ProbeRole } from '../tokenstats/types.ts';
import { byteOffsets, prefixAtWordEnd, utf8Length, words } from './text.ts';

export class DerivedBuilder {
  private parts: string[];
  private bytes: number;
  readonly regions: ProbeRegion[] = [];

  constructor(prefix: string) {
    this.parts = [prefix];
    this.bytes = utf8Length(prefix);
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Appends text; with a role, marks its bytes as a region of `item`. */
  add(text: string, region?: { role: ProbeRole; item: number; depth: number; sourceStart: number; sourceEnd: number }): void {
    const start = this.bytes;
    this.parts.push(text);
    this.bytes += utf8Length(text);
    if (region) this.regions.push({ role: region.role, byteStart: start, byteEnd: this.bytes, item: region.item, depth: region.depth, sourceStart: region.sourceStart, sourceEnd: region.sourceEnd });
  }

  text(): string {
    return this.parts.join('');
  }
}

/** What fitToBudget needs to size the first guess of the kept prefix. */
export interface BudgetPlan {
  probe: string;
  /** The derived text may have at most budget x the document's bytes. */
  budget: number;
  /** Words the probe appends (at the document's bytes per word, with 5% to spare) ... */
  appendedWords: number;
  /** ... and bytes of separators it appends. */
  separatorBytes: number;
  /** The shortest kept prefix, in words, that the probe accepts. */
  minPrefixWords: number;
}

/** The derived document built on the longest word-end prefix of `doc` whose build fits the byte budget: the first
 *  prefix leaves room for the appended words and separators, each later one shrinks by the overshoot (a few rounds
 *  at most). Undefined when the prefix falls under minPrefixWords (the document is too short for the probe). */
export function fitToBudget<T extends { builder: DerivedBuilder }>(doc: { id: string; text: string }, plan: BudgetPlan, build: (prefix: string) => T): T | undefined {
  const all = words(doc.text);
  const off = byteOffsets(doc.text);
  const budget = Math.floor(plan.budget * utf8Length(doc.text));
  const perWord = all.length ? off[doc.text.length] / all.length : 0;
  let maxPrefix = Math.floor(budget - 1.05 * perWord * plan.appendedWords - plan.separatorBytes);
  for (let round = 0; round < 16; round++) {
    const prefix = prefixAtWordEnd(doc.text, all, off, maxPrefix);
    if (words(prefix).length < plan.minPrefixWords) return undefined;
    const built = build(prefix);
    if (built.builder.byteLength <= budget) return built;
    maxPrefix -= built.builder.byteLength - budget + 8;
  }
  throw new Error(`${plan.probe}: document ${doc.id} did not fit its byte budget in 16 rounds`);
}
