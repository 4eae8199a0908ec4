// From the gathered state to what the pages show: per recipe its health, canonical,
// newest tag and decision, red tags with the failing rung, marks, night history and the
// runs whose logs are linked. Pure: no I/O, the same input gives the same model.
import { compareVersions, latestRelease, parseTag } from '../core/versions.js';
import { movedCanonicalTag } from '../status/moved-tag.js';
import { isRunId } from '../status/runs.js';
import type { ReportedSweep } from '../status/sweep-reports.js';
import type { HistoryDigest, RecentRow, RedTally } from './history-digest.js';
import { nightsOf, type Night } from './history.js';
import type { CanonicalInput, DashboardInput, RecipeInput, RunInput } from './input.js';
import { needsAttention } from './outcomes.js';

export type { RecentRow } from './history-digest.js';

/** The one word for a recipe's state, most serious first. */
export type Health = 'invalid' | 'red' | 'error' | 'green' | 'never-released' | 'none';
export const HEALTHS: readonly Health[] = ['invalid', 'red', 'error', 'green', 'never-released', 'none'];

/** A red tag as shown: its tally, and what its newest run's results.json says. */
export interface RedTag extends RedTally {
  /** The rung that failed (or could not be verified), when results.json tells. */
  rung: string | null;
  rungStatus: string | null;
  reason: string;
}

export interface LastDecision {
  at: string;
  sweepId: string;
  outcome: string;
  decision: string;
  /** The decision's reason as the sweep reported it; the decision code when no report is left. */
  reason: string;
  error: string | null;
  tag: string | null;
  runId: string | null;
  level: number | null;
  durationMs: number;
}

export interface Badge {
  label: string;
  message: string;
  colour: 'green' | 'red' | 'grey';
}

export interface RecipeView {
  recipe: string;
  health: Health;
  /** Why an operator should look, one line each; empty when all is well. */
  attention: string[];
  canonical: CanonicalInput | null;
  /** The run that promoted the canonical, when its results are at hand. */
  canonicalRun: RunInput | null;
  invalidRecord: string | null;
  /** Set when the canonical's tag names another commit now than the one tested. */
  movedTag: string | null;
  newestTag: { tag: string; commit: string | null; red: boolean } | null;
  last: LastDecision | null;
  /** Warnings of the recipe in its last sweep (mirror sync, rejected tags, ...). */
  warnings: string[];
  redTags: RedTag[];
  nights: Night[];
  /** The newest attempts, newest first, runs of equal ones as one row. */
  recent: RecentRow[];
  /** Runs whose run.log and results.json the dashboard carries, newest first. */
  runs: RunInput[];
  badAttemptLines: number;
  badge: Badge;
}

export interface SweepPoint {
  sweepId: string;
  startedAt: string;
  durationMs: number;
  result: string;
  retryRed: boolean;
  recipes: number;
}

export interface DashboardModel {
  generatedAt: string;
  nightCount: number;
  recipes: RecipeView[];
  counts: Record<Health, number>;
  /** Real (not dry-run) sweeps of the window, oldest first, at most MAX_SWEEP_POINTS. */
  sweeps: SweepPoint[];
  lastSweep: SweepPoint | null;
  /** Warnings of the last sweep as a whole. */
  lastSweepWarnings: string[];
  problems: string[];
}

export const MAX_SWEEP_POINTS = 120;

function versionOf(tag: string) {
  const parsed = parseTag(tag);
  return parsed.ok ? parsed.version : null;
}

/** Whether release tag `a` is newer than `b` (false when either is not a version). */
function newer(a: string, b: string): boolean {
  const va = versionOf(a);
  const vb = versionOf(b);
  return va !== null && vb !== null && compareVersions(va, vb) > 0;
}

