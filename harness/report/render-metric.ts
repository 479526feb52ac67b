// reports/<setting>/<metric>.html: scatter plot of submitted score against downstream score (Chart.js, inlined),
// held-out distribution, hyperparameters, per-model table, provenance. Pure: entry + library text in, HTML out.
// Record data reaches the page only as escaped JSON in a data block, read by the page's script; Chart.js draws
// model ids on a canvas as text, so no id can become markup.
import { floorStatus, type ReportEntry } from './entry.ts';
import { escapeHtml as e, fmt, fmtCi, fmtInt, fmtScore, fmtSeconds, fmtTokens, isNum, jsonForScript, shortModel } from './html.ts';
import { hyperText, statusBadge } from './render-index.ts';
import { CSS, FAIL_COLOUR, NO_FLOOR_COLOUR, PASS_COLOUR, POINT_COLOUR } from './style.ts';

/** Library code inlined into metric pages (Chart.js and its data-labels plugin, UMD builds). */
export interface PageAssets {
  chartJs: string;
  dataLabelsJs: string;
}

export interface ScatterPoint {
  model: string;
  short: string;
  x: number;
  y: number;
  outlier: boolean;
}

export interface Bin {
  lo: number;
  hi: number;
  count: number;
  colour: string;
}

/** Average ranks (1 = highest value), ties sharing the mean of their positions, as Spearman ranks them. */
export function ranksDescending(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
  const ranks = new Array<number>(values.length);
  for (let s = 0; s < order.length; ) {
    let t = s;
    while (t + 1 < order.length && order[t + 1].v === order[s].v) t++;
    for (let k = s; k <= t; k++) ranks[order[k].i] = (s + t) / 2 + 1;
    s = t + 1;
  }
  return ranks;
}

export function scatterPoints(entry: ReportEntry): ScatterPoint[] {
  const outliers = new Set(entry.verify.skipped_spearman?.outliers ?? []);
  const down = entry.downstream ?? {};
  return Object.keys(entry.scores)
    .filter((m) => isNum(entry.scores[m]) && isNum(down[m]))
    .map((m) => ({ model: m, short: shortModel(m), x: entry.scores[m], y: down[m], outlier: outliers.has(m) }));
}

/** Test-split Spearman counts in bins of 0.1 on [-1, 1]; a bin is green when its centre is at or above the floor,
 *  red below, blue when no floor is recorded. */
export function heldOutBins(values: readonly number[], floor: number | null): Bin[] {
  const bins: Bin[] = [];
  for (let i = 0; i < 20; i++) {
    const lo = Number((-1 + i / 10).toFixed(1));
    const hi = Number((lo + 0.1).toFixed(1));
    const centre = (lo + hi) / 2;
    const colour = isNum(floor) ? (centre >= floor ? PASS_COLOUR : FAIL_COLOUR) : POINT_COLOUR;
    bins.push({ lo, hi, count: 0, colour });
  }
  for (const v of values) {
    if (!isNum(v)) continue;
    bins[Math.min(19, Math.max(0, Math.floor((v + 1) * 10 + 1e-9)))].count++;
  }
  return bins;
}

