import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseJsonLenient, DuplicateKeyError, JsonSyntaxError } from './json-file.ts';
import { loadCorpus, parseCorpus } from './corpus.ts';
import { loadDownstream, parseDownstream } from './downstream.ts';
import { parseSubmission, loadSubmission } from './submission.ts';
import { getSetting, listSettings } from './settings/index.ts';
import { LOCKED_MODELS } from './locked-models.ts';
import { compareCodePoints } from './scores.ts';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), 'longproxy-contract-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('parseJsonLenient', () => {
  it('agrees with JSON.parse on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v, null, 1);
        expect(parseJsonLenient(text)).toStrictEqual(JSON.parse(text));
      }),
    );
  });
  it('reads Python NaN/Infinity literals and reports positions and duplicate keys', () => {
    expect(parseJsonLenient('[NaN, Infinity, -Infinity, 1e400]')).toEqual([NaN, Infinity, -Infinity, Infinity]);
    expect(() => parseJsonLenient('{"a": 1,\n "a": 2}')).toThrow(DuplicateKeyError);
    try {
      parseJsonLenient('{"a": 1,\n  "b" 2}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JsonSyntaxError);
      expect([(e as JsonSyntaxError).line, (e as JsonSyntaxError).column]).toEqual([2, 7]);
    }
    expect(() => parseJsonLenient('[1] x')).toThrow(/extra data/);
    expect(parseJsonLenient('{"__proto__": 1}')).toHaveProperty('__proto__', 1);
  });
});

describe('submissions', () => {
  it('reads both formats to the same scores', () => {
    const obj = parseSubmission('s.json', { a: 1, b: -2.5 }, 'score');
    const rows = parseSubmission('s.json', [{ model: 'a', ppl: 1 }, { model: 'b', ppl: -2.5, extra: 'x' }], 'ppl');
    expect({ ...rows }).toEqual({ ...obj });
    const p = file('sub.json', '[{"model": "a", "score": 3}, {"model": "b", "score": 4}]');
    expect(loadSubmission(p).sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('downstream targets', () => {
  it('reads {model: number}, {model: {overall}} and rows alike', () => {
    const flat = parseDownstream('d.json', { a: 1, b: 2, c: 3 });
    const nested = parseDownstream('d.json', { a: { overall: 1, ruler: 9 }, b: { overall: 2 }, c: { overall: 3 } });
    const rows = parseDownstream('d.json', [{ model: 'a', overall: 1 }, { model: 'b', overall: 2 }, { model: 'c', score: 3 }]);
    expect({ ...nested }).toEqual({ ...flat });
    expect({ ...rows }).toEqual({ ...flat });
  });
  it('pins the model set when a setting asks for it', () => {
    const p = file('d3.json', '{"a": 1, "b": 2, "c": 3}');
    expect(() => loadDownstream(p, { expectedModels: ['a', 'b', 'd'] })).toThrow(/d3\.json.*missing \["d"\], extra \["c"\]/);
    expect(Object.keys(loadDownstream(p, { expectedModels: ['c', 'b', 'a'] }).values)).toHaveLength(3);
  });
});

describe('proxy corpus', () => {
  it('accepts the documented layouts', () => {
    expect(parseCorpus('c.json', ['x', 'y']).map((d) => d.id)).toEqual(['doc-0', 'doc-1']);
    expect(parseCorpus('c.json', [{ doc_id: 7, input: 'hello' }])).toEqual([{ id: '7', text: 'hello' }]);
    expect(parseCorpus('c.json', { documents: [{ id: 'g1', text: 'a', n_tokens: 1, source: 'govreport' }] })).toEqual([{ id: 'g1', text: 'a' }]);
    expect(parseCorpus('c.json', { data: [{ _id: 'q', content: 'b' }] })).toEqual([{ id: 'q', text: 'b' }]);
    const p = file('corpus.json', JSON.stringify([{ id: 'a', text: 'one', n_tokens: 1, source: 's' }]));
    const corpus = loadCorpus(p);
    expect(corpus.documents).toEqual([{ id: 'a', text: 'one' }]);
    expect(corpus.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
  it('refuses duplicate ids, empty texts and bad files, naming the file and index', () => {
    expect(() => parseCorpus('c.json', [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }])).toThrow(/c\.json: document 1 repeats the id "a" of document 0/);
    expect(() => parseCorpus('c.json', ['x', '  '])).toThrow(/c\.json: document 1 has an empty text/);
    expect(() => parseCorpus('c.json', [{ id: 'a' }])).toThrow(/c\.json: document 0 has no text field/);
    expect(() => parseCorpus('c.json', { docs: [] })).toThrow(/"documents"/);
    expect(() => loadCorpus(file('bad.json', '[1,'))).toThrow(/bad\.json: the proxy corpus file is not valid JSON/);
    expect(() => loadCorpus(path.join(dir, 'absent.json'))).toThrow(/absent\.json: cannot read/);
  });
});

describe('settings registry', () => {
  it('registers locked-no4k with the 17 locked models and the official paths', () => {
    const s = getSetting('locked-no4k');
    expect(s.models).toEqual([...LOCKED_MODELS]);
    expect(new Set(s.models).size).toBe(17);
    expect(s.corpusPath).toBe('data/proxy/govreport_50_32k_tokens.json');
    expect(s.downstreamPath).toBe('results/downstream/downstream_avg.ruler32_longbench_lt32k.no4k.json');
    expect(s.metricKey).toBe('score');
    expect(s.engine).toBe('torch');
    expect(listSettings().map((x) => x.id)).toContain('locked-no4k');
    expect(() => getSetting('nope')).toThrow(/unknown setting "nope"; known settings: .*locked-no4k/);
  });
});

describe('compareCodePoints', () => {
  it('orders ids as Python sorted() does (code points, not UTF-16 units)', () => {
    expect(['\uFF21', '\u{1F600}', 'a'].sort(compareCodePoints)).toEqual(['a', '\uFF21', '\u{1F600}']);
  });
});
