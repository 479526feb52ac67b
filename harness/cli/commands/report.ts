// `longproxy report`: rebuild reports/ from the claim bundles in results/claims/ without running any test.
import path from 'node:path';
import { parseFlags } from '../flags.ts';
import { CLAIMS_DIR } from '../../report/claims.ts';
import { buildReports, REPORTS_DIR } from '../../report/write.ts';
import { REPO_ROOT } from '../../util/paths.ts';


export const description = 'rebuild the HTML reports (reports/index.html, a page per metric) from results/claims/';

const HELP = `usage: longproxy report [--claims DIR] [--out DIR]

  Reads every claim bundle ${CLAIMS_DIR}/<setting>/<metric>.json (with the submission it names and the setting's
  downstream file) and writes ${REPORTS_DIR}/index.html and ${REPORTS_DIR}/<setting>/<metric>.html. Runs no test and
  no model. Paths are relative to the repository root.
  --claims DIR   claim bundles folder (default ${CLAIMS_DIR})
  --out DIR      output folder (default ${REPORTS_DIR})`;

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, { claims: { type: 'string' }, out: { type: 'string' } }, HELP);
  if (values === null) return 0;
  const r = buildReports({ root: REPO_ROOT, claimsDir: values.claims, outDir: values.out });
  for (const p of r.problems) console.error(`longproxy report: skipped ${p}`);
  console.log(`${path.relative(process.cwd(), r.index) || r.index}: ${r.entries} metric page(s)${r.problems.length ? `, ${r.problems.length} claim(s) skipped` : ''}`);
  return r.problems.length ? 1 : 0;
}
