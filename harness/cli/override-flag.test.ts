// --override on the command line (harness/cli/override-flag.ts): stats --setting, score and the rehearsal command
// check it before any work; a malformed override, or one for a setting without a model manifest, is a usage error
// (exit 2) naming the flag and the fix. That an accepted override is recorded in the spec, the cache key and the
// claim bundle is shown end to end by the locked rehearsal (harness/rehearsal/locked-rehearsal.test.ts).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockedNo4k } from '../contract/settings/locked-no4k.ts';
import { zoo } from '../contract/settings/zoo.ts';
import { longproxy, REPO_ROOT } from '../faults/harness.ts';
import { isUsageError } from './exit-codes.ts';
import { overrideItems } from './override-flag.ts';

const QWEN = 'Qwen/Qwen2-7B-Instruct';

describe('overrideItems', () => {
  it('takes repeated flags and comma-separated lists, checked against the manifest', () => {
    expect(overrideItems([`${QWEN}:rope_scaling`, `${QWEN}:context=16384, Leooyii/NTK_32k_Slimpajama_1B:rope=transformers-dynamic`], [lockedNo4k], 'u')).toEqual([
      `${QWEN}:rope_scaling`,
      `${QWEN}:context=16384`,
      'Leooyii/NTK_32k_Slimpajama_1B:rope=transformers-dynamic',
    ]);
    expect(overrideItems(undefined, [zoo], 'u')).toEqual([]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an unknown field', `${QWEN}:slidingwindow`, /--override Qwen\/Qwen2-7B-Instruct:slidingwindow: use --override MODEL:FIELD \(FIELD one of model_type, .*\), MODEL:rope=KIND .* or MODEL:context=N/],
    ['no field', QWEN, /--override Qwen\/Qwen2-7B-Instruct: not MODEL:FIELD; use --override MODEL:FIELD/],
    ['a model outside the manifest', 'org/other:sliding_window', /model org\/other is not in the manifest/],
    ['an unknown RoPE policy', `${QWEN}:rope=yarn`, /rope=KIND with KIND one of as-config, linear, ntk-frozen, transformers-dynamic/],
    ['a context that is not an integer', `${QWEN}:context=32k`, /context=N with N an integer >= 2/],
  ];
  it.each(bad)('%s: a usage error naming the flag and the fix, with the usage', (_name, raw, message) => {
    let err: unknown;
    try {
      overrideItems([raw], [lockedNo4k], 'usage: the command');
    } catch (e) {
      err = e;
    }
    expect(isUsageError(err)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('usage: the command');
  });

  it('is a usage error for a setting without a model manifest', () => {
    expect(() => overrideItems([`${QWEN}:rope_scaling`], [zoo], 'u')).toThrow(/--override: setting zoo has no model manifest to override; drop --override, or select a setting that has one \(--setting locked-no4k\)/);
  });
});

describe('the commands take --override', () => {
  it('stats --setting: a malformed override exits 2 before anything runs', () => {
    const r = longproxy(['stats', '--setting', 'locked-no4k', '--override', `${QWEN}:slidingwindow`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^longproxy stats: --override Qwen\/Qwen2-7B-Instruct:slidingwindow: use --override MODEL:FIELD/);
    expect(r.stderr).toContain('usage: longproxy stats');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('stats --setting: a well-formed override gets past the flag check (then the missing corpus is named, exit 1)', () => {
    const r = longproxy(['stats', '--setting', 'locked-no4k', '--override', `${QWEN}:rope_scaling`, '--override', `${QWEN}:context=16384`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`setting locked-no4k: proxy corpus not found at ${path.join(REPO_ROOT, lockedNo4k.corpusPath)}`);
  });

  it('stats --model (one model, no manifest): --override is a usage error', () => {
    const r = longproxy(['stats', '--model', 'fixtures/x', '--corpus', 'c.json', '--override', `${QWEN}:rope_scaling`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--override applies to a setting's model manifest: use it with --setting");
  });

  it('score: --override needs --setting, and a setting with a manifest', () => {
    const none = longproxy(['score', '--override', `${QWEN}:rope_scaling`]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--override needs --setting');
    const zooRun = longproxy(['score', '--setting', 'zoo', '--override', `${QWEN}:rope_scaling`]);
    expect(zooRun.status).toBe(2);
    expect(zooRun.stderr).toContain('--override: setting zoo has no model manifest to override');
    const bad = longproxy(['score', '--setting', 'locked-no4k', '--override', `${QWEN}:context=0`]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--override Qwen\/Qwen2-7B-Instruct:context=0: context=N with N an integer >= 2/);
    expect(bad.stderr).toContain('usage: longproxy score');
  });

  it('the rehearsal command: a malformed override exits 2 before any replica is built', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/rehearsal.ts', '--work', '/nonexistent/w', '--out', '/nonexistent/o', '--override', 'nope'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^rehearsal: --override nope: not MODEL:FIELD; use --override MODEL:FIELD/);
  });
});