/** Red tags still in the way: not superseded by the canonical and never promoted since. Newest version first. */
export function redTagsOf(history: Pick<HistoryDigest, 'red' | 'promoted'>, canonicalVersion: string | null): RedTally[] {
  const promoted = new Set(history.promoted);
  return history.red
    .map((tally) => ({ ...tally }))
    .filter((r) => !promoted.has(r.tag) && (canonicalVersion === null || !newer(canonicalVersion, r.tag)) && r.tag !== canonicalVersion)
    .sort((a, b) => {
      const va = versionOf(a.tag);
      const vb = versionOf(b.tag);
      if (va && vb) {
        const c = compareVersions(vb, va);
        if (c !== 0) return c;
      }
      return a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0;
    });
}

function canonicalVersionOf(recipe: Pick<RecipeInput, 'canonical'>): string | null {
  return recipe.canonical.state === 'present' ? recipe.canonical.record.version : null;
}

export interface RunToRead {
  runId: string;
  /** Whether its log is copied too. */
  log: boolean;
}

/**
 * The runs the dashboard shows, newest first: the newest run, the canonical's, the red
 * tags'. All carry their results.json; all but the canonical's their log too. The log of
 * the run that made the canonical is the one nobody needs to read (it was green and is
 * one `ccci logs RUN` away), and leaving it out keeps 400 recipes' dashboard under 5 MB.
 */
export function runsToRead(recipe: Pick<RecipeInput, 'history' | 'canonical'>): RunToRead[] {
  const ids: string[] = [];
  const lastRun = recipe.history.lastRunId;
  if (lastRun) ids.push(lastRun);
  const canonicalRun = recipe.canonical.state === 'present' ? recipe.canonical.record.runId : null;
  if (canonicalRun) ids.push(canonicalRun);
  for (const red of redTagsOf(recipe.history, canonicalVersionOf(recipe))) if (red.runId) ids.push(red.runId);
  // Run ids come from files on disk: only names safe as one path component are used.
  return [...new Set(ids)].filter(isRunId).map((runId) => ({ runId, log: runId !== canonicalRun }));
}

/** The first rung that failed, else the first that could not be verified. */
function failingRung(run: RunInput | undefined): { rung: string; status: string; reason: string } | null {
  if (!run) return null;
  return run.rungs.find((r) => r.status === 'fail') ?? run.rungs.find((r) => r.status === 'unver') ?? null;
}

function lastDecisionOf(recipe: RecipeInput): LastDecision | null {
  const last = recipe.history.last;
  if (!last) return null;
  const reported = recipe.lastReport && recipe.lastReport.sweepId === last.sweepId ? recipe.lastReport.recipe : null;
  return {
    at: last.at,
    sweepId: last.sweepId,
    outcome: last.outcome,
    decision: last.decision,
    reason: reported?.reason || last.decision,
    error: reported?.error ?? null,
    tag: last.tag,
    runId: last.runId,
    level: last.level,
    durationMs: last.durationMs,
  };
}

function newestTagOf(recipe: RecipeInput, redTags: readonly { tag: string; commit: string | null }[]): RecipeView['newestTag'] {
  let tag = recipe.history.lastTagged?.tag ?? null;
  let commit = recipe.history.lastTagged?.commit ?? null;
  if (recipe.publishedTags) {
    const published = latestRelease(recipe.publishedTags.map((t) => t.tag));
    // The sync record is newer than the last decision when a sweep errored after syncing.
    if (published && (tag === null || newer(published.tag, tag))) {
      tag = published.tag;
      commit = recipe.publishedTags.find((t) => t.tag === published.tag)?.commit ?? null;
    }
  }
  if (tag === null) return null;
  const red = redTags.some((r) => r.tag === tag && (r.commit === null || commit === null || r.commit === commit));
  return { tag, commit, red };
}

function badgeOf(health: Health, canonical: CanonicalInput | null, newest: RecipeView['newestTag']): Badge {
  if (newest?.red) return { label: 'canonical', message: `red ${newest.tag}`, colour: 'red' };
  if (canonical) return { label: 'canonical', message: canonical.version, colour: 'green' };
  if (health === 'invalid') return { label: 'canonical', message: 'invalid record', colour: 'grey' };
  return { label: 'canonical', message: 'none', colour: 'grey' };
}