// The page's own script: reads the data block and draws both charts. No animation, so a screenshot taken at
// load shows the final picture.
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#1f2328';
  Chart.defaults.animation = false;
  var refLines = {
    id: 'refLines',
    afterDatasetsDraw: function (chart, _args, opts) {
      var xs = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      (opts.lines || []).forEach(function (l) {
        var px = xs.getPixelForValue(l.value);
        ctx.save();
        ctx.strokeStyle = l.colour; ctx.lineWidth = 2; ctx.setLineDash(l.dash || []);
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.fillStyle = l.colour; ctx.font = '600 12px ' + Chart.defaults.font.family;
        // Near the right edge the label goes to the left of its line.
        var flip = px > area.right - 90;
        ctx.textAlign = flip ? 'right' : 'left'; ctx.fillText(l.label, flip ? px - 4 : px + 4, area.top + 12 + (l.row || 0) * 15);
        ctx.restore();
      });
    }
  };
  var sc = document.getElementById('scatter');
  if (sc) {
    var pts = data.points;
    var sets = [{
      label: 'model', data: pts.filter(function (p) { return !p.outlier; }),
      backgroundColor: data.colours.point + 'bb', borderColor: data.colours.point, pointRadius: 6, pointHoverRadius: 8,
      datalabels: { display: 'auto' }
    }];
    var outs = pts.filter(function (p) { return p.outlier; });
    if (outs.length) sets.push({
      label: 'outlier of the skipped Spearman', data: outs, pointStyle: 'triangle',
      backgroundColor: data.colours.fail + 'cc', borderColor: data.colours.fail, pointRadius: 9, pointHoverRadius: 11,
      datalabels: { display: true, color: data.colours.fail, font: { weight: '600' } }
    });
    new Chart(sc, {
      type: 'scatter', data: { datasets: sets }, plugins: [ChartDataLabels],
      options: {
        responsive: true, maintainAspectRatio: false, layout: { padding: { top: 8, right: 24 } },
        scales: {
          x: { grace: '6%', title: { display: true, text: data.xTitle, font: { weight: '600' } } },
          y: { grace: '6%', title: { display: true, text: data.yTitle, font: { weight: '600' } } }
        },
        plugins: {
          legend: { position: 'top', align: 'end' },
          tooltip: { callbacks: { label: function (c) {
            return c.raw.model + ': score ' + c.raw.x + ', downstream ' + c.raw.y;
          } } },
          datalabels: {
            formatter: function (v) { return v.short; }, anchor: 'center', offset: 7, clamp: true,
            // Labels point inwards, so that those of points near the right edge are not cut off.
            align: function (c) {
              var v = c.dataset.data[c.dataIndex], a = c.chart.chartArea;
              return c.chart.scales.x.getPixelForValue(v.x) > (a.left + a.right) / 2 ? 'left' : 'right';
            },
            font: { size: 11 }, color: '#424a53'
          }
        }
      }
    });
  }
  var cc = document.getElementById('curve');
  if (cc && data.curve) {
    var n = data.curve.models.length;
    new Chart(cc, {
      type: 'scatter',
      data: { datasets: data.curve.models.map(function (m, i) {
        var colour = 'hsl(' + Math.round(360 * i / Math.max(1, n)) + ', 65%, 42%)';
        return { label: m.short, data: m.points, showLine: true, borderColor: colour, backgroundColor: colour, pointRadius: 3, borderWidth: 1.5 };
      }) },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: data.curve.xLabel, font: { weight: '600' } } },
          y: { title: { display: true, text: data.curve.yLabel, font: { weight: '600' } } }
        },
        plugins: { legend: { position: 'right', labels: { boxWidth: 10, font: { size: 11 } } } }
      }
    });
  }
  var hc = document.getElementById('heldout');
  if (hc) {
    var h = data.heldOut;
    var lines = [{ value: h.mean, colour: '#1f2328', dash: [5, 4], label: 'mean ' + h.mean.toFixed(3), row: 0 }];
    if (h.floor !== null) lines.push({ value: h.floor, colour: data.colours.fail, label: 'floor ' + h.floor, row: 1 });
    new Chart(hc, {
      type: 'bar', plugins: [refLines],
      data: {
        datasets: [{ label: 'splits', data: h.bins.map(function (b) { return { x: (b.lo + b.hi) / 2, y: b.count }; }),
          backgroundColor: h.bins.map(function (b) { return b.colour + 'aa'; }), borderColor: h.bins.map(function (b) { return b.colour; }),
          borderWidth: 1, categoryPercentage: 1, barPercentage: 0.92 }]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', min: -1, max: 1, offset: false, grid: { offset: false },
            title: { display: true, text: 'test-split Spearman (bins of 0.1)', font: { weight: '600' } }, ticks: { stepSize: 0.2, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'splits', font: { weight: '600' } } }
        },
        plugins: { legend: { display: false }, refLines: { lines: lines } }
      }
    });
  }
})();
`;

function card(label: string, value: string, sub: string, cls = ''): string {
  return `<div class="card ${cls}"><div class="label">${e(label)}</div><div class="value">${value}</div><div class="small muted">${sub}</div></div>`;
}

function xTitle(entry: ReportEntry): string {
  if (entry.direction === 'lower-is-better') return `submitted score = \u2212${entry.metric} (higher ranks better)`;
  if (entry.direction === 'higher-is-better') return `submitted score = ${entry.metric} (higher ranks better)`;
  return `submitted score of ${entry.metric}`;
}

function modelTable(entry: ReportEntry): string {
  const models = Object.keys(entry.scores);
  const down = entry.downstream ?? {};
  const outliers = new Set(entry.verify.skipped_spearman?.outliers ?? []);
  const haveDown = models.filter((m) => isNum(down[m]));
  const scoreRank = new Map(haveDown.map((m, i) => [m, ranksDescending(haveDown.map((x) => entry.scores[x]))[i]]));
  const downRank = new Map(haveDown.map((m, i) => [m, ranksDescending(haveDown.map((x) => down[x]))[i]]));
  const cost = new Map((entry.cost.models ?? []).map((c) => [c.model, c]));
  const rows = [...models].sort((a, b) => entry.scores[b] - entry.scores[a] || (a < b ? -1 : 1)).map((m) => {
    const sr = scoreRank.get(m);
    const dr = downRank.get(m);
    const delta = sr !== undefined && dr !== undefined ? sr - dr : NaN;
    const deltaCls = !isNum(delta) ? '' : Math.abs(delta) <= 2 ? 'delta-good' : Math.abs(delta) >= 5 ? 'delta-bad' : '';
    const c = cost.get(m);
    return [
      `<tr class="${outliers.has(m) ? 'outlier' : ''}">`,
      `<td class="model">${e(m)}</td>`,
      `<td class="num">${fmtScore(entry.scores[m])}</td>`,
      `<td class="num">${sr === undefined ? '' : e(sr)}</td>`,
      `<td class="num">${isNum(down[m]) ? fmtScore(down[m]) : 'missing'}</td>`,
      `<td class="num">${dr === undefined ? '' : e(dr)}</td>`,
      `<td class="num ${deltaCls}">${isNum(delta) ? (delta > 0 ? '+' : delta < 0 ? '\u2212' : '') + Math.abs(delta) : ''}</td>`,
      c ? `<td class="num">${e(fmtTokens(c.tokensProcessed))}</td><td class="num">${e(fmtSeconds(c.wallSeconds))}</td><td class="small">${e(c.engine)} / ${e(c.device)}</td>` : '<td></td><td></td><td></td>',
      '</tr>',
    ].join('');
  });
  return [
    '<table class="models"><thead><tr><th>model</th><th>submitted score</th><th>rank by score</th><th>downstream</th>',
    '<th>rank by downstream</th><th>rank difference</th><th>tokens</th><th>forwards wall-clock</th><th>engine / device</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table>',
  ].join('');
}

function chosenTable(entry: ReportEntry): string {
  const h = entry.heldOut;
  const submitted = hyperText(entry.hyperparameters);
  const rows = [...(h.chosen ?? [])]
    .sort((a, b) => b.count - a.count || (hyperText(a.hyperparameters) < hyperText(b.hyperparameters) ? -1 : 1))
    .map((c) => {
      const text = hyperText(c.hyperparameters);
      const share = h.nSplits > 0 ? (100 * c.count) / h.nSplits : NaN;
      return `<tr><td><code>${e(text)}</code>${text === submitted ? ' <span class="badge no-floor" style="background:#0969da">submitted</span>' : ''}</td><td class="num">${e(c.count)}</td><td class="num">${isNum(share) ? share.toFixed(0) + '%' : ''}</td></tr>`;
    });
  return `<table><thead><tr><th>chosen on the train models</th><th>splits</th><th>share</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Submission and verifier output: path, the sha256 the verifier recorded, and the file on disk checked against it. */
