// The per-recipe bare cache clone: <cacheDir>/mirrors/<recipe>.git.
//
// Ref layout inside it:
//   refs/upstream/main, refs/upstream/tags/*   upstream as last fetched (pruned: a tag
//                                              deleted upstream disappears here)
//   refs/heads/main, refs/tags/*               the mirror as of the last real sync (or, with
//                                              no mirror configured, the faithful copy
//                                              the mirror would be): what the sweep reads
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { initBareRepository, isBareRepository, removeRemote, setRemote } from '../effects/git.js';

export const UPSTREAM_MAIN_REF = 'refs/upstream/main';
export const UPSTREAM_TAG_PREFIX = 'refs/upstream/tags/';

export function cacheClonePath(cacheDir: string, recipe: string): string {
  return path.join(cacheDir, 'mirrors', `${recipe}.git`);
}

async function exists(target: string): Promise<boolean> {
  try {
    await stat(target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Makes sure the bare clone exists (created whole, via a temp dir and a rename, so a
 * crash never leaves half a repository) and that its remotes are exactly `upstream`
 * and `origin` (no origin when there is no mirror), whatever it had before.
 */
export async function prepareCacheClone(gitDir: string, upstreamUrl: string, originUrl: string | null): Promise<void> {
  if (!(await exists(gitDir))) {
    await mkdir(path.dirname(gitDir), { recursive: true });
    const temp = `${gitDir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await initBareRepository(temp);
      await rename(temp, gitDir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      // Another process may have created it meanwhile; that one is as good as ours.
      if (!(await exists(gitDir)) || !(await isBareRepository(gitDir))) throw error;
    }
  } else if (!(await isBareRepository(gitDir))) {
    throw new Error(`${gitDir} exists but is not a bare git repository (left as it is; remove it to start over)`);
  }
  await setRemote(gitDir, 'upstream', upstreamUrl);
  if (originUrl === null) await removeRemote(gitDir, 'origin');
  else await setRemote(gitDir, 'origin', originUrl);
}
