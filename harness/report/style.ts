// The reports' one stylesheet, inlined into every page (no external files: the pages open offline).
export const PASS_COLOUR = '#1a7f37';
export const FAIL_COLOUR = '#cf222e';
export const NO_FLOOR_COLOUR = '#9a6700';
export const POINT_COLOUR = '#0969da';

export const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: ${POINT_COLOUR};
  --pass: ${PASS_COLOUR}; --fail: ${FAIL_COLOUR}; --nofloor: ${NO_FLOOR_COLOUR}; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans",
  "DejaVu Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 64px; }
header.top { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 20px; }
header.top .crumbs { color: var(--muted); font-size: 13px; }
h1 { font-size: 26px; margin: 4px 0 6px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 32px 0 8px; font-weight: 620; }
h3 { font-size: 16px; margin: 24px 0 8px; font-weight: 620; }
p { margin: 6px 0 10px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.lede { color: var(--muted); max-width: 900px; }
.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; text-align: left; }
th { font-size: 12.5px; color: var(--muted); font-weight: 600;
  background: var(--soft); position: sticky; top: 0; }
tbody tr:hover { background: #fafbfc; }
td.metric a { font-weight: 600; font-size: 15px; }
td.metric .desc { color: var(--muted); font-size: 12.5px; max-width: 330px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: #fff; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.no-floor { background: var(--nofloor); }
tr.fail td:first-child { box-shadow: inset 4px 0 0 var(--fail); }
tr.pass td:first-child { box-shadow: inset 4px 0 0 var(--pass); }
tr.no-floor td:first-child { box-shadow: inset 4px 0 0 var(--nofloor); }
.big { font-size: 17px; font-weight: 620; font-variant-numeric: tabular-nums; }
.ci { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 13px; white-space: nowrap; }
svg.forest { display: block; margin-top: 3px; }
.outliers { color: var(--fail); font-size: 12.5px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin: 16px 0 8px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: #fff; }
.card .label { font-size: 13px; color: var(--muted); font-weight: 600; }
.card .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card.pass { border-color: var(--pass); box-shadow: inset 0 3px 0 var(--pass); }
.card.fail { border-color: var(--fail); box-shadow: inset 0 3px 0 var(--fail); }
.card.no-floor { border-color: var(--nofloor); box-shadow: inset 0 3px 0 var(--nofloor); }
.plot { position: relative; height: 460px; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.plot.short { height: 260px; }
.twocol { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
@media (max-width: 900px) { .twocol { grid-template-columns: 1fr; } }
.note { border-left: 4px solid var(--nofloor); background: #fff8c5; padding: 8px 12px; margin: 10px 0; }
.note.bad { border-left-color: var(--fail); background: #ffebe9; }
td.model { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 13px; min-width: 260px; overflow-wrap: anywhere; }
tr.outlier td.model::after { content: " outlier"; color: var(--fail); font-family: system-ui, sans-serif; font-size: 11px;
  font-weight: 600; text-transform: uppercase; }
.delta-good { color: var(--pass); } .delta-bad { color: var(--fail); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; word-break: break-all; }
.ok { color: var(--pass); font-weight: 600; } .bad { color: var(--fail); font-weight: 600; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
`;
