// The module boundary of metric code: starting from metric files, follow every import within the repository
// and report anything that could let a metric see downstream scores or read files: the downstream loader, the
// verifier, Node built-ins (fs, child_process, ...), packages outside a small pure allow-list, and globals that
// reach the outside world (process, require, fetch, eval, dynamic import).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Repository files no metric may reach, relative to the repository root. */
export const FORBIDDEN_FILES = ['harness/contract/downstream.ts'];
/** Repository folders no metric may reach. */
export const FORBIDDEN_DIRS = ['harness/verify/', 'harness/contract/settings/', 'results/'];
/** Packages metric code may import: pure numerical libraries. */
export const ALLOWED_PACKAGES = ['simple-statistics', 'ml-matrix'];
const FORBIDDEN_GLOBALS = new Set(['process', 'require', 'fetch', 'eval', 'Function', 'globalThis', 'XMLHttpRequest', 'WebSocket']);

export interface BoundaryViolation {
  /** File that holds the offending import or expression, relative to the root. */
  file: string;
  /** Import chain from a metric file to `file`. */
  chain: string[];
  what: string;
}

const rel = (root: string, f: string) => path.relative(root, f).split(path.sep).join('/');

function resolveImport(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const cand of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(cand) && cand.endsWith('.ts')) return cand;
  return undefined;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Imports (static, re-exports, dynamic) and forbidden global uses of one TypeScript source. */
function scan(file: string, text: string): { imports: string[]; problems: string[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const imports: string[] = [];
  const problems: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) imports.push(arg.text);
      else problems.push(`dynamic import() of a computed path (line ${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
    } else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text)) {
      const parent = node.parent;
      // A property name (x.process) or a declaration's own name is not a use of the global.
      const isPropertyName = parent && ts.isPropertyAccessExpression(parent) && parent.name === node;
      const isDeclName = parent && (ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) && parent.name === node;
      if (!isPropertyName && !isDeclName) {
        problems.push(`uses the global '${node.text}' (line ${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, problems };
}

/** Checks `entryFiles` (absolute paths) and everything they import within `root`. */
export function checkMetricBoundary(root: string, entryFiles: string[]): BoundaryViolation[] {
  const violations: BoundaryViolation[] = [];
  const seen = new Set<string>();
  const queue: Array<{ file: string; chain: string[] }> = entryFiles.map((f) => ({ file: path.resolve(f), chain: [] }));
  while (queue.length) {
    const { file, chain } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const here = rel(root, file);
    const fullChain = [...chain, here];
    if (FORBIDDEN_FILES.includes(here) || FORBIDDEN_DIRS.some((d) => here.startsWith(d))) {
      violations.push({ file: chain[chain.length - 1] ?? here, chain: fullChain, what: `reaches ${here}` });
      continue;
    }
    const { imports, problems } = scan(file, readFileSync(file, 'utf8'));
    for (const p of problems) violations.push({ file: here, chain: fullChain, what: p });
    for (const spec of imports) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveImport(file, spec);
        if (!target) violations.push({ file: here, chain: fullChain, what: `imports '${spec}', which does not resolve to a .ts file` });
        else queue.push({ file: target, chain: fullChain });
      } else if (spec.startsWith('node:') || !ALLOWED_PACKAGES.includes(packageName(spec))) {
        violations.push({ file: here, chain: fullChain, what: `imports '${spec}' (allowed packages: ${ALLOWED_PACKAGES.join(', ')}; no Node built-ins)` });
      }
    }
  }
  return violations;
}

export function formatViolations(vs: BoundaryViolation[]): string {
  return vs.map((v) => `${v.file}: ${v.what}\n    via ${v.chain.join(' -> ')}`).join('\n');
}
