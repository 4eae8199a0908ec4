// recipes/<recipe>.html: one recipe in full. Pure.
import { formatBytes, formatDuration, shortCommit } from '../text/format.js';
import { historyChart, historySummary } from './charts.js';
import { h, type Html } from './html.js';
import { tableStart } from './tables.js';
import type { RunInput } from './input.js';
import { healthPill, outcomePill, page, when } from './layout.js';
import type { RecipeView } from './model.js';

/** runs/<run-id>.log and runs/<run-id>.results.json: flat, one directory for all (fewer to make per build). */
export function runHref(runId: string, file: 'run.log' | 'results.json', root = '../'): string {
  return `${root}runs/${runId}.${file === 'run.log' ? 'log' : 'results.json'}`;
}

export function badgeHref(recipe: string, root = '../'): string {
  return `${root}badges/${recipe}.svg`;
}

/** A run id with links to its copied log and results, or plain text when the dashboard does not carry it. */
function runLinks(runId: string | null, carried: ReadonlyMap<string, RunInput>): Html {
  if (!runId) return h`-`;
  const run = carried.get(runId);
  if (!run) return h`<span class="mono">${runId}</span>`;
  const log = run.hasLog
    ? h`<a href="${runHref(runId, 'run.log')}">log</a>`
    : run.logOmitted
      ? h`<span class="meta">(log: <code>ccci logs ${runId}</code>)</span>`
      : h`<span class="meta">(no log)</span>`;
  return h`<span class="mono">${runId}</span> ${log} ${
    run.hasResults ? h`<a href="${runHref(runId, 'results.json')}">results</a>` : h`<span class="meta">(no results)</span>`
  }`;
}

function canonicalSection(r: RecipeView, carried: ReadonlyMap<string, RunInput>): Html {
  if (r.invalidRecord) {
    return h`<h2>Canonical</h2><p class="note"><b>Invalid record</b>, left as it is (the sweep refuses to touch it): <span class="reason">${r.invalidRecord}</span></p>`;
  }
  const c = r.canonical;
  if (!c) return h`<h2>Canonical</h2><p class="meta">No canonical yet: no run of a release tag of this recipe has been promoted.</p>`;
  return h`<h2>Canonical</h2>
<dl class="facts">
<dt>version</dt><dd><b>${c.version}</b></dd>
<dt>commit</dt><dd class="mono">${c.commit}</dd>
<dt>level</dt><dd>L${c.level}</dd>
<dt>promoted</dt><dd>${when(c.promotedAt)} by run ${runLinks(c.runId, carried)}</dd>
<dt>record updated</dt><dd>${when(c.updatedAt)} (${c.status})</dd>
<dt>warm domain</dt><dd class="mono">${c.domain}</dd>
<dt>snapshot</dt><dd><span class="mono">${c.snapshot.id}</span>: ${c.snapshot.volumes.length} volume(s) ${c.snapshot.volumes.join(', ')}, ${formatBytes(c.snapshot.bytes)}</dd>
${r.movedTag ? h`<dt>moved tag</dt><dd class="reason"><span class="pill o-red">moved</span> ${r.movedTag}</dd>` : ''}
</dl>`;
}

function decisionSection(r: RecipeView, carried: ReadonlyMap<string, RunInput>): Html {
  const newest = r.newestTag;
  const last = r.last;
  return h`<h2>Newest tag and last decision</h2>
<dl class="facts">
<dt>newest tag</dt><dd>${newest ? h`${newest.red ? h`<span class="pill o-red">red</span> ` : ''}<b>${newest.tag}</b>${newest.commit ? h` <span class="mono meta">${shortCommit(newest.commit)}</span>` : ''}` : h`<span class="meta">no release tag seen</span>`}</dd>
${last
    ? h`<dt>last sweep</dt><dd>${when(last.at)} ${outcomePill(last.outcome)} <span class="mono meta">${last.sweepId}</span></dd>
<dt>decision</dt><dd class="mono">${last.decision}</dd>
<dt>reason</dt><dd class="reason">${last.reason}</dd>
${last.error ? h`<dt>error</dt><dd class="reason">${last.error}</dd>` : ''}
${last.runId ? h`<dt>run</dt><dd>${runLinks(last.runId, carried)}${last.level === null ? '' : ` (level L${last.level})`}</dd>` : ''}`
    : h`<dt>last sweep</dt><dd class="meta">never swept</dd>`}
</dl>
${r.warnings.length > 0 ? h`<ul class="note">${r.warnings.map((w) => h`<li>${w}</li>`)}</ul>` : ''}`;
}