function fileRows(entry: ReportEntry): string {
  const checks = new Map(entry.files.map((f) => [f.label, f]));
  const row = (label: string, file: string, recorded: string | null) => {
    const f = checks.get(label);
    const parts = [`<code>${e(file)}</code>`];
    if (recorded) parts.push(`sha256 <code>${e(recorded)}</code> (recorded by the verifier)`);
    if (f) {
      if (f.actualSha256 === null) parts.push('<span class="bad">missing on disk</span>');
      else if (f.expectedSha256 === null) parts.push(`sha256 on disk <code>${e(f.actualSha256)}</code>`);
      else if (f.expectedSha256 === f.actualSha256) parts.push('<span class="ok">the file on disk matches</span>');
      else parts.push(`<span class="bad">the file on disk differs: sha256 ${e(f.actualSha256)}</span>`);
    }
    return `<dt>${e(label)}</dt><dd>${parts.join('<br>')}</dd>`;
  };
  return row('submission', entry.paths.submission, entry.verify.submission_sha256 ?? null) + row('verifier output', entry.paths.verify, null);
}

export function renderMetricPage(entry: ReportEntry, assets: PageAssets): string {
  const v = entry.verify;
  const h = entry.heldOut;
  const status = floorStatus(entry);
  const points = scatterPoints(entry);
  const outliers = v.skipped_spearman?.outliers ?? [];
  const tests = (h.testSpearman ?? []).filter(isNum);
  const sortedTests = [...tests].sort((a, b) => a - b);
  const median = sortedTests.length ? (sortedTests[(sortedTests.length - 1) >> 1] + sortedTests[sortedTests.length >> 1]) / 2 : NaN;
  const data = {
    points,
    xTitle: xTitle(entry),
    yTitle: 'downstream score',
    heldOut: { bins: heldOutBins(tests, entry.floor), floor: isNum(entry.floor) ? entry.floor : null, mean: h.mean },
    colours: { point: POINT_COLOUR, fail: FAIL_COLOUR, pass: PASS_COLOUR, nofloor: NO_FLOOR_COLOUR },
    ...(entry.curve ? { curve: { xLabel: entry.curve.xLabel, yLabel: entry.curve.yLabel, models: entry.curve.models.map((m) => ({ short: shortModel(m.model), points: m.points })) } } : {}),
  };
  const curveSection = entry.curve
    ? `<h2>Curve per model</h2>
<p class="small muted">${e(entry.curve.yLabel)} against ${e(entry.curve.xLabel)}, one line per model, at the submitted hyperparameters.</p>
<div class="plot"><canvas id="curve" role="img" aria-label="${e(entry.curve.yLabel)} against ${e(entry.curve.xLabel)}, one line per model"></canvas></div>`
    : '';
  const probeCost = (entry.cost.probes ?? []).map((p) => `probe ${e(p.probe)}: +${e(fmtTokens(p.tokensProcessed))} tokens, ${e(fmtSeconds(p.wallSeconds))}`).join(' &middot; ');
  const missingDown = Object.keys(entry.scores).filter((m) => !points.some((p) => p.model === m));
  const plot = entry.downstream
    ? `<div class="plot"><canvas id="scatter" role="img" aria-label="scatter plot of submitted score against downstream score, one point per model"></canvas></div>` +
      (missingDown.length ? `<p class="note">Not plotted (no downstream score): ${missingDown.map((m) => `<code>${e(m)}</code>`).join(', ')}</p>` : '') +
      (entry.downstreamNote ? `<p class="note bad">${e(entry.downstreamNote)}</p>` : '')
    : `<p class="note bad">No scatter plot: ${e(entry.downstreamNote ?? 'the downstream scores are not available')}</p>`;
  const c = entry.cost;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(entry.metric)} on ${e(entry.setting)}: longproxy report</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="top">
