// style.css of the dashboard: one file every page links (so 400 pages do not each carry
// it). System fonts only, nothing fetched. Narrow screens get the tables as cards.
// Inline style attributes would need 'unsafe-inline' in the pages' CSP: colours are classes.
import { OUTCOME_COLOURS } from './charts.js';
import { tableLabelsCss } from './tables.js';

const MARK_COLOURS = Object.entries(OUTCOME_COLOURS)
  .map(([cls, colour]) => `.c-${cls}{background:${colour}}`)
  .join('');

export const DASHBOARD_CSS = `:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--link:#0969da;
--promoted:#1a7f37;--skipped:#4b8a5c;--red:#cf222e;--error:#bc4c00;--promote-failed:#8c1020;--not-promoted:#9a6700;
--interrupted:#8250df;--would-run:#0969da;--other:#59636e;--none:#59636e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Helvetica,Arial,sans-serif}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
header.top{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;padding:.8rem 1.25rem;background:#24292f;color:#f0f3f6}
header.top a{color:#fff;font-weight:600;font-size:1.1rem}header.top .sub{color:#c9d1d9}header.top .gen{margin-left:auto;color:#9da7b3;font-size:.85rem}
main{max-width:1200px;margin:0 auto;padding:1rem 1.25rem 2rem}
h1{font-size:1.6rem;margin:.6rem 0 .4rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem;word-break:break-all}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
.crumbs{font-size:.9rem;margin:.2rem 0}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:.6rem;margin:.75rem 0}
.stat{border:1px solid var(--line);border-radius:8px;padding:.5rem .75rem;background:var(--soft)}
.stat b{display:block;font-size:1.6rem;line-height:1.2}.stat span{color:var(--muted);font-size:.85rem}
.stat.h-red b,.stat.h-invalid b{color:var(--red)}.stat.h-error b{color:var(--error)}.stat.h-green b{color:var(--promoted)}
.meta{color:var(--muted);font-size:.9rem;margin:.25rem 0}
.pill{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.8rem;font-weight:600;line-height:1.6;white-space:nowrap;color:#fff;background:var(--other)}
.o-promoted,.h-green{background:var(--promoted)}.o-skipped{background:var(--skipped)}.o-red,.h-red{background:var(--red)}
.o-error,.h-error{background:var(--error)}.o-promote-failed{background:var(--promote-failed)}.o-not-promoted{background:var(--not-promoted)}
.o-interrupted{background:var(--interrupted)}.o-would-run{background:var(--would-run)}.o-none,.h-none,.h-never-released{background:#818b98}
.h-invalid{background:var(--promote-failed)}
.stat.h-red,.stat.h-error,.stat.h-green,.stat.h-none,.stat.h-never-released,.stat.h-invalid{background:var(--soft)}
.attention{border:1px solid #ffcecb;background:#ffebe9;border-radius:8px;padding:.5rem 1rem;margin:.75rem 0}
.attention h2{border:0;margin:.3rem 0;color:var(--red)}
.attention ul{margin:.2rem 0;padding-left:1.1rem}.attention li{margin:.25rem 0;overflow-wrap:anywhere}
.note{border:1px solid #d4a72c66;background:#fff8c5;border-radius:8px;padding:.4rem .8rem;margin:.5rem 0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);padding:.35rem .5rem;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:.4rem .5rem;vertical-align:middle;overflow-wrap:anywhere}
tr.attn td:first-child{box-shadow:inset 3px 0 var(--red)}
.t,.pill{white-space:nowrap}
@media (min-width:721px){td.name{white-space:nowrap}td.version{min-width:10rem}td.tag{min-width:7.5rem}}
td.nights-cell{width:32%;min-width:180px}
svg.nights{display:block;width:100%;height:14px}
svg.durations{display:block;width:100%;height:64px;background:var(--soft);border-radius:4px}
.history svg.nights{height:22px}
.axis{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.legend{display:flex;flex-wrap:wrap;gap:.4rem .9rem;color:var(--muted);font-size:.85rem;margin:.5rem 0}
.legend i{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em}
.reason{overflow-wrap:anywhere}
.badge-md{display:block;padding:.4rem .6rem;background:var(--soft);border:1px solid var(--line);border-radius:6px;overflow-x:auto;white-space:pre}
footer{max-width:1200px;margin:0 auto;padding:0 1.25rem 2rem;color:var(--muted);font-size:.85rem}
@media (max-width:720px){
body{font-size:14px}main{padding:.75rem}
header.top .gen{margin-left:0}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards tr{border:1px solid var(--line);border-radius:8px;margin:0 0 .75rem;padding:.4rem .6rem}
table.cards td{border:0;padding:.15rem 0;display:flex;flex-wrap:wrap;gap:.1rem .5rem;align-items:baseline}
table.cards td::before{flex:0 0 6.5rem;color:var(--muted);font-size:.8rem}
${tableLabelsCss()}
table.cards td.nights-cell{display:block;min-width:0}table.cards td.nights-cell::before{display:block;margin-bottom:.2rem}
tr.attn td:first-child{box-shadow:none}tr.attn{border-left:4px solid var(--red)}
dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.35rem}
}
${MARK_COLOURS}
`;
