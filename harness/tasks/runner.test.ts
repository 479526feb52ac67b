import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from './aggregate.ts';
import { buildLockedFiles, checkLockedFiles, diffInputs, lockPaths, parseItemId, writeLockedFiles } from './lockfile.ts';
import { runDownstream, type RunOptions } from './runner.ts';
import { standinEngine, standinTaskConfig, STANDIN_HAYSTACK } from './testing/standins.ts';
import { TASK_IDS, type TaskConfig } from './types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'longproxy-downstream-'));
const haystackPath = path.join(dir, 'haystack.json');
writeFileSync(haystackPath, JSON.stringify(STANDIN_HAYSTACK));

const CONFIG: TaskConfig = standinTaskConfig({ seed: 3, lengths: [500, 900, 1400], depths: [0.2, 0.8] });

const options: RunOptions = {
  config: CONFIG,
  haystackPath,
  engine: standinEngine(),
  models: [
    { id: 'standin/full', dir: 'standin/inf' },
    { id: 'standin/w600', dir: 'standin/600' },
    { id: 'standin/w150', dir: 'standin/150' },
  ],
};

describe('summaries', () => {
  it('average over tasks at all lengths but the shortest', () => {
    const items = ['doc_qa/L10/d0.50/i0', 'doc_qa/L20/d0.50/i0', 'kv_retrieval/L10/d0.50/i0', 'kv_retrieval/L20/d0.50/i0'].map(parseItemId);
    const s = summarize(items, [1, 0, 1, 1]);
    expect(s.overall).toBe(0.5);
    expect(s.by_task).toEqual({ doc_qa: 0, kv_retrieval: 1 });
    expect(s.by_length).toEqual({ '10': 1, '20': 0.5 });
    expect(s.cells.doc_qa['10']['0.50']).toBe(1);
    expect(() => summarize(items.slice(1), [1, 1, 1])).toThrow(/same number of items/);
    expect(summarize(items, [0.5, 0.25, 1, 1]).overall).toBe(0.625);
  });
});

describe('runner and locked files', async () => {
  const result = await runDownstream(options);
  const files = buildLockedFiles(result);
  const paths = lockPaths(path.join(dir, 'zoo_downstream.json'));
  writeLockedFiles(paths, files);

  it('ranks stand-ins by how far back they see, and the shortest length does not count', () => {
    const overall = result.models.map((m) => summarize(result.items, m.spansCorrect.map((k, i) => k / result.items[i].nSpans)).overall);
    expect(overall[0]).toBe(1);
    expect(overall[0]).toBeGreaterThan(overall[1]);
    expect(overall[1]).toBeGreaterThan(overall[2]);
    expect(result.items).toHaveLength(TASK_IDS.length * 3 * 2);
    const target = JSON.parse(files.downstream);
    expect(Object.keys(target)).toEqual(['standin/full', 'standin/w600', 'standin/w150']);
    expect(target['standin/full'].overall).toBe(1);
  });

  it('writes byte-identical files on a second run', async () => {
    const again = buildLockedFiles(await runDownstream(options));
    expect(again).toEqual(files);
  });

  it('accepts its own files and catches every hand edit', () => {
    expect(checkLockedFiles(paths)).toEqual([]);
    const original = readFileSync(paths.downstream, 'utf8');
    writeFileSync(paths.downstream, original.replace('"overall": 1,', '"overall": 0.99,'));
    expect(checkLockedFiles(paths).join('\n')).toMatch(/sha256 differs/);
    writeFileSync(paths.downstream, original);
    const bd = JSON.parse(readFileSync(paths.breakdown, 'utf8'));
    bd.models['standin/w150'].spans_correct = bd.models['standin/w150'].spans_correct.replace(/0/, '1');
    writeFileSync(paths.breakdown, JSON.stringify(bd, null, 2) + '\n');
    const problems = checkLockedFiles(paths).join('\n');
    expect(problems).toMatch(/breakdown_sha256/);
    expect(problems).toMatch(/do not follow from its item results/);
    writeLockedFiles(paths, files);
    expect(checkLockedFiles(paths)).toEqual([]);
  });

  it('names the inputs that changed', () => {
    const changed = structuredClone(result.inputs);
    changed.config.seed = 4;
    changed.models[1].fingerprint = 'other';
    changed.models[2].items_sha256 = 'other';
    changed.tasks_version = 'next';
    expect(diffInputs(result.inputs, changed)).toEqual(['config', 'tasks_version', 'model standin/w600 (fingerprint)', 'model standin/w150 (items)']);
    expect(diffInputs(result.inputs, structuredClone(result.inputs))).toEqual([]);
  });

  it('re-runs a subset with the same item results', async () => {
    const subset = await runDownstream({ ...options, models: options.models.slice(1), filter: (_t, l, d) => l === 900 && d === 0.8 });
    const bd = JSON.parse(files.breakdown);
    for (const m of subset.models) {
      subset.items.forEach((item, i) => {
        const at = bd.items.indexOf(item.id);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(String(m.spansCorrect[i])).toBe(bd.models[m.id].spans_correct[at]);
      });
    }
  });
});

describe('current inputs', () => {
  it('equal the inputs a run records', async () => {
    const { currentInputs } = await import('./inputs.ts');
    const cur = await currentInputs({ config: CONFIG, haystackPath, models: options.models, engine: options.engine });
    const full = await runDownstream({ ...options, models: options.models, filter: (t, l, d) => t === 'doc_qa' && l === 500 && d === 0.2 });
    expect(diffInputs(full.inputs, cur)).toEqual([]);
  });
});
