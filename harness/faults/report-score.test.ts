// Fault matrix, `longproxy report` and `longproxy score`, and the setting files checked before scoring
// (docs/faults.md). The report cases write into a temporary --out; the score case into LONGPROXY_RESULTS_DIR, so the
// committed results/ are only read (their hashes are compared).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSettingFiles } from '../contract/setting-files.ts';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { getSetting } from '../contract/settings/index.ts';
import { hashes, leftovers, longproxy, REPO_ROOT } from './harness.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-faults-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const committedClaims = path.join(REPO_ROOT, 'results/claims');
const bundles = readdirSync(path.join(committedClaims, 'zoo')).filter((f) => f.endsWith('.json'));

let out: string | undefined;
/** A report folder built once from the committed claims: the "good report" the faults must not empty. */
function builtReport(): string {
  if (out) return out;
  const dir = path.join(tmp, 'reports');
  const r = longproxy(['report', '--out', dir]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain(`${bundles.length} metric page(s)`);
  out = dir;
  return dir;
}

describe.skipIf(bundles.length < 2)('longproxy report never replaces a report with an emptier one', () => {
  it('--claims on a folder that does not exist: exit 1, names it, the report unchanged', () => {
    const dir = builtReport();
    const before = hashes(dir);
    const missing = path.join(tmp, 'no-such-claims');
    const r = longproxy(['report', '--claims', missing, '--out', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--claims ${missing}: folder ${missing} not found; give the folder of claim bundles`));
    expect(hashes(dir)).toEqual(before);
  });

  it('--claims on an empty folder: exit 1, says to run longproxy score, the report unchanged', () => {
    const dir = builtReport();
    const before = hashes(dir);
    const empty = path.join(tmp, 'empty-claims');
    mkdirSync(empty, { recursive: true });
    const r = longproxy(['report', '--claims', empty, '--out', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/holds no claim bundle \(<setting>\/<metric>\.json\); run `longproxy score` first/);
    expect(hashes(dir)).toEqual(before);
  });

  it('fewer claims than pages: refused without --allow-fewer, written with it', () => {
    const dir = builtReport();
    const before = hashes(dir);
    const subset = path.join(tmp, 'subset-claims');
    mkdirSync(path.join(subset, 'zoo'), { recursive: true });
    cpSync(path.join(committedClaims, 'zoo', bundles[0]), path.join(subset, 'zoo', bundles[0]));
    const refused = longproxy(['report', '--claims', subset, '--out', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`index\\.html: the new index would list 1 metric\\(s\\) and drop ${bundles.length - 1} .*nothing was written.*--allow-fewer`));
    expect(hashes(dir)).toEqual(before);
    const allowed = longproxy(['report', '--claims', subset, '--out', dir, '--allow-fewer']);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('1 metric page(s)');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('longproxy score below a floor', () => {
  it('exits 3 naming the metric, by how much, and the command that re-records the floor', () => {
    const results = path.join(tmp, 'score-results');
    const floors = path.join(tmp, 'floors.json');
    writeFileSync(floors, `${JSON.stringify({ floors: { 'zoo/ppl': { floor: 0.99, measured: 1.04, codeRevision: 'fault-matrix' } } })}\n`);
    // The zoo/ppl scoring suite may rewrite its own artifacts while this runs (same run of Vitest): every other
    // committed file is compared, and this run's artifacts must be under LONGPROXY_RESULTS_DIR.
    const own = /results\/(claims|submissions|verify)\/zoo\/ppl[./]/;
    const committedNow = () => Object.fromEntries(Object.entries(hashes(path.join(REPO_ROOT, 'results'))).filter(([f]) => !own.test(f)));
    const committed = committedNow();
    const r = longproxy(['score', '--setting', 'zoo', '--metric', 'ppl', '--floors', floors], { env: { LONGPROXY_RESULTS_DIR: results } });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/below floor: zoo\/ppl \(0\.\d{4} below\): held-out mean Spearman of zoo\/ppl is 0\.\d{4}, below its floor 0\.99/);
    expect(r.stderr).toContain('re-record with `npx longproxy floors --update --setting zoo --metric ppl`');
    expect(committedNow()).toEqual(committed);
    expect(Object.keys(hashes(results)).map((f) => path.relative(results, f))).toEqual(expect.arrayContaining([path.join('claims', 'zoo', 'ppl.json')]));
  });
});

describe("a setting's files are validated before anything is skipped", () => {
  const locked = getSetting('locked-no4k');
  const rootWith = (downstream: string | undefined) => {
    const root = mkdtempSync(path.join(tmp, 'root-'));
    if (downstream !== undefined) {
      mkdirSync(path.join(root, path.dirname(locked.downstreamPath)), { recursive: true });
      writeFileSync(path.join(root, locked.downstreamPath), downstream);
    }
    return root;
  };
  const full = JSON.stringify(Object.fromEntries(LOCKED_MODELS.map((m, i) => [m, { overall: 10 + i }])));

  it('a truncated locked downstream file is an error naming it, not a skip', () => {
    const root = rootWith(full.slice(0, 200));
    expect(() => checkSettingFiles(locked, root)).toThrow(new RegExp(`${locked.downstreamPath}: the downstream file is not valid JSON`));
  });
  it('a locked downstream file with the wrong models is an error', () => {
    const root = rootWith(JSON.stringify({ 'm-a': 1, 'm-b': 2, 'm-c': 3 }));
    expect(() => checkSettingFiles(locked, root)).toThrow(/must list exactly the 17 locked models; missing .*restore the official file/);
  });
  it('only what is really absent is listed for the skip', () => {
    expect(checkSettingFiles(locked, rootWith(undefined)).absent).toEqual([
      `proxy corpus not found at ${locked.corpusPath}`,
      `downstream file not found at ${locked.downstreamPath}`,
    ]);
    expect(checkSettingFiles(locked, rootWith(full)).absent).toEqual([`proxy corpus not found at ${locked.corpusPath}`]);
  });
});
