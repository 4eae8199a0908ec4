// The no-op night: when upstream and the mirror still list exactly the refs the sync
// record holds, the cache clone already is what a full sync would make it, so the sync
// answers from the record after one `git ls-remote` per remote: no fetch, no push, no
// other git process. The report is the one the full sync would give: the same pure
// planner runs on the recorded refs, so a tag kept after upstream deleted it, or a
// refused tag name, is still warned about every night.
import { lsRemote, gitBaseEnv, type RemoteRef } from '../effects/git.js';
import { cacheCloneExists } from './cache.js';
import { nonCommitTagFindings, planSync, syncFindings } from './plan.js';
import { MAIN_REF, sameRefs, splitRefs, syncedRefs, TAG_PREFIX, upstreamTagProblem } from './refs.js';
import { displayUrl } from './secrets.js';
import type { RefSyncResult, SyncContext } from './sync-context.js';
import { readSyncRecord } from './sync-record-read.js';

export type FastPathAnswer =
  | { kind: 'unchanged'; result: RefSyncResult }
  /**
   * The full sync is needed. `upstreamRefs`, `mirrorRefs`: the listings if they were read
   * (saves reading them again).
   */
  | { kind: 'changed'; upstreamRefs: RemoteRef[] | null; mirrorRefs: RemoteRef[] | null };

const changed = (upstreamRefs: RemoteRef[] | null = null, mirrorRefs: RemoteRef[] | null = null): FastPathAnswer => ({
  kind: 'changed',
  upstreamRefs,
  mirrorRefs,
});

/** Both listings at once; a failure is reported for upstream first, as the full sync would. */
async function listRemotes(ctx: SyncContext, mirrorUrl: string | null): Promise<[RemoteRef[], RemoteRef[] | null]> {
  const ahead = ctx.options.listingsAhead;
  const [upstream, mirror] = await Promise.allSettled([
    ahead?.take(ctx.upstreamUrl) ?? lsRemote(ctx.upstreamUrl, gitBaseEnv()),
    mirrorUrl === null ? Promise.resolve(null) : (ahead?.take(mirrorUrl) ?? lsRemote(mirrorUrl, ctx.originEnv)),
  ]);
  const upstreamRefs = await ctx.step('fetch-upstream', async () => {
    if (upstream.status === 'rejected') throw upstream.reason;
    return upstream.value;
  });
  const mirrorRefs = await ctx.step('read-mirror', async () => {
    if (mirror.status === 'rejected') throw mirror.reason;
    return mirror.value;
  });
  return [upstreamRefs, mirrorRefs];
}

export async function tryFastPath(ctx: SyncContext): Promise<FastPathAnswer> {
  const read = await readSyncRecord(ctx.recordFile);
  if (read.state === 'absent') return changed();
  if (read.state === 'invalid') {
    ctx.log(`sync record ignored: ${read.problem}`);
    return changed();
  }
  const record = read.record;
  if (record.recipe !== ctx.recipe || record.upstreamUrl !== ctx.upstreamUrl || record.mirrorUrl !== ctx.mirrorUrl) {
    ctx.log('sync record ignored: it was made for other URLs');
    return changed();
  }
  if (!(await cacheCloneExists(ctx.gitDir))) {
    ctx.log(`sync record ignored: no cache clone at ${ctx.gitDir}`);
    return changed();
  }

  ctx.log(`listing ${displayUrl(ctx.upstreamUrl)}${ctx.mirrorUrl ? ` and ${displayUrl(ctx.mirrorUrl)}` : ''}`);
  const [upstreamListing, mirrorListing] = await listRemotes(ctx, ctx.mirrorUrl);
  const upstreamSame = sameRefs(syncedRefs(upstreamListing), record.upstream);
  const mirrorSame = mirrorListing === null || sameRefs(syncedRefs(mirrorListing), record.published);
  if (!upstreamSame || !mirrorSame) {
    ctx.log(`${upstreamSame ? 'the mirror' : 'upstream'} changed since the last sync`);
    return changed(upstreamListing, mirrorListing);
  }

  const upstream = splitRefs(record.upstream, MAIN_REF, TAG_PREFIX, upstreamTagProblem);
  const previous = splitRefs(record.published, MAIN_REF, TAG_PREFIX);
  if (upstream.main === null) return changed(upstreamListing, mirrorListing); // the record's schema rules it out
  // The mains are equal whenever the plan is empty, so no ancestry question arises.
  const plan = planSync({
    upstream: { main: upstream.main, tags: upstream.tags, refused: new Set(upstream.rejected.map((r) => r.tag)) },
    previous,
    mainFastForward: true,
    canonicalVersion: ctx.options.canonicalVersion,
  });
  if (plan.pushes.length > 0) {
    // A record whose mirror is not what its upstream asks for was not written by a
    // finished sync: trust the full sync instead.
    ctx.log('sync record ignored: its mirror refs do not equal its upstream refs');
    return changed(upstreamListing, mirrorListing);
  }
  const { warnings, rejectedTags } = syncFindings(upstream.rejected, previous.rejected, plan);
  // The record's tags are those naming a commit: upstream's others name none (as the
  // full sync that wrote the record found).
  const recorded = new Set(record.tags.map(({ tag }) => tag));
  const nonCommit = nonCommitTagFindings([...upstream.tags.keys()].filter((tag) => !recorded.has(tag)));
  warnings.push(...nonCommit.warnings);
  rejectedTags.push(...nonCommit.rejectedTags);
  for (const warning of warnings) ctx.log(`warning [${warning.code}] ${warning.message}`);
  ctx.log('upstream and the mirror are as the last sync left them: nothing to fetch or push');
  return {
    kind: 'unchanged',
    result: {
      upstreamMain: upstream.main,
      pushed: [],
      warnings,
      rejectedTags,
      // The record's tags are upstream's as they were (a tag kept on the mirror after
      // upstream dropped it is not among them), and upstream still lists exactly those.
      tags: record.tags.filter(({ tag }) => upstream.tags.has(tag)),
    },
  };
}
