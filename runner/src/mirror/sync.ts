// Mirror sync of one recipe: make the mirror a faithful copy of upstream (main and
// tags), leave the cache clone holding what the sweep reads, and close mirror PRs
// already merged upstream.
//
// Two ways to the same report:
//   fast path (fast-path.ts)  the sync record says what the last sync saw and left; when
//                             upstream and the mirror still list exactly that, one
//                             `git ls-remote` per remote is the whole git cost
//   full sync (full-sync.ts)  cache -> fetch-upstream -> read-mirror -> push -> verify
//                             -> update-cache, then a new sync record
// and a dry run takes the fast path when it applies (it only reads), else answers from
// `git ls-remote` alone (dry-run.ts): nothing on disk changes, the cache included.
// Then, either way: list-prs -> close-pr.
// A failure at any step throws MirrorSyncError naming the recipe and the step, and
// nothing after it runs. The push is atomic, so the mirror holds either the whole new
// ref set or the old one.
// The no-op path loads only what it uses: the full sync, and the Gitea client with the
// pull-request logic, are loaded when needed.
import { InputError } from '../config/errors.js';
import { repoUrl, type Config } from '../config/resolve-config.js';
import { recipeNameProblem } from '../core/names.js';
import { gitAuthEnv, gitBaseEnv, hasObject, type GitEnv } from '../effects/git.js';
import type { GiteaPull } from '../effects/gitea.js';
import { cacheCloneExists, cacheClonePath } from './cache.js';
import { tryFastPath } from './fast-path.js';
import type { MirrorSyncReport } from './report.js';
import { readToken, scrub, tokenPath } from './secrets.js';
import type { SyncContext, SyncOptions } from './sync-context.js';
import { MirrorSyncError, type SyncStep } from './sync-error.js';
import { syncRecordPath } from './sync-record-path.js';

export type { SyncOptions } from './sync-context.js';

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

  const gitDir = cacheClonePath(config.cacheDir, recipe);
  const ctx: SyncContext = {
    recipe,
    options,
    upstreamUrl: repoUrl(config.upstream, recipe),
    mirrorUrl: mirror ? repoUrl(mirror.url, recipe) : null,
    originEnv,
    gitDir,
    recordFile: syncRecordPath(config.cacheDir, recipe),
    log,
    step,
  };

  const fast = await tryFastPath(ctx);
  const synced =
    fast.kind === 'unchanged'
      ? fast.result
      : options.dryRun
        ? await (await import('./dry-run.js')).dryRunSync(ctx)
        : await (await import('./full-sync.js')).fullSync(ctx, { upstream: fast.upstreamRefs, mirror: fast.mirrorRefs });

  const closedPrs: MirrorSyncReport['closedPrs'] = [];
  let openPrsKept = 0;
  let openPrsUnjudged = 0;
  if (mirror?.api && token) {
    const [{ createGiteaClient }, { closePullRequest, judgePullRequests }] = await Promise.all([
      import('../effects/gitea.js'),
      import('./pull-requests.js'),
    ]);
    const client = createGiteaClient({ api: mirror.api, token });
    let pulls: GiteaPull[] = await step('list-prs', () => client.listOpenPulls(mirror.owner, recipe));
    // A dry run fetches nothing: without upstream main's history at hand, it cannot tell
    // a merged PR, and says so rather than fetch.
    let unjudged = 0;
    if (options.dryRun && pulls.length > 0 && !((await cacheCloneExists(gitDir)) && (await hasObject(gitDir, synced.upstreamMain)))) {
      log(`dry run: ${pulls.length} open PR(s) not judged: upstream main ${synced.upstreamMain.slice(0, 12)} is not fetched yet`);
      unjudged = pulls.length;
      pulls = [];
    }
    const verdicts = await step('list-prs', () => judgePullRequests(gitDir, pulls, synced.upstreamMain));
    openPrsKept = verdicts.kept.length;
    openPrsUnjudged = unjudged;
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
    upstreamMain: synced.upstreamMain,
    mirrored: ctx.mirrorUrl !== null,
    pushed: synced.pushed,
    warnings: synced.warnings,
    closedPrs,
    openPrsKept,
    openPrsUnjudged,
    rejectedTags: synced.rejectedTags,
    tags: synced.tags,
    dryRun: options.dryRun,
    cacheDir: gitDir,
  };
}
