// The full sync of a recipe's refs: fetch upstream into the cache clone, push to the
// mirror whatever makes it equal upstream (one atomic push), record the result in the
// cache for the sweep, and write the sync record that lets the next no-op night skip
// all of it.
//
// Steps, in order: cache -> fetch-upstream -> read-mirror -> push -> verify -> update-cache.
// The sync record is removed before the clone is touched and written only after
// update-cache, so it never describes a clone or mirror that a failed step left behind.
import {
  fetchRefs,
  hasObject,
  isAncestor,
  listRefs,
  listTags,
  lsRemote,
  pushAtomic,
  updateRefs,
  type GitEnv,
  type PushUpdate,
  type RefUpdate,
  type RemoteRef,
} from '../effects/git.js';
import { prepareCacheClone, UPSTREAM_MAIN_REF, UPSTREAM_TAG_PREFIX } from './cache.js';
import { planSync, syncFindings, type SyncPlan } from './plan.js';
import { MAIN_REF, splitRefs, syncedRefs, TAG_PREFIX, withUpdates, type SplitRefs } from './refs.js';
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

/**
 * @param mirrorListing the mirror's refs if the fast path already listed them this sync
 *   (read before the fetch; the push's leases still refuse a mirror that moved since).
 */
export async function fullSync(ctx: SyncContext, mirrorListing: RemoteRef[] | null): Promise<RefSyncResult> {
  const { gitDir, mirrorUrl, options } = ctx;
  await ctx.step('cache', () => removeSyncRecord(ctx.recordFile));
  await ctx.step('cache', () => prepareCacheClone(gitDir, ctx.upstreamUrl, mirrorUrl));

  // Upstream never gets the mirror's token: its fetch runs with the base environment.
  ctx.log(`fetching ${displayUrl(ctx.upstreamUrl)}`);
  const fetched = await ctx.step('fetch-upstream', async () => {
    await fetchRefs(gitDir, 'upstream', [`+refs/heads/main:${UPSTREAM_MAIN_REF}`, `+refs/tags/*:${UPSTREAM_TAG_PREFIX}*`], {
      prune: true,
    });
    // One listing answers both: upstream as fetched, and the cache's record of the mirror.
    const local = await listRefs(gitDir, 'refs/upstream/', 'refs/heads/', 'refs/tags/');
    const upstreamRefs = asUpstreamRefs(local);
    const upstream = splitRefs(upstreamRefs, MAIN_REF, TAG_PREFIX);
    if (upstream.main === null) throw new Error(`${displayUrl(ctx.upstreamUrl)} has no main branch`);
    return { upstreamRefs, upstream: { ...upstream, main: upstream.main }, cacheRefs: syncedRefs(local) };
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

  const plan = planSync({ upstream, previous, mainFastForward, canonicalVersion: options.canonicalVersion });
  const { warnings, rejectedTags } = syncFindings(upstream.rejected, previous.rejected, plan);
  for (const warning of warnings) ctx.log(`warning [${warning.code}] ${warning.message}`);

  const pushed = mirrorUrl ? plan.pushes : [];
  if (mirrorUrl && !options.dryRun && pushed.length > 0) {
    ctx.log(`pushing ${pushed.length} ref(s) atomically`);
    await ctx.step('push', () => pushAtomic(gitDir, 'origin', pushUpdates(plan), ctx.originEnv));
    await ctx.step('verify', () => verifyMirror(mirrorUrl, ctx.originEnv, plan));
  } else if (mirrorUrl) {
    ctx.log(pushed.length === 0 ? 'the mirror already equals upstream: nothing to push' : `dry run: would push ${pushed.length} ref(s)`);
  }

  if (options.dryRun) {
    // The cache's record of the mirror is left alone: the sweep decides from upstream's tags.
    const tags = await ctx.step('fetch-upstream', () => listTags(gitDir, 'refs/upstream/tags/'));
    return { upstreamMain: upstream.main, pushed, warnings, rejectedTags, tags };
  }

  const tags = await ctx.step('update-cache', async () => {
    await recordTarget(gitDir, plan, mirrorUrl ? ctx.originEnv : null, cachePublished);
    return listTags(gitDir, 'refs/tags/');
  });
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
