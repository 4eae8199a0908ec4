// Mirror sync of one recipe: fetch upstream into the cache clone, push to the mirror
// whatever makes it equal upstream (one atomic push), record the result in the cache
// for the sweep, and close mirror PRs already merged upstream.
//
// Steps, in order; a failure at any of them throws MirrorSyncError naming the recipe
// and the step, and nothing after it runs:
//   token -> cache -> fetch-upstream -> read-mirror -> push -> verify -> update-cache
//   -> list-prs -> close-pr
// The push is atomic, so the mirror holds either the whole new ref set or the old one.
import { repoUrl, type Config } from '../config/config.js';
import { InputError } from '../config/errors.js';
import { recipeNameProblem } from '../core/names.js';
import {
  fetchRefs,
  gitAuthEnv,
  gitBaseEnv,
  hasObject,
  isAncestor,
  listRefs,
  lsRemote,
  pushAtomic,
  updateRefs,
  type GitEnv,
  type PushUpdate,
  type RefUpdate,
} from '../effects/git.js';
import { createGiteaClient, type GiteaPull } from '../effects/gitea.js';
import { cacheClonePath, prepareCacheClone, UPSTREAM_MAIN_REF, UPSTREAM_TAG_PREFIX } from './cache.js';
import { planSync, type SyncPlan } from './plan.js';
import { closePullRequest, judgePullRequests } from './pull-requests.js';
import { splitRefs, type RefSnapshot } from './refs.js';
import { MirrorSyncError, type MirrorSyncReport, type MirrorWarning, type RejectedTag, type SyncStep } from './report.js';
import { displayUrl, readToken, scrub, tokenPath } from './secrets.js';

export interface SyncOptions {
  /** Report every push and PR close that would be made; change neither the mirror nor the API. */
  dryRun: boolean;
  /** The recipe's canonical version: a moved or deleted canonical tag is warned about loudly. */
  canonicalVersion: string | null;
  log?: (line: string) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function syncMirror(config: Config, recipe: string, options: SyncOptions): Promise<MirrorSyncReport> {
  const nameProblem = recipeNameProblem(recipe);
  if (nameProblem) throw new InputError(nameProblem);
  if (!Object.hasOwn(config.recipes, recipe)) {
    throw new InputError(`recipe ${recipe} is not enrolled (not among the recipes of ${config.source})`);
  }

  const secrets: string[] = [];
  const log = (line: string): void => options.log?.(scrub(`mirror-sync ${recipe}: ${line}`, secrets));
  /** Runs one step; any failure becomes a MirrorSyncError with the token scrubbed out. */
  async function step<T>(name: SyncStep, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof MirrorSyncError || error instanceof InputError) throw error;
      throw new MirrorSyncError(recipe, name, scrub(messageOf(error), secrets));
    }
  }

  const mirror = config.mirror;
  const token = mirror ? await step('token', () => readToken(tokenPath(mirror.tokenFile))) : null;
  if (token) secrets.push(token);
  const originEnv: GitEnv = mirror && token ? gitAuthEnv(mirror.url, token) : gitBaseEnv();

  const upstreamUrl = repoUrl(config.upstream, recipe);
  const mirrorUrl = mirror ? repoUrl(mirror.url, recipe) : null;
  const gitDir = cacheClonePath(config.cacheDir, recipe);

  await step('cache', () => prepareCacheClone(gitDir, upstreamUrl, mirrorUrl));

  // Upstream never gets the mirror's token: its fetch runs with the base environment.
  log(`fetching ${displayUrl(upstreamUrl)}`);
  const upstream = await step('fetch-upstream', async () => {
    await fetchRefs(gitDir, 'upstream', [`+refs/heads/main:${UPSTREAM_MAIN_REF}`, `+refs/tags/*:${UPSTREAM_TAG_PREFIX}*`], {
      prune: true,
    });
    const split = splitRefs(await listRefs(gitDir, 'refs/upstream/'), UPSTREAM_MAIN_REF, UPSTREAM_TAG_PREFIX);
    if (split.main === null) throw new Error(`${displayUrl(upstreamUrl)} has no main branch`);
    return { ...split, main: split.main };
  });

  // What the mirror holds now: asked of the mirror itself, or, with no mirror, the
  // copy the cache recorded at the last sync.
  const previous = await step('read-mirror', async () => {
    if (mirrorUrl) {
      log(`reading ${displayUrl(mirrorUrl)}`);
      return splitRefs(await lsRemote(mirrorUrl, originEnv), 'refs/heads/main', 'refs/tags/');
    }
    return readPublished(gitDir);
  });

  const mainFastForward = await step('read-mirror', async () =>
    previous.main === null || previous.main === upstream.main
      ? true
      : // The cache has upstream main's whole history: a main it lacks is not an ancestor.
        (await hasObject(gitDir, previous.main)) && (await isAncestor(gitDir, previous.main, upstream.main).catch(() => false)),
  );

  const plan = planSync({ upstream, previous, mainFastForward, canonicalVersion: options.canonicalVersion });
  const rejectedTags: RejectedTag[] = [
    ...upstream.rejected.map((r) => ({ tag: r.tag, reason: `upstream: ${r.reason}; not mirrored` })),
    ...previous.rejected.map((r) => ({ tag: r.tag, reason: `mirror: ${r.reason}; left as it is` })),
  ];
  const warnings: MirrorWarning[] = [
    ...plan.warnings,
    ...rejectedTags.map((r) => ({ code: 'tag-rejected' as const, message: `tag ${JSON.stringify(r.tag)} refused: ${r.reason}` })),
  ];
  for (const warning of warnings) log(`warning [${warning.code}] ${warning.message}`);

  const pushed = mirrorUrl ? plan.pushes : [];
  if (mirrorUrl && !options.dryRun && pushed.length > 0) {
    log(`pushing ${pushed.length} ref(s) atomically`);
    await step('push', () => pushAtomic(gitDir, 'origin', pushUpdates(plan), originEnv));
    await step('verify', () => verifyMirror(mirrorUrl, originEnv, plan));
  } else if (mirrorUrl) {
    log(pushed.length === 0 ? 'the mirror already equals upstream: nothing to push' : `dry run: would push ${pushed.length} ref(s)`);
  }

  if (!options.dryRun) {
    await step('update-cache', () => recordTarget(gitDir, plan, mirrorUrl ? originEnv : null));
  }

  const closedPrs: MirrorSyncReport['closedPrs'] = [];
  let openPrsKept = 0;
  if (mirror?.api && token) {
    const client = createGiteaClient({ api: mirror.api, token });
    const pulls: GiteaPull[] = await step('list-prs', () => client.listOpenPulls(mirror.owner, recipe));
    const verdicts = await step('list-prs', () => judgePullRequests(gitDir, pulls, upstream.main));
    openPrsKept = verdicts.kept.length;
    for (const pr of verdicts.toClose) {
      if (options.dryRun) log(`dry run: would close PR #${pr.number} (head ${pr.headSha} is in upstream main)`);
      else {
        log(`closing PR #${pr.number} (head ${pr.headSha} is in upstream main)`);
        await step('close-pr', () =>
          closePullRequest(client, mirror.owner, recipe, pr).catch((error: unknown) => {
            throw new Error(`PR #${pr.number}: ${messageOf(error)}`);
          }),
        );
      }
      closedPrs.push(pr);
    }
  }

  return {
    recipe,
    upstreamMain: upstream.main,
    mirrored: mirrorUrl !== null,
    pushed,
    warnings,
    closedPrs,
    openPrsKept,
    rejectedTags,
    dryRun: options.dryRun,
    cacheDir: gitDir,
  };
}

