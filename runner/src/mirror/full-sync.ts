// The full sync of a recipe's refs: fetch upstream into the cache clone, push to the
// mirror whatever makes it equal upstream (one atomic push), record the result in the
// cache for the sweep, and write the sync record that lets the next no-op night skip
// all of it.
//
// Steps, in order: cache -> fetch-upstream -> read-mirror -> push -> verify -> update-cache.
// The sync record is removed before the clone is touched and written only after
// update-cache, so it never describes a clone or mirror that a failed step left behind.
//
// Upstream is listed first and only the tags that can be releases (and that git can
// store as refs) are fetched, each by name: one junk tag upstream (300 characters, say)
// would otherwise fail the fetch of refs/tags/* every night, and a newer real release
// would never be swept. The others are reported, not mirrored.
import {
  deleteRefsIfPresent,
  fetchRefs,
  hasObject,
  isAncestor,
  listRefs,
  listTags,
  lsRemote,
  pushAtomic,
  updateRefs,
  gitBaseEnv,
  type GitEnv,
  type PushUpdate,
  type RefUpdate,
  type RemoteRef,
} from '../effects/git.js';
import { prepareCacheClone, UPSTREAM_MAIN_REF, UPSTREAM_TAG_PREFIX } from './cache.js';
import { nonCommitTagFindings, planSync, syncFindings, type SyncPlan } from './plan.js';
import { MAIN_REF, splitRefs, syncedRefs, TAG_PREFIX, upstreamTagProblem, withUpdates, type SplitRefs } from './refs.js';
import { displayUrl } from './secrets.js';
import type { RefSyncResult, SyncContext } from './sync-context.js';
import { removeSyncRecord, SYNC_RECORD_SCHEMA, writeSyncRecord } from './sync-record.js';

/** The clone's refs/upstream/* under the names upstream itself uses (refs/heads/main, refs/tags/*). */
function asUpstreamRefs(refs: readonly RemoteRef[]): RemoteRef[] {
  const named: RemoteRef[] = [];
  for (const { ref, oid } of refs) {
    if (ref === UPSTREAM_MAIN_REF) named.push({ ref: MAIN_REF, oid });
    else if (ref.startsWith(UPSTREAM_TAG_PREFIX)) named.push({ ref: `${TAG_PREFIX}${ref.slice(UPSTREAM_TAG_PREFIX.length)}`, oid });
  }
  return syncedRefs(named);
}

/** Where a fetched upstream ref lands in the cache clone. */
function cacheRefOf(ref: string): string {
  return ref === MAIN_REF ? UPSTREAM_MAIN_REF : `${UPSTREAM_TAG_PREFIX}${ref.slice(TAG_PREFIX.length)}`;
}

/**
 * @param listings upstream's and the mirror's refs if the fast path already listed them
 *   this sync (read before the fetch; the push's leases still refuse a mirror that moved since).
 */
