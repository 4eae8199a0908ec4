// What the sweep does to the world, as one interface: the real modules in production,
// the same real modules (with the fakes on PATH) in tests; a test may wrap one to
// inject a failure at an exact step.
import type { Config } from '../config/config.js';
import type { RecipeDefinition } from '../config/recipe-definition.js';
import type { ListingsAhead } from '../mirror/listings-ahead.js';
import type { CanonicalRecord } from '../registry/canonical.js';

export interface MirrorSyncOutcome {
  /** The local repository (cache clone) holding upstream's main and tags after the sync. */
  repoDir: string;
  /** The recipe's tags with their commits: upstream's (never a tag kept on the mirror after upstream deleted it). */
  tags: { tag: string; commit: string }[];
  warnings: string[];
}

export interface SweepRunRequest {
  config: Config;
  recipe: string;
  definition: RecipeDefinition;
  source: { kind: 'git'; url: string; ref: string };
  mode: 'cold';
  prRef: null;
  canonical: CanonicalRecord | null;
  tags: readonly string[];
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The part of a run's results.json the sweep reads. */
export interface SweepRunResult {
  runId: string;
  verdict: 'green' | 'red';
  /** Why the verdict is what it is, e.g. which rung failed. */
  verdictReason: string;
  /** interrupted: a signal stopped the run; it is neither green nor red, and runs again next sweep. */
  outcome: 'green' | 'red' | 'interrupted';
  level: number;
  mode: 'cold' | 'quick';
  prRef: string | null;
  version: string;
  commit: string;
}

export interface PromoteRequest {
  config: Config;
  recipe: string;
  definition: RecipeDefinition;
  /** Repository holding the tested tag (the sweep's synced cache clone). */
  repoDir: string;
  version: string;
  commit: string;
  runId: string;
  level: number;
  previous: CanonicalRecord | null;
  log?: (line: string) => void;
  /**
   * Called once the warm app is undeployed (the stack's containers gone), before the
   * snapshot: from then on the promote deploys nothing, so the sweep gives its
   * deployment slot to the next run while this one snapshots and records.
   */
  onUndeployed?: () => void;
}

export interface SweepEffects {
  syncMirror(
    config: Config,
    recipe: string,
    options: { dryRun: boolean; canonicalVersion: string | null; listingsAhead?: ListingsAhead },
  ): Promise<MirrorSyncOutcome>;
  /**
   * Starts reading ahead what the syncs of `recipes` will list (in their order), for
   * syncMirror's `listingsAhead`. Optional: without it every sync lists for itself.
   */
  listAhead?(config: Config, recipes: readonly string[], options: { concurrency: number; dryRun?: boolean; signal?: AbortSignal }): Promise<ListingsAhead>;
  runRecipeCi(request: SweepRunRequest): Promise<SweepRunResult>;
  /**
   * The commit tag `tag` names upstream now (annotated tags peeled), or null when upstream
   * has no such tag: the gate asks right before it promotes, so a tag moved during the run
   * is never promoted.
   */
  upstreamTagCommit(config: Config, recipe: string, tag: string): Promise<string | null>;
  /** Resolves with the canonical record read back from disk; throws PromoteError on any failure. */
  promote(request: PromoteRequest): Promise<CanonicalRecord>;
}