function redTagsSection(r: RecipeView, carried: ReadonlyMap<string, RunInput>): Html | null {
  if (r.redTags.length === 0) return null;
  return h`<h2>Red tags</h2>
${tableStart('red')}
<tbody>
${r.redTags.map(
    (t) => h`<tr><td><b>${t.tag}</b></td><td class="mono">${shortCommit(t.commit)}</td><td>${
      t.rung ? h`${t.rung} <span class="meta">(${t.rungStatus})</span>` : h`<span class="meta">-</span>`
    }</td><td class="reason">${t.reason}</td><td>${t.count}, last ${when(t.lastAt)}</td><td>${runLinks(
      t.runId,
      carried,
    )}</td></tr>\n`,
  )}
</tbody>
</table>`;
}

function recentSection(r: RecipeView, carried: ReadonlyMap<string, RunInput>): Html {
  if (r.recent.length === 0) return h`<h2>Recent sweeps</h2><p class="meta">This recipe has not been swept yet.</p>`;
  return h`<h2>Recent sweeps</h2>
${tableStart('recent')}
<tbody>
${r.recent.map(
    ({ attempt: a, since, count }) => h`<tr><td>${when(a.at)}${count > 1 ? h`<br><span class="meta">${count} sweeps since ${when(since)}</span>` : ''}</td><td>${outcomePill(a.outcome)}</td><td class="mono">${
      a.decision
    }</td><td>${a.tag ?? '-'}</td><td>${a.level === null ? '-' : `L${a.level}`}</td><td>${formatDuration(
      a.durationMs,
    )}</td><td>${runLinks(a.runId, carried)}</td></tr>\n`,
  )}
</tbody>
</table>
${r.badAttemptLines > 0 ? h`<p class="note">${r.badAttemptLines} line(s) of attempts.jsonl could not be read and are not shown.</p>` : ''}`;
}

export function renderRecipePage(r: RecipeView, generatedAt: string): string {
  const carried = new Map(r.runs.map((run) => [run.runId, run]));
  const body = h`<p class="crumbs"><a href="../index.html">all recipes</a></p>
<h1>${r.recipe} ${healthPill(r.health)} <img src="${badgeHref(r.recipe)}" alt="${r.badge.label}: ${r.badge.message}" height="20"></h1>
${r.attention.length > 0 ? h`<section class="attention"><h2>Needs a look</h2><ul>${r.attention.map((a) => h`<li>${a}</li>`)}</ul></section>` : ''}
${canonicalSection(r, carried)}
${decisionSection(r, carried)}
${redTagsSection(r, carried)}
<h2>Last ${r.nights.length} nights</h2>
<div class="history">${historyChart(r.nights, { detailed: true })}</div>
<div class="axis"><span>${r.nights[0]?.date ?? ''}</span><span>${r.nights.at(-1)?.date ?? ''}</span></div>
<p class="meta">${historySummary(r.nights)}</p>
${recentSection(r, carried)}
<h2>Badge</h2>
<p class="meta">For the recipe's README (the dashboard's address in front):</p>
<code class="badge-md">![${r.badge.label}](badges/${r.recipe}.svg)</code>`;
  return page({ title: `cc-ci: ${r.recipe}`, root: '../', generatedAt, body });
}
