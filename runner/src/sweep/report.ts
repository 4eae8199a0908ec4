// The sweep report: one JSON file per sweep in <stateDir>/sweeps/, and the summary table.
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../effects/atomic-file.js';
import { formatDuration, shortCommit, table } from '../text/format.js';

const canonicalSummary = z.object({ version: z.string(), commit: z.string() }).nullable();

export const OUTCOMES = [
  'skipped',
  'would-run',
  'promoted',
  'red',
  'not-promoted',
  'promote-failed',
  'interrupted',
  'error',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
/**
 * Outcomes that make the sweep exit 1. interrupted (a signal stopped the sweep: systemd
 * stop, a reboot) is among them: the recipe was not swept, though nothing about it is red.
 */
export const FAILING_OUTCOMES: readonly Outcome[] = ['red', 'not-promoted', 'promote-failed', 'interrupted', 'error'];

export const recipeReportSchema = z.object({
  recipe: z.string(),
  decision: z.string().nullable(),
  reason: z.string(),
  latestTag: z.string().nullable(),
  canonicalBefore: canonicalSummary,
  canonicalAfter: canonicalSummary,
  runId: z.string().nullable(),
  verdict: z.enum(['green', 'red']).nullable(),
  level: z.number().nullable(),
  promoted: z.boolean(),
  outcome: z.enum(OUTCOMES),
  durationMs: z.number(),
  warnings: z.array(z.string()),
  error: z.string().nullable(),
});
export type RecipeReport = z.infer<typeof recipeReportSchema>;

export const sweepReportSchema = z.object({
  schema: z.literal(1),
  sweepId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  dryRun: z.boolean(),
  retryRed: z.boolean(),
  enrolled: z.array(z.string()),
  result: z.enum(['ok', 'failed']),
  exitCode: z.number(),
  /** Why the sweep stopped early (the signal it received), or null when it ran to the end. */
  interrupted: z.string().nullable().optional(),
  /** What the start of the sweep removed of earlier crashes, and what it could not remove. */
  cleanup: z.strictObject({ removed: z.array(z.string()), problems: z.array(z.string()) }).optional(),
  recipes: z.array(recipeReportSchema),
  /** Problems of the sweep as a whole that change no recipe's outcome (the dashboard could not be written). */
  warnings: z.array(z.string()).optional(),
});
export type SweepReport = z.infer<typeof sweepReportSchema>;

export function sweepReportPath(stateDir: string, sweepId: string): string {
  return path.join(stateDir, 'sweeps', `${sweepId}.json`);
}

export async function writeSweepReport(stateDir: string, report: SweepReport): Promise<string> {
  const file = sweepReportPath(stateDir, report.sweepId);
  await writeJsonAtomic(file, sweepReportSchema.parse(report));
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
