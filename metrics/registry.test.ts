// The folders under metrics/ and metrics/registry.ts agree: every metric folder is registered under its folder
// name and holds the three files of a metric, every registered metric has its folder, ids are unique, and the
// template (metrics/_template/, and any folder starting with "_") stays out of the registry.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Metric } from '../harness/scoring/metric.ts';
import { METRICS } from './registry.ts';
import template from './_template/template.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Folder {
  name: string;
  files: string[];
  /** The id of the metric its <name>.ts exports by default, or undefined when that file is missing. */
  exportedId?: string;
}

const filesOf = (name: string): string[] => [`${name}.ts`, `${name}.test.ts`, `${name}.scoring.test.ts`];

/** Every disagreement between the metric folders and the registered ids, as a sentence that says the fix. */
export function registryProblems(folders: readonly Folder[], registered: readonly string[]): string[] {
  const problems: string[] = [];
  const metricFolders = folders.filter((f) => !f.name.startsWith('_'));
  for (const f of metricFolders) {
    for (const want of filesOf(f.name)) {
      if (!f.files.includes(want)) problems.push(`metrics/${f.name}/: ${want} is missing (copy metrics/_template/ and rename its files)`);
    }
    if (f.exportedId !== undefined && f.exportedId !== f.name) problems.push(`metrics/${f.name}/${f.name}.ts: its id is '${f.exportedId}'; set it to the folder name '${f.name}'`);
    if (!registered.includes(f.name)) problems.push(`metrics/${f.name}/ is not registered: import it in metrics/registry.ts and add it to METRICS`);
  }
  for (const id of registered) {
    if (id.startsWith('_') || !metricFolders.some((f) => f.name === id)) problems.push(`metrics/registry.ts registers '${id}', but there is no folder metrics/${id}/`);
  }
  const seen = new Set<string>();
  for (const id of registered) {
    if (seen.has(id)) problems.push(`metrics/registry.ts registers '${id}' more than once`);
    seen.add(id);
  }
  return problems;
}

async function readFolders(): Promise<Folder[]> {
  const out: Folder[] = [];
  for (const name of readdirSync(here).sort()) {
    const dir = path.join(here, name);
    if (!statSync(dir).isDirectory()) continue;
    const files = readdirSync(dir);
    const main = path.join(dir, `${name}.ts`);
    const exportedId = existsSync(main) ? ((await import(main)).default as Metric<any>).id : undefined;
    out.push({ name, files, exportedId });
  }
  return out;
}

describe('metrics/ folders and metrics/registry.ts', () => {
  it('agree: every folder registered under its name, every registered metric in its folder', async () => {
    const folders = await readFolders();
    expect(folders.filter((f) => !f.name.startsWith('_')).length).toBeGreaterThanOrEqual(7);
    const problems = registryProblems(folders, METRICS.map((m) => m.id));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('registers the very module each folder exports (not a copy)', async () => {
    for (const m of METRICS) expect((await import(path.join(here, m.id, `${m.id}.ts`))).default).toBe(m);
  });

  it('keeps the template out of the registry, and the template has the three files a copy needs', () => {
    expect(METRICS).not.toContain(template);
    expect(METRICS.map((m) => m.id)).not.toContain(template.id);
    expect(readdirSync(path.join(here, '_template')).sort()).toEqual(['template.scoring.test.ts', 'template.test.ts', 'template.ts']);
  });

  it('names each planted disagreement', () => {
    const ok = (name: string): Folder => ({ name, files: filesOf(name), exportedId: name });
    expect(registryProblems([ok('a'), ok('_template')], ['a'])).toEqual([]);
    expect(registryProblems([ok('a'), ok('b')], ['a'])).toEqual(['metrics/b/ is not registered: import it in metrics/registry.ts and add it to METRICS']);
    expect(registryProblems([ok('a')], ['a', 'gone'])).toEqual(["metrics/registry.ts registers 'gone', but there is no folder metrics/gone/"]);
    expect(registryProblems([ok('a')], ['a', '_template'])[0]).toMatch(/registers '_template'/);
    expect(registryProblems([ok('a')], ['a', 'a'])).toEqual(["metrics/registry.ts registers 'a' more than once"]);
    expect(registryProblems([{ name: 'a', files: ['a.ts', 'a.test.ts'], exportedId: 'a' }], ['a'])).toEqual([
      'metrics/a/: a.scoring.test.ts is missing (copy metrics/_template/ and rename its files)',
    ]);
    expect(registryProblems([{ ...ok('a'), exportedId: 'template' }], ['a'])[0]).toMatch(/its id is 'template'; set it to the folder name 'a'/);
  });
});