<div class="crumbs"><a href="../index.html">leaderboard</a> &rsaquo; setting <code>${e(entry.setting)}</code></div>
<h1>${e(entry.metric)} <span class="muted">on</span> ${e(entry.setting)}</h1>
<p>${e(entry.description)}</p>
<p>${statusBadge(entry)} ${entry.direction ? `<span class="small muted">raw metric: ${e(entry.direction)}; ${e(entry.scoreMeaning ?? '')}</span>` : ''}
${entry.source === 'claims' ? '<span class="small muted">&middot; rebuilt from the claim bundle (not scored in the latest test run)</span>' : ''}</p>
</header>
<div class="cards">
${card('held-out Spearman', `${fmt(h.mean)} <span class="muted" style="font-size:16px">&plusmn; ${fmt(h.sd)}</span>`, `floor ${isNum(entry.floor) ? fmt(entry.floor, 4) : 'none recorded'} &middot; ${e(h.nSplits)} splits`, status)}
${card('Spearman \u03c1 (all models)', fmt(v.spearman.rho), `95% CI ${fmtCi(v.spearman.ci95)} &middot; p ${fmt(v.spearman.p_value, 4)}`)}
${card('Pearson r', fmt(v.pearson.r), `p ${fmt(v.pearson.p_value, 4)}`)}
${card('skipped Spearman', fmt(v.skipped_spearman.rho), `95% CI ${fmtCi(v.skipped_spearman.ci95)} &middot; ${outliers.length} outlier${outliers.length === 1 ? '' : 's'}`)}
${card('compute', `${e(fmtTokens(c.tokensProcessed))} <span class="muted" style="font-size:15px">tokens</span>`, `forwards ${e(fmtSeconds(c.wallSeconds))}${isNum(c.scoringWallSeconds) ? ` &middot; scoring ${e(fmtSeconds(c.scoringWallSeconds))}` : ''} &middot; ${e(c.engine)} / ${e(c.device)}${probeCost ? `<br>${probeCost}` : ''}`)}
</div>

