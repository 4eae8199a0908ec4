// Real git repositories for mirror sync tests: an upstream and a mirror (bare, under
// file:// base URLs, the way config names them), a work clone to make history with,
// a token file, and a Config pointing at all of it. Every world lives in its own
// temp directory.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config/config.js';
import { execChecked } from '../../src/effects/exec.js';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Upstream Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.org',
  GIT_COMMITTER_NAME: 'Upstream Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.org',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

export async function git(args: string[], cwd?: string): Promise<string> {
  const result = await execChecked('git', args, { env: IDENTITY, ...(cwd ? { cwd } : {}) });
  return result.stdout.trim();
}

export interface World {
  root: string;
  recipe: string;
  /** A secret that must never show up in argv, output, reports or errors. */
  token: string;
  tokenFile: string;
  upstreamBase: string;
  mirrorBase: string;
  upstreamDir: string;
  mirrorDir: string;
  cacheDir: string;
  /** Non-bare clone of upstream used to make history. */
  work: string;
  config(overrides?: Partial<Config>): Config;
  /** New commit on the work clone's main; returns its id. */
  commit(message: string): Promise<string>;
  /** Tag HEAD of the work clone (annotated unless `lightweight`). */
  tag(name: string, options?: { lightweight?: boolean; at?: string }): Promise<void>;
  /** Push the work clone's main and all tags to upstream (forced, so moves and rewrites land). */
  publish(): Promise<void>;
  deleteUpstreamTag(name: string): Promise<void>;
  /** refs/heads/* and refs/tags/* of a bare repo, as "oid ref" lines. */
  refs(dir: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function makeWorld(recipe = 'custom-html'): Promise<World> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-mirror-'));
  const upstreamBase = path.join(root, 'upstream');
  const mirrorBase = path.join(root, 'mirror');
  const upstreamDir = path.join(upstreamBase, `${recipe}.git`);
  const mirrorDir = path.join(mirrorBase, `${recipe}.git`);
  const work = path.join(root, 'work');
  const cacheDir = path.join(root, 'cache');
  const token = `tok${randomBytes(12).toString('hex')}`;
  const tokenFile = path.join(root, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  await chmod(tokenFile, 0o600);

  await git(['init', '--quiet', '--bare', '--initial-branch=main', upstreamDir]);
  await git(['init', '--quiet', '--bare', '--initial-branch=main', mirrorDir]);
  await git(['init', '--quiet', '--initial-branch=main', work]);
  await git(['remote', 'add', 'origin', upstreamDir], work);

  let counter = 0;
  const world: World = {
    root,
    recipe,
    token,
    tokenFile,
    upstreamBase,
    mirrorBase,
    upstreamDir,
    mirrorDir,
    cacheDir,
    work,
    config(overrides = {}) {
      return {
        repo: root,
        stateDir: path.join(root, 'state'),
        runsDir: path.join(root, 'runs'),
        cacheDir,
        abraDir: path.join(root, 'abra'),
        server: null,
        domain: null,
        ingress: null,
        upstream: `file://${upstreamBase}`,
        mirror: { url: `file://${mirrorBase}`, api: null, owner: 'ci', tokenFile },
        recipes: { [recipe]: {} },
        maxConcurrentRuns: 1,
        minFreeDiskPercent: 10,
        metricsFile: null,
        source: 'test config',
        ...overrides,
      };
    },
    async commit(message) {
      counter += 1;
      await writeFile(path.join(work, 'compose.yml'), `# ${message} ${counter}\n`);
      await git(['add', 'compose.yml'], work);
      await git(['commit', '--quiet', '-m', message], work);
      return git(['rev-parse', 'HEAD'], work);
    },
    async tag(name, options = {}) {
      const at = options.at ?? 'HEAD';
      if (options.lightweight) await git(['tag', '--force', name, at], work);
      else await git(['tag', '--force', '--annotate', '--message', `release ${name}`, name, at], work);
    },
    async publish() {
      await git(['push', '--quiet', '--force', 'origin', 'refs/heads/main:refs/heads/main', 'refs/tags/*:refs/tags/*'], work);
    },
    async deleteUpstreamTag(name) {
      await git(['tag', '--delete', name], work);
      await git(['push', '--quiet', 'origin', `:refs/tags/${name}`], work);
    },
    async refs(dir) {
      return git(['--git-dir', dir, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/', 'refs/tags/']);
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
  return world;
}

/** A hook script in a bare repo (pre-receive, update, …). */
export async function installHook(repoDir: string, name: string, script: string): Promise<void> {
  const file = path.join(repoDir, 'hooks', name);
  await writeFile(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  await chmod(file, 0o755);
}
