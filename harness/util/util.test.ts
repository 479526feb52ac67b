// The shared helpers: atomic writes leave no half file and no temporary file; sha256 and the root are the ones
// everything else uses.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFilesAtomic } from './atomic.ts';
import { sha256, sha256Bytes, sha256Hasher } from './hash.ts';
import { REPO_ROOT, fromRoot } from './paths.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'longproxy-util-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes atomically and leaves no temporary file behind', () => {
    const file = path.join(dir, 'sub', 'out.json');
    writeFileAtomic(file, 'one\n');
    writeFileAtomic(file, 'two\n');
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readdirSync(path.dirname(file))).toEqual(['out.json']);
  });

  it('keeps the old file when the write fails', () => {
    const file = path.join(dir, 'keep.json');
    writeFileAtomic(file, 'good\n');
    // Renaming onto a directory fails: the target stays as it was and the temporary file is removed.
    const asDir = path.join(dir, 'is-a-dir');
    writeFileAtomic(path.join(asDir, 'x.json'), 'x');
    expect(() => writeFileAtomic(asDir, 'bad')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('good\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(path.join(asDir, 'x.json'))).toBe(true);
  });

  it('writes several files all or none when one cannot be written: every target stays as it was', () => {
    const a = path.join(dir, 'multi', 'a.json');
    const b = path.join(dir, 'multi', 'b.json');
    writeFilesAtomic([[a, 'a1'], [b, 'b1']]);
    // A folder path through a file: its temporary file cannot be made, so nothing is renamed.
    const unwritable = path.join(a, 'under-a-file.json');
    expect(() => writeFilesAtomic([[a, 'a2'], [unwritable, 'x'], [b, 'b2']])).toThrow();
    expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(['a1', 'b1']);
    expect(readdirSync(path.dirname(a)).sort()).toEqual(['a.json', 'b.json']);
  });

  it('stages in another folder when asked (the cache keeps its temporary files in <cache>/tmp)', () => {
    const file = path.join(dir, 'staged', 'entry.bin');
    writeFileAtomic(file, new Uint8Array([1, 2, 3]), { tmpDir: path.join(dir, 'staged-tmp') });
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readdirSync(path.join(dir, 'staged-tmp'))).toEqual([]);
  });
});

describe('sha256 and the repository root', () => {
  it('digests strings as UTF-8 and bytes as bytes, the same through every form', () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(sha256('')).toBe(empty);
    expect(sha256('é')).toBe(sha256(Buffer.from('é', 'utf8')));
    expect(sha256Bytes('abc').toString('hex')).toBe(sha256('abc'));
    expect(sha256Hasher().update('a').update('bc').digest('hex')).toBe(sha256('abc'));
  });

  it('REPO_ROOT is the folder holding package.json', () => {
    expect(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).name).toBe('longproxy');
    expect(fromRoot('results')).toBe(path.join(REPO_ROOT, 'results'));
    expect(fromRoot('/abs')).toBe('/abs');
  });
});
