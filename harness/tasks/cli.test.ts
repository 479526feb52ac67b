import { describe, expect, it } from 'vitest';
import { run } from '../cli/commands/downstream.ts';
import { loadHaystack } from './haystack.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('longproxy downstream: bad input', () => {
  it('names the flag and the fix', async () => {
    await expect(run([])).rejects.toThrow(/--setting is required/);
    await expect(run(['--setting', 'locked-no4k'])).rejects.toThrow(/no downstream tasks are defined for this setting/);
    await expect(run(['--setting', 'nope'])).rejects.toThrow(/unknown setting "nope"/);
    await expect(run(['--setting', 'zoo', '--items-per-cell', '0'])).rejects.toThrow(/positive integer/);
    await expect(run(['--bogus'])).rejects.toThrow(/unknown option --bogus/);
  });

  it('refuses a bad haystack file with file, field and fix', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'longproxy-haystack-'));
    const file = path.join(dir, 'h.json');
    writeFileSync(file, JSON.stringify([{ id: 'a', text: 'Some text.' }, { id: 'a', text: 'More.' }]));
    expect(() => loadHaystack(file)).toThrow(/document 1 field "id" repeats "a"/);
    writeFileSync(file, JSON.stringify([{ id: 'a', text: '' }]));
    expect(() => loadHaystack(file)).toThrow(/document 0 field "text" must be a non-empty string/);
    writeFileSync(file, '{');
    expect(() => loadHaystack(file)).toThrow(/not valid JSON/);
    expect(() => loadHaystack(path.join(dir, 'missing.json'))).toThrow(/haystack file not found/);
  });
});
