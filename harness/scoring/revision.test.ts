// The revision's cleanliness is computed over the run's inputs: what a run writes never makes it dirty.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeRevision, inHistory, revisionLabel } from './revision.ts';

const repo = mkdtempSync(path.join(tmpdir(), 'longproxy-revision-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const put = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  writeFileSync(path.join(repo, rel), text);
};

const files = {
  input: ['harness/x.ts', 'metrics/m/m.ts', 'package-lock.json', 'data/d.json', 'fixtures/corpus/c.json', 'results/cache/manifest.json', 'results/downstream/zoo_downstream.json'],
  output: ['results/claims/zoo/m.json', 'results/verify/zoo/m.json', 'results/submissions/zoo/m.json', 'results/floors.json', 'fixtures/golden/metrics/zoo/m.json', 'README.md'],
};

describe('codeRevision', () => {
  git('init', '-q');
  git('config', 'user.email', 't@example.invalid');
  git('config', 'user.name', 't');
  for (const f of [...files.input, ...files.output]) put(f, 'v1\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  const head = git('rev-parse', 'HEAD').trim();

  it('is clean at a clean checkout', () => {
    expect(codeRevision(repo)).toEqual({ commit: head, dirty: false });
  });

  it.each(files.output)('stays clean when the run rewrites %s', (f) => {
    put(f, 'v2\n');
    expect(codeRevision(repo).dirty).toBe(false);
    git('checkout', '--', f);
  });

  it.each(files.input)('is dirty when the input %s changed', (f) => {
    put(f, 'v2\n');
    const rev = codeRevision(repo);
    git('checkout', '--', f);
    expect(rev.dirty).toBe(true);
    expect(revisionLabel(rev)).toBe(`${head}+dirty`);
  });

  it('knows which commits are in HEAD\'s history', () => {
    expect(inHistory(head, repo)).toBe(true);
    expect(inHistory('0'.repeat(40), repo)).toBe(false);
    expect(inHistory('unknown (not a git checkout)', repo)).toBe(false);
  });

  it('ignores untracked files and says so when there is no git checkout', () => {
    put('harness/new.ts', 'x');
    expect(codeRevision(repo).dirty).toBe(false);
    const bare = mkdtempSync(path.join(tmpdir(), 'longproxy-norepo-'));
    expect(codeRevision(bare)).toEqual({ commit: 'unknown (not a git checkout)', dirty: true });
    rmSync(bare, { recursive: true, force: true });
  });
});
