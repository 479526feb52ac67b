import { describe, expect, it } from 'vitest';
import { countTests } from './summary-reporter.ts';

// Minimal stand-ins of vitest's TestModule / TestCase shapes used by countTests.
function mod(states: string[], moduleState = 'passed') {
  return {
    state: () => moduleState,
    children: { allTests: () => states.map((s) => ({ result: () => ({ state: s }) }))[Symbol.iterator]() },
  } as never;
}

describe('countTests', () => {
  it('counts passed, failed and skipped tests across modules', () => {
    expect(countTests([mod(['passed', 'failed']), mod(['skipped', 'passed', 'pending'])])).toEqual({
      passed: 2,
      failed: 1,
      skipped: 2,
    });
  });
  it('counts a module that failed to load as one failure', () => {
    expect(countTests([mod([], 'failed')])).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });
});
