import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floorFailure, floorFrom, readFloors, recordFloor } from './floors.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-floors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('floors', () => {
  it('a floor is the measured value minus 0.05, rounded down to 4 decimals', () => {
    expect(floorFrom(0.71234)).toBe(0.6623);
    expect(floorFrom(-0.1)).toBe(-0.15);
  });

  it('records from a measured value, keeps other entries and sorted keys; absent file means no floors', () => {
    const f = path.join(tmp, 'floors.json');
    expect(readFloors(f).floors).toEqual({});
    recordFloor('zoo', 'ppl', { mean: 0.5, nSplits: 50, seed: 1 }, 'abc', f);
    recordFloor('zoo', 'bpb', { mean: 0.8, nSplits: 50, seed: 1 }, 'abc', f);
    const text = readFileSync(f, 'utf8');
    expect(Object.keys(JSON.parse(text).floors)).toEqual(['zoo/bpb', 'zoo/ppl']);
    expect(readFloors(f).floors['zoo/ppl'].floor).toBe(0.45);
    expect(() => recordFloor('zoo', 'x', { mean: NaN, nSplits: 50, seed: 1 }, 'abc', f)).toThrow(/cannot record/);
    expect(readFileSync(f, 'utf8')).toBe(text);
  });

  it('a broken floors file is an error naming the file, the field and the fix', () => {
    const f = path.join(tmp, 'bad.json');
    writeFileSync(f, '{"floors": {"zoo/ppl": {"floor": "high"}}}');
    expect(() => readFloors(f)).toThrow(/bad\.json: field "floors\.zoo\/ppl\.floor" must be a finite number; re-record/);
    writeFileSync(f, '{oops');
    expect(() => readFloors(f)).toThrow(/bad\.json: not valid JSON/);
  });

  it('missing floor and regression both fail with how to fix; at or above the floor passes', () => {
    const entry = { floor: 0.5, measured: 0.55, margin: 0.05, nSplits: 50, seed: 1, codeRevision: 'abc' };
    expect(floorFailure('zoo', 'ppl', 0.9, undefined)).toMatch(/no floor recorded for zoo\/ppl.*floors --update --setting zoo --metric ppl/);
    expect(floorFailure('zoo', 'ppl', 0.4999, entry)).toMatch(/below its floor 0\.5/);
    expect(floorFailure('zoo', 'ppl', NaN, entry)).toMatch(/below its floor/);
    expect(floorFailure('zoo', 'ppl', 0.5, entry)).toBeUndefined();
  });
});
