// Stages exactly the tested ref into the run's own recipe checkout
// (<run ABRA_DIR>/recipes/<recipe>): a fresh clone, HEAD detached at the tested commit.
// A --src directory with uncommitted changes is tested as it is: its work tree is laid
// over the checkout before each chaos deploy of head.
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../config/errors.js';
import {
  checkoutDetached,
  cloneRepo,
  fetchRefFromOrigin,
  headCommit,
  isDirty,
  resolveRef,
  workTreeFiles,
} from '../effects/git.js';

export type RunSource = { kind: 'git'; url: string; ref: string } | { kind: 'dir'; dir: string };

export interface StagedCheckout {
  dir: string;
  commit: string;
  ref: string;
  /** Where the checkout was cloned from (for the lint's pristine clone). */
  cloneSource: string;
  /** The --src directory whose uncommitted work tree is part of what is tested, or null. */
  overlayFrom: string | null;
}

export async function stageCheckout(source: RunSource, dir: string, signal?: AbortSignal): Promise<StagedCheckout> {
  if (source.kind === 'git') {
    await cloneRepo(source.url, dir, signal ? { signal } : {});
    const commit = (await resolveRef(dir, source.ref)) ?? (await fetchRefFromOrigin(dir, source.ref));
    if (!commit) throw new InputError(`ref ${JSON.stringify(source.ref)} does not exist in ${source.url}`);
    await checkoutDetached(dir, commit);
    return { dir, commit, ref: source.ref, cloneSource: source.url, overlayFrom: null };
  }
  const srcDir = path.resolve(source.dir);
  let commit: string;
  try {
    commit = await headCommit(srcDir);
  } catch (error) {
    throw new InputError(`--src ${source.dir}: not a git checkout with a commit: ${(error as Error).message}`);
  }
  const dirty = await isDirty(srcDir);
  await cloneRepo(srcDir, dir, signal ? { signal } : {});
  await checkoutDetached(dir, commit);
  return { dir, commit, ref: 'HEAD', cloneSource: srcDir, overlayFrom: dirty ? srcDir : null };
}

/** Lays the work tree of `from` (tracked and untracked files, deletions) over `checkout`. */
async function applyOverlay(from: string, checkout: string): Promise<void> {
  const { present, deleted } = await workTreeFiles(from);
  for (const file of present) {
    await cp(path.join(from, file), path.join(checkout, file), { force: true, recursive: true });
  }
  for (const file of deleted) await rm(path.join(checkout, file), { force: true });
}

/** Puts the checkout back at the tested commit (abra moves it to the versions it deploys). */
export async function restoreHead(staged: StagedCheckout): Promise<void> {
  await checkoutDetached(staged.dir, staged.commit);
  if (staged.overlayFrom) await applyOverlay(staged.overlayFrom, staged.dir);
}