export async function fullSync(
  ctx: SyncContext,
  listings: { upstream: RemoteRef[] | null; mirror: RemoteRef[] | null },
): Promise<RefSyncResult> {
  const { gitDir, mirrorUrl, options } = ctx;
  const mirrorListing = listings.mirror;
  await ctx.step('cache', () => removeSyncRecord(ctx.recordFile));
  await ctx.step('cache', () => prepareCacheClone(gitDir, ctx.upstreamUrl, mirrorUrl));

  // Upstream never gets the mirror's token: its listing and fetch run with the base environment.
  const fetched = await ctx.step('fetch-upstream', async () => {
    const listed = syncedRefs(listings.upstream ?? (await lsRemote(ctx.upstreamUrl, gitBaseEnv())));
    const offered = splitRefs(listed, MAIN_REF, TAG_PREFIX, upstreamTagProblem);
    if (offered.main === null) throw new Error(`${displayUrl(ctx.upstreamUrl)} has no main branch`);
    const wanted = [MAIN_REF, ...[...offered.tags.keys()].map((tag) => `${TAG_PREFIX}${tag}`)];
    ctx.log(`fetching main and ${offered.tags.size} tag(s) from ${displayUrl(ctx.upstreamUrl)}`);
    await fetchRefs(gitDir, 'upstream', wanted.map((ref) => `+${ref}:${cacheRefOf(ref)}`), { prune: false });
    // A tag no longer offered (deleted upstream, or fetched by an older runner) leaves
    // upstream's side of the clone, as a prune would make it.
    const wantedCacheRefs = new Set(wanted.map(cacheRefOf));
    const before = await listRefs(gitDir, 'refs/upstream/');
    await deleteRefsIfPresent(gitDir, before.map((r) => r.ref).filter((ref) => ref.startsWith(UPSTREAM_TAG_PREFIX) && !wantedCacheRefs.has(ref)));
    // One listing answers both: upstream as fetched, and the cache's record of the mirror.
    const local = await listRefs(gitDir, 'refs/upstream/', 'refs/heads/', 'refs/tags/');
    const fetchedRefs = new Map(asUpstreamRefs(local).map((r) => [r.ref, r.oid]));
    // Upstream as listed (refused names included, so that the fast path's listing of a
    // no-op night matches the record), with what was fetched where a ref moved meanwhile.
    const upstreamRefs = listed.map(({ ref, oid }) => ({ ref, oid: fetchedRefs.get(ref) ?? oid }));
    const upstream = splitRefs(upstreamRefs, MAIN_REF, TAG_PREFIX, upstreamTagProblem);
    return { upstreamRefs, upstream: { ...upstream, main: upstream.main ?? offered.main }, cacheRefs: syncedRefs(local) };
  });
  const { upstreamRefs, upstream } = fetched;
  const cachePublished = splitRefs(fetched.cacheRefs, MAIN_REF, TAG_PREFIX);

  // What the mirror holds now: asked of the mirror itself, or, with no mirror, the
  // copy the cache recorded at the last sync.
  const previousRefs = mirrorUrl
    ? syncedRefs(
        mirrorListing ??
          (await ctx.step('read-mirror', () => {
            ctx.log(`reading ${displayUrl(mirrorUrl)}`);
            return lsRemote(mirrorUrl, ctx.originEnv);
          })),
      )
    : fetched.cacheRefs;
  const previous = splitRefs(previousRefs, MAIN_REF, TAG_PREFIX);

  const mainFastForward = await ctx.step('read-mirror', async () =>
    previous.main === null || previous.main === upstream.main
      ? true
      : // The cache has upstream main's whole history: a main it lacks is not an ancestor
        // (merge-base then fails, which answers "no" too).
        isAncestor(gitDir, previous.main, upstream.main).catch(() => false),
  );

  const plan = planSync({
    upstream: { ...upstream, refused: new Set(upstream.rejected.map((r) => r.tag)) },
    previous,
    mainFastForward,
    canonicalVersion: options.canonicalVersion,
  });
  const { warnings, rejectedTags } = syncFindings(upstream.rejected, previous.rejected, plan);
  for (const warning of warnings) ctx.log(`warning [${warning.code}] ${warning.message}`);

  const pushed = mirrorUrl ? plan.pushes : [];
  if (mirrorUrl && pushed.length > 0) {
    ctx.log(`pushing ${pushed.length} ref(s) atomically`);
    await ctx.step('push', () => pushAtomic(gitDir, 'origin', pushUpdates(plan), ctx.originEnv));
    await ctx.step('verify', () => verifyMirror(mirrorUrl, ctx.originEnv, plan));
  } else if (mirrorUrl) {
    ctx.log('the mirror already equals upstream: nothing to push');
  }

  const tags = await ctx.step('update-cache', async () => {
    await recordTarget(gitDir, plan, mirrorUrl ? ctx.originEnv : null, cachePublished);
    // The sweep decides from what upstream publishes: a tag upstream deleted stays on the
    // mirror (and is warned about), but is no release to run, promote or upgrade from.
    return (await listTags(gitDir, 'refs/tags/')).filter(({ tag }) => upstream.tags.has(tag));
  });
  // listTags leaves out a tag that names no commit: upstream has it, the sweep does not.
  const commitTags = new Set(tags.map(({ tag }) => tag));
  const nonCommit = nonCommitTagFindings([...upstream.tags.keys()].filter((tag) => !commitTags.has(tag)));
  for (const warning of nonCommit.warnings) ctx.log(`warning [${warning.code}] ${warning.message}`);
  warnings.push(...nonCommit.warnings);
  rejectedTags.push(...nonCommit.rejectedTags);
  // The record only saves work: failing to write it costs the next sync a full sync,
  // and must not fail this one, whose refs are all in place.
  await writeSyncRecord(ctx.recordFile, {
    schema: SYNC_RECORD_SCHEMA,
    recipe: ctx.recipe,
    upstreamUrl: ctx.upstreamUrl,
    mirrorUrl,
    syncedAt: new Date().toISOString(),
    upstream: upstreamRefs,
    // What was there plus what landed (with no mirror, what update-ref just made the
    // cache hold): the next sync compares the mirror against this.
    published: withUpdates(previousRefs, plan.pushes.map(({ ref, to }) => ({ ref, to }))),
    tags,
  }).catch((error: unknown) => {
    ctx.log(`could not write the sync record (${error instanceof Error ? error.message : String(error)}): the next sync does the full work`);
  });
  return { upstreamMain: upstream.main, pushed, warnings, rejectedTags, tags };
}

