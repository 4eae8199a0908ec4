// What one mirror sync did (or, with --dry-run, would do), and how it fails.
import { z } from 'zod';
import { refNameProblem } from '../core/names.js';

export const objectIdSchema = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'an object id');
const objectId = objectIdSchema;

export const WARNING_CODES = ['main-force-pushed', 'tag-moved', 'tag-deleted-upstream', 'tag-rejected'] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export const pushedRefSchema = z.strictObject({
  /** Full ref on the mirror: refs/heads/main or refs/tags/<tag>. */
  ref: z.string(),
  /** What the mirror had (null: the ref is new). */
  from: objectId.nullable(),
  to: objectId,
  /** Not a fast-forward: main rewritten upstream, or a tag moved. */
  forced: z.boolean(),
});
export type PushedRef = z.infer<typeof pushedRefSchema>;

export const mirrorWarningSchema = z.strictObject({
  code: z.enum(WARNING_CODES),
  message: z.string(),
});
export type MirrorWarning = z.infer<typeof mirrorWarningSchema>;

export const closedPrSchema = z.strictObject({
  number: z.number().int().positive(),
  headSha: objectId,
  /** Upstream main, which contains the PR's head. */
  upstreamCommit: objectId,
});
export type ClosedPr = z.infer<typeof closedPrSchema>;

export const rejectedTagSchema = z.strictObject({
  /** The name as it was found (may be hostile: print it JSON-quoted). */
  tag: z.string(),
  reason: z.string(),
});
export type RejectedTag = z.infer<typeof rejectedTagSchema>;

/** A tag and the commit it finally names (annotated tags peeled). */
export const peeledTagSchema = z.strictObject({
  tag: z.string().refine((tag) => refNameProblem(tag) === null, 'a valid tag name'),
  commit: objectId,
});
export type PeeledTag = z.infer<typeof peeledTagSchema>;

export const mirrorSyncReportSchema = z.strictObject({
  recipe: z.string(),
  /** Upstream main at the time of the sync. */
  upstreamMain: objectId,
  /** Whether a mirror was pushed to (false: config.mirror is null, only the cache was updated). */
  mirrored: z.boolean(),
  /** Pushes made (dry run: that would be made), in push order. */
  pushed: z.array(pushedRefSchema),
  warnings: z.array(mirrorWarningSchema),
  /** PRs closed (dry run: that would be closed). */
  closedPrs: z.array(closedPrSchema),
  /** Open PRs looked at and left open (their heads are not in upstream main). */
  openPrsKept: z.number().int().nonnegative(),
  /**
   * Open PRs a dry run could not judge (upstream main not fetched yet, and a dry run
   * fetches nothing): some may be closed by the real sync. Always 0 on a real sync.
   */
  openPrsUnjudged: z.number().int().nonnegative(),
  rejectedTags: z.array(rejectedTagSchema),
  /**
   * The recipe's tags with their commits, what the sweep decides from: upstream's, as
   * the mirror holds them after a sync (a tag kept on the mirror after upstream deleted
   * it is not among them); as upstream lists them on a dry run.
   */
  tags: z.array(peeledTagSchema),
  dryRun: z.boolean(),
  /** The bare cache clone the sweep reads tags and commits from. */
  cacheDir: z.string(),
});
export type MirrorSyncReport = z.infer<typeof mirrorSyncReportSchema>;

// The steps and the error live apart from the schemas, for the paths that load no zod.
export { MirrorSyncError, SYNC_STEPS, type SyncStep } from './sync-error.js';
