// A comment change under harness/tasks changes no recorded file: the lock records the task version and the hash
// of the generated items, not the source bytes. Runs the stand-in downstream in a copy of harness/ whose every
// task file got an extra comment, and in this tree, and compares the three locked files byte for byte.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../util/paths.ts';
import { STANDIN_HAYSTACK } from './testing/standins.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-comment-change-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const haystackPath = path.join(tmp, 'haystack.json');
writeFileSync(haystackPath, JSON.stringify(STANDIN_HAYSTACK));

/** A script printing the stand-in run's locked files, run by tsx in the tree at `root`. */
const script = (root: string) => `
import { buildLockedFiles } from '${root}/harness/tasks/lockfile.ts';
import { runDownstream } from '${root}/harness/tasks/runner.ts';
import { standinEngine, standinTaskConfig } from '${root}/harness/tasks/testing/standins.ts';
const result = await runDownstream({
  config: standinTaskConfig({ seed: 5, lengths: [500, 900], depths: [0.5] }),
  haystackPath: ${JSON.stringify(haystackPath)},
  engine: standinEngine(),
  models: [{ id: 'standin/full', dir: 'standin/inf' }, { id: 'standin/w150', dir: 'standin/150' }],
});
process.stdout.write(JSON.stringify(buildLockedFiles(result)));
`;

function lockedFilesIn(root: string, name: string): { downstream: string; breakdown: string; lock: string } {
  const file = path.join(tmp, `${name}.mts`);
  writeFileSync(file, script(root));
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const run = spawnSync(tsx, [file], { encoding: 'utf8', timeout: 25_000 });
  expect(run.status, `tsx ${file} failed: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout);
}

function commentEveryTaskFile(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    writeFileSync(file, `// a comment that changes no behaviour\n${readFileSync(file, 'utf8')}`);
    n++;
  }
  return n;
}

describe('a comment change under harness/tasks', () => {
  it('leaves the locked downstream files byte-identical', () => {
    const copy = path.join(tmp, 'tree');
    cpSync(path.join(REPO_ROOT, 'harness'), path.join(copy, 'harness'), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    cpSync(path.join(REPO_ROOT, 'package.json'), path.join(copy, 'package.json'));
    expect(commentEveryTaskFile(path.join(copy, 'harness', 'tasks'))).toBeGreaterThan(10);
    const original = lockedFilesIn(REPO_ROOT, 'original');
    const commented = lockedFilesIn(copy, 'commented');
    expect(JSON.parse(original.downstream)['standin/full'].overall).toBe(1);
    expect(commented).toEqual(original);
  });
});
