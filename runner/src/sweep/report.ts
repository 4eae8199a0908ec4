// The sweep report: one JSON file per sweep in <stateDir>/sweeps/, and the summary table.
import path from 'node:path';
import { hasKeys, isPlainObject, isPlainString, isStringOrNull } from '../core/record-checks.js';
import { writeJsonAtomic } from '../effects/atomic-file.js';
import { formatDuration, shortCommit, table } from '../text/format.js';
import { OUTCOMES, type RecipeReport, type SweepReport } from './report-types.js';

export { FAILING_OUTCOMES, OUTCOMES } from './report-types.js';
export type { CanonicalSummary, Outcome, RecipeReport, SweepReport } from './report-types.js';

const RECIPE_KEYS = [
  'recipe',
  'decision',
  'reason',
  'latestTag',
  'canonicalBefore',
  'canonicalAfter',
  'runId',
  'verdict',
  'level',
  'promoted',
  'outcome',
  'durationMs',
  'warnings',
  'error',
] as const;
const SWEEP_KEYS = ['schema', 'sweepId', 'startedAt', 'finishedAt', 'durationMs', 'dryRun', 'retryRed', 'enrolled', 'result', 'exitCode', 'recipes'] as const;
/** Keys a report may have (issue by issue, the sweep grew them): each checked when present. */
const OPTIONAL_SWEEP_KEYS = ['interrupted', 'cleanup', 'warnings'] as const;

const text = (v: unknown): v is string => typeof v === 'string';
const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
const summaryOk = (v: unknown) =>
  v === null || (isPlainObject(v) && hasKeys(v, ['version', 'commit']) && text(v.version) && text(v.commit));

function recipeReportOk(r: unknown): boolean {
  if (!isPlainObject(r) || !hasKeys(r, RECIPE_KEYS)) return false;
  return (
    text(r.recipe) &&
    isStringOrNull(r.decision) &&
    text(r.reason) &&
    isStringOrNull(r.latestTag) &&
    summaryOk(r.canonicalBefore) &&
    summaryOk(r.canonicalAfter) &&
    isStringOrNull(r.runId) &&
    (r.verdict === null || r.verdict === 'green' || r.verdict === 'red') &&
    numberOrNull(r.level) &&
    typeof r.promoted === 'boolean' &&
    (OUTCOMES as readonly unknown[]).includes(r.outcome) &&
    typeof r.durationMs === 'number' &&
    Number.isFinite(r.durationMs) &&
    Array.isArray(r.warnings) &&
    r.warnings.every(text) &&
    isStringOrNull(r.error)
  );
}

/** Whether `report` has exactly the shape the schema describes (then it is written as it is). */
export function isPlainSweepReport(report: unknown): report is SweepReport {
  if (!isPlainObject(report) || !hasKeys(report, [...SWEEP_KEYS, ...OPTIONAL_SWEEP_KEYS], SWEEP_KEYS)) return false;
  const r = report;
  const texts = (v: unknown) => Array.isArray(v) && v.every(text);
  return (
    (r.interrupted === undefined || isStringOrNull(r.interrupted)) &&
    (r.cleanup === undefined ||
      (isPlainObject(r.cleanup) && hasKeys(r.cleanup, ['removed', 'problems']) && texts(r.cleanup.removed) && texts(r.cleanup.problems))) &&
    (r.warnings === undefined || texts(r.warnings)) &&
    r.schema === 1 &&
    isPlainString(r.sweepId) &&
    text(r.startedAt) &&
    text(r.finishedAt) &&
    typeof r.durationMs === 'number' &&
    Number.isFinite(r.durationMs) &&
    typeof r.dryRun === 'boolean' &&
    typeof r.retryRed === 'boolean' &&
    Array.isArray(r.enrolled) &&
    r.enrolled.every(text) &&
    (r.result === 'ok' || r.result === 'failed') &&
    typeof r.exitCode === 'number' &&
    Number.isFinite(r.exitCode) &&
    Array.isArray(r.recipes) &&
    r.recipes.every(recipeReportOk)
  );
}

export function sweepReportPath(stateDir: string, sweepId: string): string {
  return path.join(stateDir, 'sweeps', `${sweepId}.json`);
}

export async function writeSweepReport(stateDir: string, report: SweepReport): Promise<string> {
  const file = sweepReportPath(stateDir, report.sweepId);
  // Built by the sweep itself, so it is plain; the schema judges (and words) anything else.
  const valid = isPlainSweepReport(report) ? report : (await import('./report-schema.js')).sweepReportSchema.parse(report);
  await writeJsonAtomic(file, valid);
  return file;
}

export function renderSweepSummary(report: SweepReport): string {
  const rows = report.recipes.map((r) => [
    r.recipe,
    r.outcome,
    r.latestTag ?? '-',
    r.canonicalBefore ? `${r.canonicalBefore.version} ${shortCommit(r.canonicalBefore.commit)}` : '-',
    r.canonicalAfter ? `${r.canonicalAfter.version} ${shortCommit(r.canonicalAfter.commit)}` : '-',
    r.level === null ? '-' : `L${r.level}`,
    formatDuration(r.durationMs),
    r.error ?? r.reason,
  ]);
  const notes = [
    ...(report.cleanup?.removed ?? []).map((line) => `cleanup: ${line}`),
    ...(report.cleanup?.problems ?? []).map((line) => `cleanup problem: ${line}`),
    ...report.recipes.flatMap((r) => r.warnings.filter((w) => w.startsWith('CANONICAL TAG MOVED')).map((w) => `${r.recipe}: ${w}`)),
    ...(report.interrupted ? [`interrupted: ${report.interrupted}`] : []),
  ];
  return [
    table(['RECIPE', 'OUTCOME', 'LATEST TAG', 'CANONICAL BEFORE', 'CANONICAL AFTER', 'LEVEL', 'TIME', 'WHY'], rows),
    ...notes,
    ...(report.warnings ?? []).map((warning) => `warning: ${warning}`),
    `sweep ${report.sweepId}: ${report.result} (exit ${report.exitCode}) in ${formatDuration(report.durationMs)}${
      report.dryRun ? ' [dry run: nothing changed]' : ''
    }`,
  ].join('\n');
}
