// index.html: every enrolled recipe at a glance, what needs a look first. Pure.
import { formatDuration, shortCommit } from '../text/format.js';
import { durationChart, historyChart } from './charts.js';
import { h, type Html } from './html.js';
import { tableStart } from './tables.js';
import { HEALTH_LABELS, healthPill, legend, outcomePill, page, when } from './layout.js';
import { HEALTHS, type DashboardModel, type RecipeView } from './model.js';

export function recipeHref(recipe: string, root = ''): string {
  return `${root}recipes/${recipe}.html`;
}

function canonicalCell(r: RecipeView): Html {
  if (r.invalidRecord) return h`<span class="pill h-invalid">invalid record</span>`;
  if (!r.canonical) return h`<span class="meta">none</span>`;
  return h`<b>${r.canonical.version}</b> <span class="mono meta">${shortCommit(r.canonical.commit)}</span> <span class="meta">L${r.canonical.level}</span>`;
}

function newestCell(r: RecipeView): Html {
  if (!r.newestTag) return h`<span class="meta">-</span>`;
  return h`${r.newestTag.red ? h`<span class="pill o-red">red</span> ` : ''}${r.newestTag.tag}`;
}

function lastCell(r: RecipeView): Html {
  if (!r.last) return h`<span class="meta">never swept</span>`;
  return h`${outcomePill(r.last.outcome)} <span class="meta">${when(r.last.at)}</span>`;
}

function row(r: RecipeView): Html {
  return h`<tr${r.attention.length > 0 ? h` class="attn"` : ''}>
<td class="name"><a href="${recipeHref(r.recipe)}"><b>${r.recipe}</b></a></td>
<td>${healthPill(r.health)}</td>
<td class="version">${canonicalCell(r)}</td>
<td>${r.canonical ? when(r.canonical.promotedAt) : h`-`}</td>
<td class="tag">${newestCell(r)}</td>
<td>${lastCell(r)}</td>
<td class="nights-cell">${historyChart(r.nights, { detailed: false })}</td>
</tr>`;
}

function attentionList(model: DashboardModel): Html | null {
  const needing = model.recipes.filter((r) => r.attention.length > 0);
  if (needing.length === 0 && model.problems.length === 0 && model.lastSweepWarnings.length === 0) return null;
  return h`<section class="attention" id="attention"><h2>Needs a look (${needing.length})</h2><ul>
${needing.map((r) => h`<li><a href="${recipeHref(r.recipe)}"><b>${r.recipe}</b></a> ${healthPill(r.health)} <span class="reason">${r.attention.join('; ')}</span></li>\n`)}
${model.lastSweepWarnings.map((w) => h`<li>last sweep: <span class="reason">${w}</span></li>\n`)}
${model.problems.map((p) => h`<li>unreadable: <span class="reason">${p}</span></li>\n`)}
</ul></section>`;
}

function lastSweepLine(model: DashboardModel): Html {
  const s = model.lastSweep;
  if (!s) return h`<p class="meta">No sweep in the last ${model.nightCount} nights.</p>`;
  const result = s.result === 'ok' ? h`<span class="pill h-green">ok</span>` : h`<span class="pill h-red">${s.result}</span>`;
  return h`<p class="meta">Last sweep ${when(s.startedAt)}: ${result} in ${formatDuration(s.durationMs)}, ${s.recipes} recipe(s)${
    s.retryRed ? ' (retrying red tags)' : ''
  } <span class="mono">${s.sweepId}</span></p>`;
}

export function renderIndex(model: DashboardModel): string {
  const chart = durationChart(model.sweeps);
  const first = model.sweeps[0];
  const body = h`<h1>Recipes</h1>
${lastSweepLine(model)}
<div class="stats">${HEALTHS.filter((health) => model.counts[health] > 0 || health === 'red' || health === 'green').map(
    (health) => h`<div class="stat h-${health}"><b>${model.counts[health]}</b><span>${HEALTH_LABELS[health]}</span></div>`,
  )}</div>
${attentionList(model)}
${tableStart('recipes', `Last ${model.nightCount} nights`)}
<tbody>
${model.recipes.map(row)}
</tbody>
</table>
${legend()}
<h2>Sweep duration</h2>
${chart ? h`${chart}<div class="axis"><span>${first ? when(first.startedAt) : ''}</span><span>${when(model.sweeps.at(-1)?.startedAt)}</span></div>` : h`<p class="meta">No sweep in the last ${model.nightCount} nights.</p>`}`;
  return page({ title: 'cc-ci: recipes', root: '', generatedAt: model.generatedAt, body });
}
