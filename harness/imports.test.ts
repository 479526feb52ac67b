// The import structure of the library (docs/recording.md#layout). Edges:
// - harness/ imports metrics/ only from the CLI (harness/cli/, which hands metrics/registry.ts to the library)
//   and from tests; metrics/ import the library, never the other way round.
// - Vitest is imported only by tests, by the scoring suite (harness/scoring/suite.ts) and by test helpers
//   (testing/ folders) and the reporters (harness/report/*-reporter.ts, which Vitest loads).
// - No import cycles among the non-test modules of harness/ and metrics/.
// - One definition each of the repository root, sha256 and the atomic write: harness/util/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './util/paths.ts';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) out.push(path.relative(REPO_ROOT, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Import specifiers of a file (static, re-exports, side-effect and dynamic imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Repository-relative target of a relative specifier, or the package name of a bare one. */
const resolveSpec = (from: string, spec: string): string =>
  spec.startsWith('.') ? path.relative(REPO_ROOT, path.resolve(REPO_ROOT, path.dirname(from), spec)) : spec;

const isTest = (f: string) => f.endsWith('.test.ts');
const HARNESS = tsFiles('harness');
const METRICS = tsFiles('metrics');
const SOURCES = [...HARNESS, ...METRICS, ...tsFiles('scripts'), ...tsFiles('bench'), ...tsFiles('fixtures')];

describe('import structure', () => {
  it('sees the files it checks (the import pattern matches)', () => {
    expect(HARNESS.length).toBeGreaterThan(100);
    expect(importsOf('harness/scoring/pipeline.ts')).toContain('../util/paths.ts');
    expect(importsOf('harness/cli/commands/score.ts')).toContain('../../../metrics/registry.ts');
  });

  it('harness/ reaches metrics/ only from the CLI and from tests', () => {
    const up = HARNESS.filter((f) => !isTest(f) && !f.startsWith('harness/cli/')).flatMap((f) =>
      importsOf(f).filter((s) => resolveSpec(f, s).startsWith('metrics/')).map((s) => `${f} imports ${s}`),
    );
    expect(up).toEqual([]);
  });

  it('Vitest is imported only by tests, the scoring suite, test helpers and the reporters', () => {
    const allowed = (f: string) =>
      isTest(f) || f === 'harness/scoring/suite.ts' || f.split('/').includes('testing') || /^harness\/report\/[a-z-]+-reporter\.ts$/.test(f);
    const bad = [...HARNESS, ...METRICS].filter((f) => !allowed(f)).flatMap((f) =>
      importsOf(f).filter((s) => s === 'vitest' || s.startsWith('vitest/')).map((s) => `${f} imports ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('has no import cycle among the modules of harness/ and metrics/', () => {
    const nodes = [...HARNESS, ...METRICS].filter((f) => !isTest(f));
    const edges = new Map(nodes.map((f) => [f, importsOf(f).filter((s) => s.startsWith('.')).map((s) => resolveSpec(f, s))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const g of edges.get(f) ?? []) if (edges.has(g)) visit(g, [...stack, f]);
      state.set(f, 'done');
    };
    for (const f of nodes) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('defines the repository root, sha256 and the atomic write once, in harness/util/', () => {
    const patterns: [string, RegExp][] = [
      ['a repository root', /\b(?:const|let)\s+\w+\s*=\s*path\.resolve\([^;]*import\.meta\.(?:dirname|url)[^;]*['"]\.\.(?:\/\.\.)?['"]/],
      ['a sha256 (createHash)', /\bcreateHash\(/],
      ['an atomic write (renameSync)', /\brenameSync\(/],
    ];
    const found = SOURCES.filter((f) => !f.startsWith('harness/util/') && f !== 'harness/imports.test.ts').flatMap((f) => {
      const text = readFileSync(path.join(REPO_ROOT, f), 'utf8');
      return patterns.filter(([, re]) => re.test(text)).map(([what]) => `${f} defines ${what}; use harness/util/`);
    });
    expect(found).toEqual([]);
  });
});
