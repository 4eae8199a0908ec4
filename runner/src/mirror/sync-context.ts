// What both ways of syncing a recipe's refs share: the settled inputs of one sync, and
// the shape of their answer (everything in the report but the PR step's part).
import type { GitEnv } from '../effects/git.js';
import type { ListingsAhead } from './listings-ahead.js';
import type { MirrorWarning, PeeledTag, PushedRef, RejectedTag, SyncStep } from './report.js';

export interface SyncOptions {
  /** Report every push and PR close that would be made; change neither the mirror nor the API. */
  dryRun: boolean;
  /** The recipe's canonical version: a moved or deleted canonical tag is warned about loudly. */
  canonicalVersion: string | null;
  log?: (line: string) => void;
  /** Listings the sweep read ahead (listings-ahead.ts); the fast path lists the rest itself. */
  listingsAhead?: ListingsAhead;
}

export interface SyncContext {
  recipe: string;
  options: SyncOptions;
  upstreamUrl: string;
  /** null: no mirror configured, the cache clone alone follows upstream. */
  mirrorUrl: string | null;
  /** For the mirror (carries the token); upstream always gets gitBaseEnv(). */
  originEnv: GitEnv;
  /** The bare cache clone. */
  gitDir: string;
  /** The sync record beside it. */
  recordFile: string;
  /** A progress line (the token scrubbed out). */
  log(line: string): void;
  /** Runs one step; any failure becomes a MirrorSyncError naming the recipe and the step. */
  step<T>(name: SyncStep, work: () => Promise<T>): Promise<T>;
}

/** What a sync of the refs found and did. */
export interface RefSyncResult {
  upstreamMain: string;
  /** Pushes made (dry run: that would be made); [] when there is no mirror. */
  pushed: PushedRef[];
  warnings: MirrorWarning[];
  rejectedTags: RejectedTag[];
  tags: PeeledTag[];
}
