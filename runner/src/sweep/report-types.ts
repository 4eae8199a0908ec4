// What a sweep reports: the outcomes, and the report's shape (one JSON file per sweep in
// <stateDir>/sweeps/). The schema (report-schema.ts) describes exactly these types.

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
  /** Why the sweep stopped early (the signal it received), or null when it ran to the end. */
  interrupted?: string | null;
  /** What the start of the sweep removed of earlier crashes, and what it could not remove. */
  cleanup?: { removed: string[]; problems: string[] };
  recipes: RecipeReport[];
  /** Problems of the sweep as a whole that change no recipe's outcome (the dashboard could not be written). */
  warnings?: string[];
}