export function recipeView(recipe: RecipeInput, generatedAt: string, nightCount: number): RecipeView {
  const canonical = recipe.canonical.state === 'present' ? recipe.canonical.record : null;
  const invalidRecord = recipe.canonical.state === 'invalid' ? recipe.canonical.problem : null;
  const last = lastDecisionOf(recipe);
  const warnings = recipe.lastReport?.recipe.warnings ?? [];
  const redTags: RedTag[] = redTagsOf(recipe.history, canonical?.version ?? null).map((red) => {
    const run = red.runId ? recipe.runs[red.runId] : undefined;
    const failing = failingRung(run);
    const reported = recipe.lastReport?.recipe.runId === red.runId ? recipe.lastReport?.recipe.reason : undefined;
    return {
      ...red,
      rung: failing?.rung ?? null,
      rungStatus: failing?.status ?? null,
      reason:
        failing?.reason ??
        run?.verdictReason ??
        reported ??
        (red.runId ? `results.json of run ${red.runId} is not available` : 'no run id recorded'),
    };
  });
  const newestTag = newestTagOf(recipe, redTags);
  const movedTag = movedCanonicalTag(canonical, recipe.publishedTags, warnings);

  const attention: string[] = [];
  if (invalidRecord) attention.push(`invalid canonical record: ${invalidRecord}`);
  if (movedTag) attention.push(`moved canonical tag: ${movedTag}`);
  if (newestTag?.red) {
    const red = redTags.find((r) => r.tag === newestTag.tag);
    attention.push(`newest tag ${newestTag.tag} is red${red?.rung ? ` at ${red.rung}` : ''}: ${red?.reason ?? ''}`);
  }
  if (last && needsAttention(last.outcome) && last.outcome !== 'red') {
    attention.push(`last sweep: ${last.outcome}: ${last.error ?? last.reason}`);
  }

  let health: Health;
  if (invalidRecord) health = 'invalid';
  else if (newestTag?.red) health = 'red';
  else if (last && needsAttention(last.outcome)) health = 'error';
  else if (canonical) health = 'green';
  else if (last?.decision === 'skip:never-released') health = 'never-released';
  else health = 'none';

  const runs = Object.values(recipe.runs).sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  return {
    recipe: recipe.recipe,
    health,
    attention,
    canonical,
    canonicalRun: canonical ? (recipe.runs[canonical.runId] ?? null) : null,
    invalidRecord,
    movedTag,
    newestTag,
    last,
    warnings,
    redTags,
    nights: nightsOf(recipe.nightAttempts, generatedAt, nightCount),
    recent: recipe.history.recent,
    runs,
    badAttemptLines: recipe.badAttemptLines,
    badge: badgeOf(health, canonical, newestTag),
  };
}

function sweepPoint(sweep: ReportedSweep): SweepPoint {
  return {
    sweepId: sweep.sweepId,
    startedAt: sweep.startedAt,
    durationMs: sweep.durationMs,
    result: sweep.result,
    retryRed: sweep.retryRed,
    recipes: sweep.recipeCount,
  };
}

export function buildDashboard(input: DashboardInput): DashboardModel {
  const recipes = [...input.recipes]
    .sort((a, b) => (a.recipe < b.recipe ? -1 : a.recipe > b.recipe ? 1 : 0))
    .map((r) => recipeView(r, input.generatedAt, input.nights));
  const counts = Object.fromEntries(HEALTHS.map((h) => [h, 0])) as Record<Health, number>;
  for (const r of recipes) counts[r.health] += 1;
  const real = input.sweeps.filter((s) => !s.dryRun);
  const lastSweep = real.at(-1) ?? null;
  return {
    generatedAt: input.generatedAt,
    nightCount: input.nights,
    recipes,
    counts,
    sweeps: real.slice(-MAX_SWEEP_POINTS).map(sweepPoint),
    lastSweep: lastSweep ? sweepPoint(lastSweep) : null,
    lastSweepWarnings: lastSweep?.warnings ?? [],
    problems: input.problems,
  };
}