/** The cache's record of the mirror: refs/heads/main and refs/tags/*. */
async function readPublished(gitDir: string): Promise<RefSnapshot & { rejected: RejectedTag[] }> {
  return splitRefs(await listRefs(gitDir, 'refs/heads/', 'refs/tags/'), 'refs/heads/main', 'refs/tags/');
}

function pushUpdates(plan: SyncPlan): PushUpdate[] {
  return plan.pushes.map((push) => ({
    src: push.ref === 'refs/heads/main' ? UPSTREAM_MAIN_REF : `${UPSTREAM_TAG_PREFIX}${push.ref.slice('refs/tags/'.length)}`,
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
 * (one update-ref transaction). A kept tag whose object the cache never saw (it was
 * deleted upstream before this cache existed) is fetched from the mirror first.
 */
async function recordTarget(
  gitDir: string,
  plan: SyncPlan,
  originEnv: GitEnv | null,
): Promise<void> {
  const missing: string[] = [];
  for (const tag of plan.kept) {
    if (!(await hasObject(gitDir, plan.target.tags.get(tag) as string))) missing.push(tag);
  }
  if (missing.length > 0 && originEnv) {
    await fetchRefs(gitDir, 'origin', missing.map((tag) => `+refs/tags/${tag}:refs/tags/${tag}`), { prune: false, env: originEnv });
  }
  const current = await readPublished(gitDir);
  const updates: RefUpdate[] = [];
  if (current.main !== plan.target.main) updates.push({ ref: 'refs/heads/main', oid: plan.target.main });
  for (const [tag, oid] of plan.target.tags) {
    if (current.tags.get(tag) !== oid) updates.push({ ref: `refs/tags/${tag}`, oid });
  }
  for (const tag of current.tags.keys()) {
    if (!plan.target.tags.has(tag)) updates.push({ ref: `refs/tags/${tag}`, oid: null });
  }
  await updateRefs(gitDir, updates);
}
