// The zoo builder on the CPU, as CI runs it (Debian's torch, no transformers, no GPU): its pure parts
// (scripts/zoo/test_build_zoo.py) and one recipe, shrunk, end to end through training and the quick evaluation
// (scripts/zoo/smoke.py). The full build needs the GPU machine (docs/zoo.md, "Rebuilding").
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT as ROOT } from '../../harness/util/paths.ts';

const PY = process.env.LONGPROXY_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const noTorch = probe.status !== 0 ? `python3 with torch and numpy not found at ${PY} (set LONGPROXY_PYTHON)` : '';
const run = (script: string, ...args: string[]) => spawnSync(PY, [path.join(ROOT, 'scripts/zoo', script), ...args], { cwd: ROOT, encoding: 'utf8' });

describe.skipIf(noTorch)(`the zoo builder on the CPU${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  it('passes the unit tests of its pure parts (sequences, episodes, RoPE checks, data split)', () => {
    const r = run('test_build_zoo.py');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ran \d+ tests[\s\S]*\nOK\n/);
  });

  it('trains one recipe (yarn512-ft, shrunk) through both phases and evaluates it', () => {
    const r = run('smoke.py', '--recipe', 'yarn512-ft');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ recipe: 'yarn512-ft', base: 'b512', rope: ['yarn', 8], continued: true, base_steps: 3, ft_steps: 2 });
    // Losses start near ln(257) = 5.55 nats for the byte-level stand-in vocabulary and stay finite.
    for (const loss of [out.base_loss, out.ft_loss]) expect(loss).toBeGreaterThan(3);
    for (const loss of [out.base_loss, out.ft_loss]) expect(loss).toBeLessThan(6.5);
    expect(out.answer_weighted_tokens).toBeGreaterThan(0); // the continued training carries task episodes
    expect(Object.keys(out.quick_eval.exact)).toEqual(['512', '1024']);
    expect(out.params).toBeGreaterThan(10_000);
  });
});
