// What the dashboard is made of: plain data, gathered from the state directory by
// read-state.ts and turned into pages by the pure modules beside this one.
import type { Attempt } from '../registry/attempts.js';
import type { HistoryDigest } from './history-digest.js';
import type { ReportedRecipe, ReportedSweep } from '../status/sweep-reports.js';

export interface CanonicalInput {
  version: string;
  commit: string;
  level: number;
  status: string;
  promotedAt: string;
  updatedAt: string;
  runId: string;
  domain: string;
  snapshot: { id: string; volumes: string[]; bytes: number };
}

export type CanonicalState =
  | { state: 'absent' }
  | { state: 'invalid'; problem: string }
  | { state: 'present'; record: CanonicalInput };

/** What a run's results.json says (the fields shown), or why it could not be read. */
export interface RunInput {
  runId: string;
  /** Whether run.log and results.json were found (and will be copied). */
  hasLog: boolean;
  /** The log was not wanted (the canonical's green run): it stays on the CI machine only. */
  logOmitted?: boolean;
  hasResults: boolean;
  verdict: string | null;
  verdictReason: string | null;
  level: number | null;
  version: string | null;
  commit: string | null;
  mode: string | null;
  startedAt: string | null;
  durationMs: number | null;
  interrupted: string | null;
  rungs: { rung: string; status: string; reason: string }[];
}

export interface RecipeInput {
  recipe: string;
  canonical: CanonicalState;
  /** What the dashboard needs of the whole history (every well-formed line of every segment). */
  history: HistoryDigest;
  /** The attempts of the nights shown (and any after them), oldest first. */
  nightAttempts: Attempt[];
  /** Lines of the history that are not attempts (torn, edited): counted, not shown. */
  badAttemptLines: number;
  /** The newest sweep report that covered the recipe. */
  lastReport: { sweepId: string; startedAt: string; recipe: ReportedRecipe } | null;
  /** The tags the last mirror sync published, with their commits (null: no sync record). */
  publishedTags: { tag: string; commit: string }[] | null;
  /** The runs selected by runsToRead(), by id. */
  runs: Record<string, RunInput>;
}

export interface DashboardInput {
  /** When the dashboard is made: the end of its last night. */
  generatedAt: string;
  nights: number;
  recipes: RecipeInput[];
  /** The sweep reports of the window, oldest first. */
  sweeps: ReportedSweep[];
  /** Files that could not be read, each with why: shown, never fatal. */
  problems: string[];
}
