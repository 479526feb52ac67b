// `longproxy compare caches` as a real process on the committed zoo cache (`compare runs` is tested with its
// logic in harness/scoring/compare-runs.test.ts): identical caches agree, a cache without the statistics differs,
// bad input exits 2 with the fix.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../util/paths.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/longproxy.js'), 'compare', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

describe('longproxy compare caches', () => {
  it('the committed zoo cache agrees with itself, model by model, and the table is written to --out', () => {
    const out = path.join(tmp, 'same.md');
    const r = cli('caches', '--cache', 'results/cache', '--setting', 'zoo', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| zoo\/pi512-ft \| onnx\/cpu \| 12 \| 49152 \| \d+ \| 0\.00e\+0 \| 0\.00e\+0 \| 1\.0000 \|/);
    expect(r.stdout.trim().split('\n').pop()).toBe('RESULT: the caches agree within the tolerance.');
    expect(readFileSync(out, 'utf8')).toBe(`${r.stdout.trimEnd()}\n`);
  });

  it('differs (exit 1) against a cache that lacks the statistics, naming each model', () => {
    const r = cli('caches', '--cache', tmp, '--setting', 'zoo');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`- zoo/pi512-ft: no complete statistics in ${tmp}`);
    expect(r.stdout.trim().split('\n').pop()).toBe('RESULT: the caches DIFFER (see above).');
  });

  it('exits 2 on bad input, saying what is wrong', () => {
    const missing = path.join(tmp, 'nosuch');
    expect(cli('caches', '--cache', missing).stderr).toContain(`--cache ${missing}: no such folder`);
    expect(cli('caches', '--cache', missing).status).toBe(2);
    expect(cli('caches', '--cache', tmp, '--tol', 'x').stderr).toContain('--tol x: expected a number >= 0');
    expect(cli('caches').stderr).toContain('--cache DIR is required');
    const bad = cli('nothing');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("expected 'runs' or 'caches', got 'nothing'");
    expect(cli('runs', '--run', tmp, '--labels', 'one').stderr).toContain('--labels one: expected two labels');
  });
});
