// Assembles a derived document: the kept prefix of the proxy text byte for byte, then appended pieces, with each
// region's byte span computed as the pieces are added.
import type { ProbeRegion, ProbeRole } from '../tokenstats/types.ts';
import { utf8Length } from './text.ts';

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
