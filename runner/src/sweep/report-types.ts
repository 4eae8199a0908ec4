// What a sweep reports: the outcomes, and the report's shape (one JSON file per sweep in
// <stateDir>/sweeps/). The schema (report-schema.ts) describes exactly these types.

export const OUTCOMES = [
  'skipped',
  'would-run',
  'promoted',
  'red',
  'not-promoted',
  'promote-failed',
  'error',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes that make the sweep exit 1. */
export const FAILING_OUTCOMES: readonly Outcome[] = ['red', 'not-promoted', 'promote-failed', 'error'];

export interface CanonicalSummary {
  version: string;
  commit: string;
}

export interface RecipeReport {
  recipe: string;
  decision: string | null;
  reason: string;
  latestTag: string | null;
  canonicalBefore: CanonicalSummary | null;
  canonicalAfter: CanonicalSummary | null;
  runId: string | null;
  verdict: 'green' | 'red' | null;
  level: number | null;
  promoted: boolean;
  outcome: Outcome;
  durationMs: number;
  warnings: string[];
  error: string | null;
}

export interface SweepReport {
  schema: 1;
  sweepId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  dryRun: boolean;
  retryRed: boolean;
  enrolled: string[];
  result: 'ok' | 'failed';
  exitCode: number;
  recipes: RecipeReport[];
}
