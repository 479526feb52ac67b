// reports/index.html: one leaderboard per setting, sorted by held-out mean Spearman. Pure: entries in, HTML out.
import { compareEntries, floorStatus, type FloorStatus, type ReportEntry } from './entry.ts';
import { escapeHtml as e, fmt, fmtCi, fmtSeconds, fmtTokens, isNum, safeName, shortModel } from './html.ts';
import { CSS, FAIL_COLOUR, NO_FLOOR_COLOUR, PASS_COLOUR, POINT_COLOUR } from './style.ts';
import { intervalSvg } from './svg.ts';

export interface IndexInput {
  entries: readonly ReportEntry[];
  /** Claim files that could not be read, each with the reason (shown at the end of the page). */
  problems?: readonly string[];
}

/** Relative link from reports/index.html to a metric page. */
export function metricHref(setting: string, metric: string): string {
  return `${encodeURIComponent(safeName(setting))}/${encodeURIComponent(safeName(metric))}.html`;
}

const STATUS_COLOUR: Record<FloorStatus, string> = { pass: PASS_COLOUR, fail: FAIL_COLOUR, 'no-floor': NO_FLOOR_COLOUR };

export function statusBadge(entry: Pick<ReportEntry, 'floor' | 'heldOut'>): string {
  const s = floorStatus(entry);
  const text = s === 'pass' ? `at/above floor ${fmt(entry.floor, 4)}` : s === 'fail' ? `below floor ${fmt(entry.floor, 4)}` : 'no floor recorded';
  return `<span class="badge ${s}">${e(text)}</span>`;
}

export function hyperText(hp: Record<string, unknown>): string {
  const keys = Object.keys(hp).sort();
  return keys.length ? keys.map((k) => `${k}=${String(hp[k])}`).join(', ') : '(none)';
}

function row(entry: ReportEntry, rank: number): string {
  const v = entry.verify;
  const h = entry.heldOut;
  const status = floorStatus(entry);
  const outliers = v.skipped_spearman?.outliers ?? [];
  const href = metricHref(entry.setting, entry.metric);
  const heldOutCell = [
    `<div class="big">${fmt(h.mean)} <span class="muted">&plusmn; ${fmt(h.sd)}</span></div>`,
    statusBadge(entry),
    intervalSvg({ lo: h.mean - h.sd, hi: h.mean + h.sd, point: h.mean, colour: STATUS_COLOUR[status], floor: entry.floor }),
    `<div class="small muted">${e(h.nSplits)} splits, ${e(Math.round(h.trainFraction * 100))}% train</div>`,
  ].join('');
  const spearmanCell = [
    `<div class="big">${fmt(v.spearman.rho)}</div>`,
    `<div class="ci">95% CI ${fmtCi(v.spearman.ci95)} &middot; p ${fmt(v.spearman.p_value, 4)}</div>`,
    intervalSvg({ lo: v.spearman.ci95?.[0], hi: v.spearman.ci95?.[1], point: v.spearman.rho, colour: POINT_COLOUR }),
  ].join('');
  const skippedCell = [
    `<div class="big">${fmt(v.skipped_spearman.rho)}</div>`,
    `<div class="ci">95% CI ${fmtCi(v.skipped_spearman.ci95)}</div>`,
    intervalSvg({ lo: v.skipped_spearman.ci95?.[0], hi: v.skipped_spearman.ci95?.[1], point: v.skipped_spearman.rho, colour: '#8250df' }),
    outliers.length
      ? `<div class="outliers">outliers: ${outliers.map((m) => `<span title="${e(m)}">${e(shortModel(m))}</span>`).join(', ')}</div>`
      : '<div class="small muted">no outliers</div>',
  ].join('');
  const c = entry.cost;
  const computeCell = [
    `<div class="num">${e(fmtTokens(c.tokensProcessed))} tokens</div>`,
    `<div class="num small">forwards ${e(fmtSeconds(c.wallSeconds))}</div>`,
    isNum(c.scoringWallSeconds) ? `<div class="num small">scoring ${e(fmtSeconds(c.scoringWallSeconds))}</div>` : '',
    `<div class="num small muted">${e(c.engine)} / ${e(c.device)}</div>`,
  ].join('');
  return [
    `<tr class="${status}" data-metric="${e(entry.metric)}">`,
    `<td class="num">${rank}</td>`,
    `<td class="metric"><a href="${e(href)}">${e(entry.metric)}</a><div class="desc">${e(entry.description)}</div>`,
    `<div class="small muted">hp: <code>${e(hyperText(entry.hyperparameters))}</code>${entry.source === 'claims' ? ' &middot; from results/claims' : ''}</div></td>`,
    `<td>${heldOutCell}</td>`,
    `<td>${spearmanCell}</td>`,
    `<td><div class="big">${fmt(v.pearson.r)}</div><div class="ci">p ${fmt(v.pearson.p_value, 4)}</div></td>`,
    `<td>${skippedCell}</td>`,
    `<td>${computeCell}</td>`,
    '</tr>',
  ].join('');
}