<h2>Submitted score against downstream score</h2>
<p class="small muted">One point per model (${e(v.n_models)} models); red triangles are the outliers the skipped Spearman removed
(MCD rule${v.mcd_correction ? `, ${e(v.mcd_correction)}` : ''}). Labels that would overlap are hidden; hover a point or see the table below.</p>
${plot}
${curveSection}

<div class="twocol">
<section>
<h2>Held-out test Spearman</h2>
<p class="small muted">${e(h.nSplits)} seeded splits (seed ${e(h.seed)}), ${e(Math.round(h.trainFraction * 100))}% of the models to choose
hyperparameters, the rest to test. Mean ${fmt(h.mean)} &plusmn; ${fmt(h.sd)}, median ${fmt(median)}, range ${fmt(sortedTests[0])} to ${fmt(sortedTests[sortedTests.length - 1])}.</p>
<div class="plot short"><canvas id="heldout" role="img" aria-label="histogram of the test-split Spearman"></canvas></div>
</section>
<section>
<h2>Hyperparameters</h2>
<dl class="kv"><dt>submitted</dt><dd><code>${e(hyperText(entry.hyperparameters))}</code></dd>
${entry.hyperparameterRule ? `<dt>rule</dt><dd class="small">${e(entry.hyperparameterRule)}</dd>` : ''}</dl>
${chosenTable(entry)}
</section>
</div>

<h2>Per model</h2>
<p class="small muted">Sorted by submitted score. Ranks: 1 = highest; rank difference = rank by score &minus; rank by downstream.</p>
${modelTable(entry)}

<h2>Provenance</h2>
<dl class="kv">
<dt>code revision</dt><dd><code>${e(entry.codeRevision)}</code></dd>
${fileRows(entry)}
<dt>downstream file</dt><dd>sha256 <code>${e(v.downstream_sha256)}</code></dd>
<dt>claim bundle</dt><dd><code>${e(entry.paths.claim)}</code></dd>
<dt>verifier</dt><dd>${e(v.verifier ?? 'unknown')}; bootstrap ${e(v.bootstrap?.n_boot)} resamples, seed ${e(v.bootstrap?.seed)}${v.bootstrap?.valid ? ` (valid: Spearman ${e(v.bootstrap.valid.spearman)}, skipped ${e(v.bootstrap.valid.skipped_spearman)})` : ''}; MCD correction ${e(v.mcd_correction ?? 'unrecorded')}</dd>
${entry.seeds ? `<dt>seeds</dt><dd>held-out splits ${e(entry.seeds.heldOutSplits ?? h.seed)}, verifier bootstrap ${e(entry.seeds.verifierBootstrap ?? v.bootstrap?.seed)}</dd>` : ''}
<dt>tokens processed</dt><dd>${e(fmtInt(c.tokensProcessed))}</dd>
</dl>
<footer>Generated by <code>harness/report</code>. Self-contained: Chart.js ${e(chartVersion(assets.chartJs))} and chartjs-plugin-datalabels are inlined; no network access is needed.</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${inlineScript(assets.chartJs)}</script>
<script>${inlineScript(assets.dataLabelsJs)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Library text inside a script element: a literal "</script" would end the element early. */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function chartVersion(js: string): string {
  return /Chart\.js v(\d+\.\d+\.\d+)/.exec(js)?.[1] ?? '';
}
