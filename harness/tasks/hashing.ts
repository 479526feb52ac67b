// Hashes that lock the downstream file to its inputs: canonical JSON, file digests, and the code version of the
// task generators (every non-test source file under harness/tasks).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hasher } from '../util/hash.ts';

export const TASKS_DIR = import.meta.dirname;

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function sourceFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'testing') out.push(...sourceFiles(dir, r));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      out.push(r);
    }
  }
  return out;
}

/** sha256 over (relative path, content) of every task source file, in sorted order. Tests are excluded. */
export function tasksCodeSha256(dir = TASKS_DIR): string {
  const h = sha256Hasher();
  for (const rel of sourceFiles(dir).sort()) {
    h.update(rel).update('\0').update(readFileSync(path.join(dir, rel))).update('\0');
  }
  return h.digest('hex');
}
