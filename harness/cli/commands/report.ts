// `longproxy report`: rebuild reports/ from the claim bundles in results/claims/ without running any test.
// It refuses a claims folder that is missing or holds no bundle, and an index that would list fewer metrics than
// the pages already in the output folder (unless --allow-fewer): a report is never silently replaced by an
// emptier one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { parseFlags } from '../flags.ts';
import { CLAIMS_DIR } from '../../report/claims.ts';
import { safeName } from '../../report/html.ts';
import { collectEntries, REPORTS_DIR, writeReports } from '../../report/write.ts';
import { REPO_ROOT } from '../../util/paths.ts';

export const description = 'rebuild the HTML reports (reports/index.html, a page per metric) from results/claims/';

const HELP = `usage: longproxy report [--claims DIR] [--out DIR] [--allow-fewer]

  Reads every claim bundle ${CLAIMS_DIR}/<setting>/<metric>.json (with the submission it names and the setting's
  downstream file) and writes ${REPORTS_DIR}/index.html and ${REPORTS_DIR}/<setting>/<metric>.html. Runs no test and
  no model. Paths are relative to the repository root.
  --claims DIR     claim bundles folder (default ${CLAIMS_DIR}); must exist and hold at least one bundle
  --out DIR        output folder (default ${REPORTS_DIR})
  --allow-fewer    write the index even when it lists fewer metrics than there are pages in the output folder

  Exit status: 0 written, 1 a claim was skipped or the input is refused, 2 usage.`;

/** "<setting>/<metric>" of every metric page already in the output folder. */
function existingPages(outDir: string): string[] {
  if (!existsSync(outDir)) return [];
  const pages: string[] = [];
  for (const setting of readdirSync(outDir)) {
    const dir = path.join(outDir, setting);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.html')) pages.push(`${setting}/${f.slice(0, -5)}`);
  }
  return pages.sort();
}

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, { claims: { type: 'string' }, out: { type: 'string' }, 'allow-fewer': { type: 'boolean' } }, HELP);
  if (values === null) return 0;
  const claimsDir = values.claims ?? CLAIMS_DIR;
  const claimsAbs = path.resolve(REPO_ROOT, claimsDir);
  if (!existsSync(claimsAbs) || !statSync(claimsAbs).isDirectory()) {
    throw new UserError(`--claims ${claimsDir}: folder ${claimsAbs} not found; give the folder of claim bundles (default ${CLAIMS_DIR}), made by \`longproxy score\``);
  }
  const outDir = path.resolve(REPO_ROOT, values.out ?? REPORTS_DIR);
  const { entries, problems } = collectEntries({ root: REPO_ROOT, claimsDir: claimsAbs });
  if (entries.length === 0 && problems.length === 0) {
    throw new UserError(`--claims ${claimsDir}: ${claimsAbs} holds no claim bundle (<setting>/<metric>.json); run \`longproxy score\` first or point --claims at a filled folder`);
  }
  const listed = new Set(entries.map((e) => `${safeName(e.setting)}/${safeName(e.metric)}`));
  const dropped = existingPages(outDir).filter((p) => !listed.has(p));
  if (dropped.length && !values['allow-fewer']) {
    throw new UserError(
      `${path.join(outDir, 'index.html')}: the new index would list ${entries.length} metric(s) and drop ${dropped.length} that have pages in ${outDir} ` +
        `(${dropped.join(', ')}); nothing was written. Add their claim bundles to ${claimsDir}, remove the stale pages, or pass --allow-fewer`,
    );
  }
  writeReports(outDir, entries, problems);
  const index = path.join(outDir, 'index.html');
  for (const p of problems) console.error(`longproxy report: skipped ${p}`);
  console.log(`${path.relative(process.cwd(), index) || index}: ${entries.length} metric page(s)${problems.length ? `, ${problems.length} claim(s) skipped` : ''}`);
  return problems.length ? 1 : 0;
}