function pushUpdates(plan: SyncPlan): PushUpdate[] {
  return plan.pushes.map((push) => ({
    src: push.ref === MAIN_REF ? UPSTREAM_MAIN_REF : `${UPSTREAM_TAG_PREFIX}${push.ref.slice(TAG_PREFIX.length)}`,
    dst: push.ref,
    expectOld: push.from,
  }));
}

/** Reads the mirror back: a push reported as done must be visible there. */
async function verifyMirror(mirrorUrl: string, env: GitEnv, plan: SyncPlan): Promise<void> {
  const now = new Map((await lsRemote(mirrorUrl, env)).map((r) => [r.ref, r.oid]));
  const wrong = plan.pushes.filter((push) => now.get(push.ref) !== push.to);
  if (wrong.length > 0) {
    throw new Error(`after the push the mirror does not hold ${wrong.map((w) => `${w.ref} = ${w.to.slice(0, 12)}`).join(', ')}`);
  }
}

/**
 * Makes the cache's refs/heads/main and refs/tags/* equal the mirror after the sync
 * (one update-ref transaction; none when they already do). A kept tag whose object the
 * cache never saw (it was deleted upstream before this cache existed) is fetched from
 * the mirror first.
 *
 * @param published the cache's refs/heads/main and refs/tags/* as listed after the fetch
 */
async function recordTarget(gitDir: string, plan: SyncPlan, originEnv: GitEnv | null, published: SplitRefs): Promise<void> {
  const missing: string[] = [];
  for (const tag of plan.kept) {
    const oid = plan.target.tags.get(tag) as string;
    // A tag the cache already records at that object has the object.
    if (published.tags.get(tag) !== oid && !(await hasObject(gitDir, oid))) missing.push(tag);
  }
  let current: SplitRefs = published;
  if (missing.length > 0 && originEnv) {
    await fetchRefs(gitDir, 'origin', missing.map((tag) => `+refs/tags/${tag}:refs/tags/${tag}`), { prune: false, env: originEnv });
    current = splitRefs(await listRefs(gitDir, 'refs/heads/', 'refs/tags/'), MAIN_REF, TAG_PREFIX);
  }
  const updates: RefUpdate[] = [];
  if (current.main !== plan.target.main) updates.push({ ref: MAIN_REF, oid: plan.target.main });
  for (const [tag, oid] of plan.target.tags) {
    if (current.tags.get(tag) !== oid) updates.push({ ref: `${TAG_PREFIX}${tag}`, oid });
  }
  for (const tag of current.tags.keys()) {
    if (!plan.target.tags.has(tag)) updates.push({ ref: `${TAG_PREFIX}${tag}`, oid: null });
  }
  await updateRefs(gitDir, updates);
}
