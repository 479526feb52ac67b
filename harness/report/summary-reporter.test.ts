// The closing line counts every failure Vitest exits 1 for: failed tests, files that fail while loading, hooks
// that throw. The last test runs a real Vitest on small fixture files, so the counts follow Vitest's own API.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../util/paths.ts';
import { countTests } from './summary-reporter.ts';

// Minimal stand-ins of vitest's TestModule / TestSuite / TestCase shapes used by countTests.
function mod(states: string[], moduleState = 'passed', errors = { module: 0, suites: [] as number[] }) {
  const iter = <T>(xs: T[]) => xs[Symbol.iterator]();
  return {
    state: () => moduleState,
    errors: () => Array(errors.module).fill({ message: 'load' }),
    children: {
      allTests: () => iter(states.map((s) => ({ result: () => ({ state: s }) }))),
      allSuites: () => iter(errors.suites.map((n) => ({ errors: () => Array(n).fill({ message: 'hook' }) }))),
    },
  } as never;
}

describe('countTests', () => {
  it('counts passed, failed and skipped tests across modules', () => {
    expect(countTests([mod(['passed', 'failed']), mod(['skipped', 'passed', 'pending'])])).toEqual({ passed: 2, failed: 1, skipped: 2 });
  });
  it('counts a module that failed to load as one failure', () => {
    expect(countTests([mod([], 'failed', { module: 1, suites: [] })])).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(countTests([mod([], 'failed')])).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });
  it('counts each hook error of a suite as a failure', () => {
    expect(countTests([mod(['skipped', 'skipped', 'passed'], 'failed', { module: 0, suites: [1, 1] })])).toEqual({ passed: 1, failed: 2, skipped: 2 });
  });
});

describe('the closing line of a real Vitest run', () => {
  // Under the repository (so the fixtures resolve 'vitest'), in a git-ignored .vitest-* folder.
  const dir = mkdtempSync(path.join(REPO_ROOT, '.vitest-summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is red for a file that fails while loading and for throwing hooks', () => {
    writeFileSync(path.join(dir, 'load.test.ts'), `import { it } from 'vitest';\nthrow new Error('broken at load');\nit('never', () => {});\n`);
    writeFileSync(
      path.join(dir, 'hooks.test.ts'),
      `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
describe('before', () => { beforeAll(() => { throw new Error('before broke'); }); it('a', () => expect(1).toBe(1)); });
describe('after', () => { afterAll(() => { throw new Error('after broke'); }); it('b', () => expect(1).toBe(1)); });
it.skip('c', () => {});\n`,
    );
    writeFileSync(path.join(dir, 'ok.test.ts'), `import { expect, it } from 'vitest';\nit('ok', () => expect(1).toBe(1));\n`);
    writeFileSync(
      path.join(dir, 'vitest.config.mjs'),
      `export default { test: { root: ${JSON.stringify(dir)}, include: ['*.test.ts'], reporters: [${JSON.stringify(path.join(REPO_ROOT, 'harness/report/summary-reporter.ts'))}] } };\n`,
    );
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', path.join(dir, 'vitest.config.mjs')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(1);
    // ok and b pass; load (1) + before hook (1) + after hook (1) fail; a (skipped by its hook) and c skipped.
    expect(r.stdout.trim().split('\n').at(-1)).toBe('2 passed, 3 failed, 2 skipped');
  });
});
