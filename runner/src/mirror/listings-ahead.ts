// The sweep's listings read ahead: before its first sync, the sweep starts the
// `git ls-remote` of every remote the fast path will ask (upstream, and the mirror, of
// each recipe that has a sync record), in the order the recipes are synced, as one
// batch per environment (git.ts lsRemoteEach). A sync takes its recipe's listings from
// here; each is taken once, and whatever is not here is listed as before.
//
// A listing read ahead is what the remote held when the sweep took its lock, a moment
// earlier than the sync would have asked: the syncs of a sweep never wait for a
// deployment, so that moment is at most the syncs' own time and the leftover cleanup's
// before them (which the listings overlap; it is instant unless a crash left an app to
// tear down). A remote that changes meanwhile is seen the next night, as if the sweep
// had run that much earlier. What the fast path decides from it, a full sync (which
// fetches and verifies what it pushed) takes as its start.
//
// The batches keep their outputs beside the sync records, in directories named as the
// atomic writes name their temp files (`.listings.<pid>.<hex>.tmp`): a sweep killed
// while it lists leaves one, and the next sweep's leftover cleanup removes it. A dry run
// changes nothing in the cache directory, not even its directory's time: its batches
// keep their outputs in the temp directory.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoUrl, type Config } from '../config/resolve-config.js';
import { tempPathFor } from '../effects/atomic-file.js';
import { gitAuthEnv, gitBaseEnv, lsRemoteEach, type Listings, type RemoteRef } from '../effects/git.js';
import { readToken, tokenPath } from './secrets.js';
import { syncRecordPath } from './sync-record-path.js';

export interface ListingsAhead {
  /** The listing of `url` read ahead, once; null when there is none (list it yourself). */
  take(url: string): Promise<RemoteRef[]> | null;
  /** Stops what is still being listed and removes its files. */
  close(): Promise<void>;
}

export const NO_LISTINGS_AHEAD: ListingsAhead = { take: () => null, close: async () => undefined };

/**
 * Starts reading ahead the listings of `recipes` (in this order), `concurrency` at once
 * in all. Never throws: what it cannot list ahead (no sync record, an unreadable token)
 * is simply not here, and the sync finds the problem itself.
 */
export async function listAhead(
  config: Config,
  recipes: readonly string[],
  options: { concurrency: number; dryRun?: boolean; signal?: AbortSignal },
): Promise<ListingsAhead> {
  // Without a sync record the fast path lists nothing: the full sync lists for itself.
  // (Synchronous: a stat per recipe costs less than its promise.)
  const recorded = recipes.filter((recipe) => existsSync(syncRecordPath(config.cacheDir, recipe)));
  if (recorded.length === 0) return NO_LISTINGS_AHEAD;

  const mirror = config.mirror;
  const token = mirror ? await readToken(tokenPath(mirror.tokenFile)).catch(() => null) : null;
  // Both batches together list `concurrency` at once, as the syncs would.
  const share = mirror && token ? Math.max(1, Math.floor(options.concurrency / 2)) : options.concurrency;
  const batches: Listings[] = [];
  const dir = () => (options.dryRun ? {} : { dir: tempPathFor(path.join(config.cacheDir, 'mirrors', 'listings')) });
  try {
    batches.push(
      await lsRemoteEach(
        recorded.map((recipe) => repoUrl(config.upstream, recipe)),
        gitBaseEnv(),
        { concurrency: share, ...dir(), ...(options.signal ? { signal: options.signal } : {}) },
      ),
    );
    if (mirror && token) {
      batches.push(
        await lsRemoteEach(
          recorded.map((recipe) => repoUrl(mirror.url, recipe)),
          gitAuthEnv(mirror.url, token),
          { concurrency: share, ...dir(), ...(options.signal ? { signal: options.signal } : {}) },
        ),
      );
    }
  } catch {
    // (A URL lsRemote would refuse: the sync says so.)
    await Promise.all(batches.map((batch) => batch.close()));
    return NO_LISTINGS_AHEAD;
  }
  return {
    take(url) {
      for (const { listings } of batches) {
        const listing = listings.get(url);
        if (listing) {
          listings.delete(url);
          return listing;
        }
      }
      return null;
    },
    close: async () => void (await Promise.all(batches.map((batch) => batch.close()))),
  };
}
