// The per-recipe bare cache clone: <cacheDir>/mirrors/<recipe>.git.
//
// Ref layout inside it:
//   refs/upstream/main, refs/upstream/tags/*   upstream as last fetched (pruned: a tag
//                                              deleted upstream disappears here)
//   refs/heads/main, refs/tags/*               the mirror as of the last real sync (or, with
//                                              no mirror configured, the faithful copy
//                                              the mirror would be): what the sweep reads
//
// Beside it, <recipe>.sync.json: what the last sync saw and left (see sync-record.ts).
import { statSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { initBareRepository, isBareConfig, localConfig, removeRemote, setRemote, type LocalConfig } from '../effects/git.js';

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

/** Whether the clone is there at all (a file check, no git): its HEAD file exists. */
export async function cacheCloneExists(gitDir: string): Promise<boolean> {
  try {
    // Synchronous: asked for every recipe every night, a stat is cheaper than its promise.
    return statSync(path.join(gitDir, 'HEAD')).isFile();
  } catch {
    return false;
  }
}

function notBare(gitDir: string, detail: string): Error {
  return new Error(`${gitDir} exists but is not a bare git repository (${detail}; left as it is; remove it to start over)`);
}

/** The clone's own config, refused unless it is a bare repository's. */
async function bareCloneConfig(gitDir: string): Promise<LocalConfig> {
  let config: LocalConfig;
  try {
    config = await localConfig(gitDir);
  } catch (error) {
    throw notBare(gitDir, error instanceof Error ? error.message : String(error));
  }
  if (!isBareConfig(config)) throw notBare(gitDir, 'core.bare is not true');
  return config;
}

/**
 * Makes sure the bare clone exists (created whole, via a temp dir and a rename, so a
 * crash never leaves half a repository) and that its remotes are exactly `upstream`
 * and `origin` (no origin when there is no mirror), whatever it had before. An existing
 * clone whose remotes are right costs one git process (its config, read once).
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
      // Another process may have created it meanwhile; that one is as good as ours
      // (bareCloneConfig below refuses it if it is not a bare repository).
      if (!(await exists(gitDir))) throw error;
    }
  }
  const config = await bareCloneConfig(gitDir);
  await setRemote(gitDir, 'upstream', upstreamUrl, config);
  if (originUrl === null) await removeRemote(gitDir, 'origin', config);
  else await setRemote(gitDir, 'origin', originUrl, config);
}