function settingSection(setting: string, entries: ReportEntry[]): string {
  const sorted = [...entries].sort(compareEntries);
  const nModels = [...new Set(sorted.map((x) => x.verify.n_models))].join(' / ');
  const downstream = [...new Set(sorted.map((x) => x.verify.downstream_sha256))];
  const revisions = [...new Set(sorted.map((x) => x.codeRevision))];
  const counts = { pass: 0, fail: 0, 'no-floor': 0 };
  for (const x of sorted) counts[floorStatus(x)]++;
  return [
    `<section class="setting" id="setting-${e(safeName(setting))}">`,
    `<h2>Setting <code>${e(setting)}</code></h2>`,
    `<p class="small muted">${e(sorted.length)} metric${sorted.length === 1 ? '' : 's'} &middot; ${e(nModels)} models &middot; `,
    `<span class="ok">${counts.pass} at/above floor</span>, <span class="bad">${counts.fail} below floor</span>, ${counts['no-floor']} without floor &middot; `,
    `downstream sha256 ${downstream.map((d) => `<code>${e(String(d).slice(0, 12))}</code>`).join(', ')}${downstream.length > 1 ? ' <span class="bad">(metrics were verified against different downstream files)</span>' : ''} &middot; `,
    `code ${revisions.map((r) => `<code>${e(String(r).slice(0, 12))}${String(r).endsWith('+dirty') ? '+dirty' : ''}</code>`).join(', ')}</p>`,
    '<table class="board"><thead><tr>',
    '<th>#</th><th>metric</th><th>held-out Spearman<br>mean &plusmn; sd vs floor</th><th>Spearman &rho;<br>all models</th>',
    '<th>Pearson r</th><th>skipped Spearman<br>and outliers</th><th>compute</th>',
    '</tr></thead><tbody>',
    ...sorted.map((x, i) => row(x, i + 1)),
    '</tbody></table>',
    '</section>',
  ].join('');
}

export function renderIndex(input: IndexInput): string {
  const bySetting = new Map<string, ReportEntry[]>();
  for (const x of input.entries) {
    if (!bySetting.has(x.setting)) bySetting.set(x.setting, []);
    bySetting.get(x.setting)!.push(x);
  }
  const settings = [...bySetting.keys()].sort();
  const problems = input.problems ?? [];
  const body = settings.length
    ? settings.map((s) => settingSection(s, bySetting.get(s)!)).join('\n')
    : '<p class="note">No scoring records yet: run <code>npx vitest run metrics/</code> (the scoring suites write ' +
      '<code>results/claims/</code>), then <code>npx longproxy report</code>.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>longproxy: proxy-metric leaderboard</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="top">
<div class="crumbs">longproxy report</div>
<h1>Proxy-metric leaderboard</h1>
<p class="lede">Each row is one metric scored on every model of a setting. <b>Held-out Spearman</b> (the honest
number, and the sort order) is the mean &plusmn; sd of the test-split Spearman over repeated seeded splits in which
hyperparameters were chosen on the other models only; the bar shows mean &plusmn; sd on the scale &minus;1 to 1 and
the black tick the recorded floor (green: at or above it, red: below, amber: none recorded). <b>Spearman</b>,
<b>Pearson</b> and <b>skipped Spearman</b> (outliers removed by the MCD rule) are the verifier's statistics of the
submitted scores on all models, with bootstrap 95% intervals; they use hyperparameters chosen on all models, so they
are optimistic. Compute: tokens through the model and wall-clock of the forwards behind the cached statistics, and of
the scoring run.</p>
</header>
${body}
${problems.length ? `<h2>Claims that could not be read</h2><ul class="note bad">${problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>` : ''}
<footer>Generated by <code>harness/report</code> from the scoring suites' records and <code>results/claims/</code>.
Self-contained: no network access is needed to view this page.</footer>
</main>
</body>
</html>
`;
}
