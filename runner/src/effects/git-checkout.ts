// Every git command line the recipe CI run (and the demo fixtures) issue: cloning a
// recipe into a run's ABRA_DIR, resolving and checking out the tested ref, reading tags,
// and building fixture recipe repositories. (To be merged with effects/git.ts.)
import { execChecked, execProgram } from './exec.js';

/** A fixed identity and no prompts: fixture commits are reproducible and nothing waits for a tty. */
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'ccci',
  GIT_AUTHOR_EMAIL: 'ccci@localhost',
  GIT_COMMITTER_NAME: 'ccci',
  GIT_COMMITTER_EMAIL: 'ccci@localhost',
};

async function git(cwd: string, args: readonly string[], signal?: AbortSignal) {
  return execChecked('git', args, { cwd, env: GIT_ENV, ...(signal ? { signal } : {}) });
}

/** A full clone (all branches and tags) of `source` into the new directory `dest`. */
export async function cloneRepo(source: string, dest: string, options: { bare?: boolean; signal?: AbortSignal } = {}) {
  await execChecked('git', ['clone', '--quiet', ...(options.bare ? ['--bare'] : []), '--', source, dest], {
    env: GIT_ENV,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The commit `ref` names: a tag, a branch of origin, a local branch or a commit id; null if none. */
export async function resolveRef(repo: string, ref: string): Promise<string | null> {
  for (const candidate of [`refs/tags/${ref}`, `refs/remotes/origin/${ref}`, `refs/heads/${ref}`, ref]) {
    const result = await execProgram('git', ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], {
      cwd: repo,
      env: GIT_ENV,
    });
    if (result.exitCode === 0) return result.stdout.trim();
  }
  return null;
}

/** Detaches HEAD at `commit`, discarding any change in the work tree (abra may have moved it). */
export async function checkoutDetached(repo: string, commit: string): Promise<void> {
  await git(repo, ['checkout', '--quiet', '--force', '--detach', commit]);
  await git(repo, ['clean', '--quiet', '-d', '--force']);
}

export async function headCommit(repo: string): Promise<string> {
  return (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
}

export async function listTags(repo: string): Promise<string[]> {
  return (await git(repo, ['tag', '--list'])).stdout.split('\n').filter((t) => t !== '');
}

/** The commit a tag points at (peeled), or null when there is no such tag. */
export async function tagCommit(repo: string, tag: string): Promise<string | null> {
  const result = await execProgram('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], {
    cwd: repo,
    env: GIT_ENV,
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export async function isDirty(repo: string): Promise<boolean> {
  return (await git(repo, ['status', '--porcelain'])).stdout.trim() !== '';
}

/** Work-tree files git would commit (tracked and untracked, not ignored), and tracked files deleted. */
export async function workTreeFiles(repo: string): Promise<{ present: string[]; deleted: string[] }> {
  const split = (text: string) => text.split('\0').filter((f) => f !== '');
  const present = split((await git(repo, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])).stdout);
  const deleted = split((await git(repo, ['ls-files', '-z', '--deleted'])).stdout);
  const gone = new Set(deleted);
  return { present: present.filter((f) => !gone.has(f)), deleted };
}

// --- building repositories (fixtures, the demo) -------------------------------------

export async function initRepo(dir: string): Promise<void> {
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
}

/** Stages everything and commits; returns the new commit id. */
export async function commitAll(repo: string, message: string): Promise<string> {
  await git(repo, ['add', '--all']);
  await git(repo, ['commit', '--quiet', '--allow-empty', '--message', message]);
  return headCommit(repo);
}

/** An annotated tag (abra's lint rule R014 wants annotated release tags) at HEAD. */
export async function tagHead(repo: string, tag: string): Promise<void> {
  await git(repo, ['tag', '--annotate', '--message', `release ${tag}`, '--', tag]);
}

/** Pushes main and all tags to `remote` (a path or URL). */
export async function pushAll(repo: string, remote: string): Promise<void> {
  await git(repo, ['push', '--quiet', '--force', remote, 'main', '--tags']);
}

/** Fetches one ref a clone does not carry (e.g. a PR head) from origin; returns its commit or null. */
export async function fetchRefFromOrigin(repo: string, ref: string): Promise<string | null> {
  const fetched = await execProgram('git', ['fetch', '--quiet', 'origin', ref], { cwd: repo, env: GIT_ENV });
  if (fetched.exitCode !== 0) return null;
  const result = await execProgram('git', ['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}'], {
    cwd: repo,
    env: GIT_ENV,
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}
