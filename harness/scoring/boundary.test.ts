// Metric code must never be able to read downstream scores or files: every non-test file under metrics/, and
// everything it imports within the repository, passes the boundary check; a planted violation is caught.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMetricBoundary, formatViolations } from './boundary.ts';
import { REPO_ROOT as root } from '../util/paths.ts';


function metricSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...metricSources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('metric module boundary', () => {
  it('no metric file reaches the downstream loader, the verifier, the file system or the network', () => {
    const files = metricSources(path.join(root, 'metrics'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    const violations = checkMetricBoundary(root, files);
    expect(violations, formatViolations(violations)).toEqual([]);
  });

  describe('catches planted violations', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-boundary-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    // A miniature repository: harness/contract/downstream.ts, a helper that imports it, and metrics that cheat.
    mkdirSync(path.join(tmp, 'harness/contract'), { recursive: true });
    mkdirSync(path.join(tmp, 'metrics/cheat'), { recursive: true });
    writeFileSync(path.join(tmp, 'harness/contract/downstream.ts'), 'export const loadDownstream = () => ({});\n');
    writeFileSync(path.join(tmp, 'harness/helper.ts'), "export { loadDownstream } from './contract/downstream.ts';\n");
    const plant = (name: string, text: string) => {
      const f = path.join(tmp, 'metrics/cheat', name);
      writeFileSync(f, text);
      return checkMetricBoundary(tmp, [f]);
    };

    it('a transitive import of the downstream loader', () => {
      const v = plant('a.ts', "import { loadDownstream } from '../../harness/helper.ts';\nexport default loadDownstream;\n");
      expect(v).toHaveLength(1);
      expect(v[0].what).toBe('reaches harness/contract/downstream.ts');
      expect(v[0].chain).toEqual(['metrics/cheat/a.ts', 'harness/helper.ts', 'harness/contract/downstream.ts']);
    });

    it('reading files through node:fs, fs/promises or a dynamic import', () => {
      expect(plant('b.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")[0].what).toMatch(/imports 'node:fs'/);
      expect(plant('c.ts', "import * as fs from 'fs/promises';\nexport const x = fs;\n")[0].what).toMatch(/imports 'fs\/promises'/);
      expect(plant('d.ts', "export const x = (p: string) => import(p);\n")[0].what).toMatch(/dynamic import/);
    });

    it('globals that reach outside (process, require, fetch)', () => {
      const v = plant('e.ts', "export const x = () => [process.env.HOME, require('fs'), fetch('http://x')];\n");
      expect(v.map((x) => x.what)).toEqual([
        "uses the global 'process' (line 1)",
        "uses the global 'require' (line 1)",
        "uses the global 'fetch' (line 1)",
      ]);
    });

    it('passes a clean metric (pure arithmetic, allowed package)', () => {
      expect(plant('f.ts', "import { mean } from 'simple-statistics';\nconst o = { process: 1 };\nexport const x = mean([o.process]);\n")).toEqual([]);
    });
  });
});
