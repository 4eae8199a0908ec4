// A dry run's sync: what a sync would push and which tags the sweep would decide from,
// answered from `git ls-remote` of upstream (with the peeled lines, for the commits
// annotated tags name) and of the mirror, and nothing else. It never creates the cache
// clone, fetches objects or touches the sync record: a dry run changes nothing on disk.
import { gitBaseEnv, hasObject, isAncestor, listRefs, lsRemote, lsRemotePeeled, objectTypes, type RemoteRef } from '../effects/git.js';
import { cacheCloneExists } from './cache.js';
import { nonCommitTagFindings, planSync, syncFindings } from './plan.js';
import { MAIN_REF, splitRefs, syncedRefs, TAG_PREFIX, upstreamTagProblem } from './refs.js';
import { displayUrl } from './secrets.js';
import type { RefSyncResult, SyncContext } from './sync-context.js';

/**
 * Whether the mirror's main is an ancestor of upstream's, if the cache clone can say so
 * without fetching; null when it cannot (upstream's new main is not fetched yet).
 */
async function knownFastForward(ctx: SyncContext, from: string | null, to: string): Promise<boolean | null> {
  if (from === null || from === to) return true;
  if (!(await cacheCloneExists(ctx.gitDir))) return null;
  if (!(await hasObject(ctx.gitDir, from)) || !(await hasObject(ctx.gitDir, to))) return null;
  return isAncestor(ctx.gitDir, from, to).catch(() => null);
}

export async function dryRunSync(ctx: SyncContext): Promise<RefSyncResult> {
  const { mirrorUrl } = ctx;
  ctx.log(`dry run: listing ${displayUrl(ctx.upstreamUrl)}${mirrorUrl ? ` and ${displayUrl(mirrorUrl)}` : ''}; nothing is fetched`);
  const listing = await ctx.step('fetch-upstream', () => lsRemotePeeled(ctx.upstreamUrl, gitBaseEnv()));
  const upstream = splitRefs(syncedRefs(listing.refs), MAIN_REF, TAG_PREFIX, upstreamTagProblem);
  const upstreamMain = upstream.main;
  if (upstreamMain === null) {
    return ctx.step('fetch-upstream', () => Promise.reject(new Error(`${displayUrl(ctx.upstreamUrl)} has no main branch`)));
  }
  // What the mirror holds: asked of the mirror, or, with none, the cache's stand-in copy.
  let previousRefs: RemoteRef[] = [];
  if (mirrorUrl) previousRefs = await ctx.step('read-mirror', () => lsRemote(mirrorUrl, ctx.originEnv));
  else if (await cacheCloneExists(ctx.gitDir)) previousRefs = await ctx.step('read-mirror', () => listRefs(ctx.gitDir, 'refs/heads/', 'refs/tags/'));
  const previous = splitRefs(syncedRefs(previousRefs), MAIN_REF, TAG_PREFIX);
  const mainFastForward = await ctx.step('read-mirror', () => knownFastForward(ctx, previous.main, upstreamMain));
  if (mainFastForward === null && previous.main !== null) {
    // Never reported as a fast-forward it may not be: a force-push shows only once fetched.
    ctx.log(
      `dry run: main would move from ${previous.main.slice(0, 12)} to ${upstreamMain.slice(0, 12)}; whether that is a ` +
        `fast-forward is not known without fetching (a real sync warns main-force-pushed if it is not)`,
    );
  }
  const plan = planSync({
    upstream: { main: upstreamMain, tags: upstream.tags, refused: new Set(upstream.rejected.map((r) => r.tag)) },
    previous,
    // (Unknown: planned as a fast-forward; the line above says it is not known.)
    mainFastForward: mainFastForward ?? true,
    canonicalVersion: ctx.options.canonicalVersion,
  });
  const { warnings, rejectedTags } = syncFindings(upstream.rejected, previous.rejected, plan);
  for (const warning of warnings) ctx.log(`warning [${warning.code}] ${warning.message}`);
  const pushed = mirrorUrl ? plan.pushes : [];
  if (mirrorUrl) ctx.log(pushed.length === 0 ? 'the mirror already equals upstream: nothing to push' : `dry run: would push ${pushed.length} ref(s)`);
  // The sweep decides from upstream's tags; an annotated tag's `^{}` line names its commit.
  const peeled = [...upstream.tags].map(([tag, oid]) => ({ tag, commit: listing.peeled.get(`${TAG_PREFIX}${tag}`) ?? oid }));
  // A tag naming a tree or a blob is no release: the cache can tell for an object it has
  // (one already fetched); one it lacks is left for the real sync to judge.
  const types = (await cacheCloneExists(ctx.gitDir)) ? await objectTypes(ctx.gitDir, peeled.map(({ commit }) => commit)) : new Map();
  const isNotCommit = ({ commit }: { commit: string }) => {
    const type = types.get(commit);
    return type !== undefined && type !== null && type !== 'commit';
  };
  const nonCommit = nonCommitTagFindings(peeled.filter(isNotCommit).map(({ tag }) => tag));
  for (const warning of nonCommit.warnings) ctx.log(`warning [${warning.code}] ${warning.message}`);
  const tags = peeled.filter((tag) => !isNotCommit(tag));
  return {
    upstreamMain,
    pushed,
    warnings: [...warnings, ...nonCommit.warnings],
    rejectedTags: [...rejectedTags, ...nonCommit.rejectedTags],
    tags,
  };
}
