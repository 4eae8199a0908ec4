// The benchmark's sandbox: N fixture recipes whose canonicals already sit at their
// newest tag, so a sweep over them has nothing to do (every decision is
// skip:no-new-version), each with a year of nightly history. Everything lives in one
// temp directory:
//   <root>/work             the template recipe (compose.yml, three tagged releases)
//   <root>/upstream/<n>.git a bare copy of it per recipe (config.upstream = file://<root>/upstream)
//   <root>/mirror/<n>.git   with a mirror: another bare copy per recipe (config.mirror.url),
//                           as a finished sync leaves it; <root>/mirror-token its token
//   <root>/repo/recipes/<n>/recipe.yaml   a small valid definition
//   <root>/state, runs, cache, abra       the runner's directories
//   <root>/state/<n>/attempts.jsonl       `nights` lines: the promote, then no-op nights
//   <root>/config.json      the configuration every measured `ccci` reads (--config)
import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoUrl, type Config } from '../src/config/config.js';
import { cloneRepo, commitAll, initRepo, revParse, tagHead } from '../src/effects/git.js';
import { writeCanonical, type CanonicalRecord } from '../src/registry/canonical.js';
import { snapshotDir } from '../src/registry/snapshot.js';

/** The releases of every fixture recipe, oldest first; the canonical is the last. */
export const FIXTURE_TAGS = ['1.0.0+1.0', '1.1.0+1.1', '1.2.0+1.2'] as const;
const NEWEST_TAG = FIXTURE_TAGS[FIXTURE_TAGS.length - 1] as string;
const SNAPSHOT_ID = '2025-01-01T00-00-00-000Z-bench';
/** An empty tar archive is 10 KiB of zeros (GNU tar's default record size). */
const EMPTY_TAR = Buffer.alloc(10240);

export interface SandboxOptions {
  recipes: number;
  /** A mirror: a second remote per recipe. */
  mirror: boolean;
  /** Lines of attempts history per recipe (one per night). */
  nights: number;
}

export interface BenchSandbox {
  root: string;
  mirror: boolean;
  config: Config;
  configFile: string;
  recipes: string[];
  upstreamUrls: string[];
  /** Every remote a no-op sweep lists, in the sweep's order: upstream, then that recipe's mirror. */
  remoteUrls: string[];
  /** The commit every recipe's newest tag (and canonical) points at. */
  canonicalCommit: string;
  cleanup(): Promise<void>;
}

export function recipeNames(count: number): string[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(width, '0')}`);
}

function composeText(version: string): string {
  return [
    'version: "3.8"',
    'services:',
    '  app:',
    '    image: nginx:1.27',
    '    environment:',
    '      - DOMAIN',
    '    volumes:',
    '      - content:/data/content',
    '    deploy:',
    '      labels:',
    '        - traefik.enable=true',
    `        - coop-cloud.\${STACK_NAME}.version=${version}`,
    'volumes:',
    '  content:',
    '',
  ].join('\n');
}

/** One working repository with a release per FIXTURE_TAGS, cloned bare once; returns the bare clone. */
async function buildTemplate(root: string): Promise<{ bare: string; newestCommit: string }> {
  const work = path.join(root, 'work');
  await mkdir(work, { recursive: true });
  // The fixture commands of effects/git.ts: an explicit identity, no user or system git config.
  await initRepo(work);
  await writeFile(path.join(work, '.env.sample'), 'TYPE=bench\nDOMAIN=bench.example.com\n');
  for (const tag of FIXTURE_TAGS) {
    await writeFile(path.join(work, 'compose.yml'), composeText(tag));
    await commitAll(work, `release ${tag}`);
    await tagHead(work, tag);
  }
  const bare = path.join(root, 'template.git');
  await cloneRepo(work, bare, { bare: true });
  const newestCommit = await revParse(bare, `refs/tags/${NEWEST_TAG}`);
  return { bare, newestCommit };
}

/** Runs `work` over `items`, at most `size` at a time. */
export async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** The canonical and its snapshot, exactly as a completed promote leaves them. */
async function writeRecipeState(stateDir: string, recipe: string, commit: string): Promise<void> {
  const dir = snapshotDir(stateDir, recipe, SNAPSHOT_ID);
  await mkdir(path.join(dir, 'volumes'), { recursive: true });
  await writeFile(path.join(dir, 'volumes', 'content.tar'), EMPTY_TAR);
  const at = '2025-01-01T00:00:00.000Z';
  const meta = {
    schema: 1,
    id: SNAPSHOT_ID,
    recipe,
    version: NEWEST_TAG,
    commit,
    stack: `warm-${recipe}_ci_example_org`,
    createdAt: at,
    volumes: [
      {
        name: 'content',
        archive: 'volumes/content.tar',
        bytes: EMPTY_TAR.length,
        sha256: createHash('sha256').update(EMPTY_TAR).digest('hex'),
      },
    ],
  };
  await writeFile(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await symlink(path.join('snapshots', SNAPSHOT_ID), path.join(stateDir, recipe, 'snapshot'));
  const record: CanonicalRecord = {
    schema: 1,
    recipe,
    domain: `warm-${recipe}.ci.example.org`,
    version: NEWEST_TAG,
    commit,
    status: 'idle',
    promotedAt: at,
    updatedAt: at,
    runId: `bench-${recipe}`,
    level: 4,
    snapshot: { id: SNAPSHOT_ID, volumes: ['content'], bytes: EMPTY_TAR.length },
  };
  await writeCanonical(stateDir, record);
}

/** A recipe definition like the enrolled ones: a few keys, a functional check. */
const DEFINITION = [
  'description: a benchmark fixture recipe',
  'deployTimeoutSeconds: 600',
  'backup:',
  '  capable: false',
  'functional:',
  '  - name: front page',
  '    path: /',
  '    status: 200',
  '',
].join('\n');

function dayAt(night: number): string {
  return new Date(Date.UTC(2025, 0, 1, 2) + night * 86_400_000).toISOString();
}

/** One history line as the sweep writes it; night 0 is the promote, the others no-op nights. */
export function historyLine(recipe: string, commit: string, night: number): string {
  const at = dayAt(night);
  const promoted = night === 0;
  return JSON.stringify({
    at,
    sweepId: `${at.replace(/[:.]/g, '-')}-beef`,
    recipe,
    decision: promoted ? 'run' : 'skip:no-new-version',
    tag: NEWEST_TAG,
    commit,
    runId: promoted ? `bench-${recipe}` : null,
    verdict: promoted ? 'green' : null,
    level: promoted ? 4 : null,
    promoted,
    outcome: promoted ? 'promoted' : 'skipped',
    durationMs: promoted ? 1_200_000 : 9,
  });
}

/** Appends `count` more no-op nights to a recipe's history (after night `from`). */
export async function appendNights(sandbox: BenchSandbox, recipe: string, from: number, count: number): Promise<void> {
  if (count === 0) return;
  const lines = Array.from({ length: count }, (_, i) => historyLine(recipe, sandbox.canonicalCommit, from + i));
  await appendFile(path.join(sandbox.config.stateDir, recipe, 'attempts.jsonl'), `${lines.join('\n')}\n`);
}

export async function createSandbox(options: SandboxOptions): Promise<BenchSandbox> {
  const count = options.recipes;
  const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-bench-'));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const recipes = recipeNames(count);
    const { bare, newestCommit } = await buildTemplate(root);
    const upstreamDir = path.join(root, 'upstream');
    const mirrorDir = path.join(root, 'mirror');
    const tokenFile = path.join(root, 'mirror-token');
    const repo = path.join(root, 'repo');
    const config: Config = {
      repo,
      stateDir: path.join(root, 'state'),
      runsDir: path.join(root, 'runs'),
      cacheDir: path.join(root, 'cache'),
      abraDir: path.join(root, 'abra'),
      server: 'default',
      domain: 'ci.example.org',
      ingress: null,
      upstream: `file://${upstreamDir}`,
      mirror: options.mirror ? { url: `file://${mirrorDir}`, api: null, owner: 'bench', tokenFile } : null,
      recipes: Object.fromEntries(recipes.map((name) => [name, {}])),
      // The module's default: one deployment at a time (syncs run SYNC_CONCURRENCY at once).
      maxConcurrentRuns: 1,
      minFreeDiskPercent: 10,
      metricsFile: null,
      source: path.join(root, 'config.json'),
    };
    if (options.mirror) await writeFile(tokenFile, 'bench-token-not-a-secret\n', { mode: 0o600 });
    for (const dir of [upstreamDir, mirrorDir, config.stateDir, config.runsDir, config.cacheDir, config.abraDir]) {
      await mkdir(dir, { recursive: true });
    }
    // Copying the bare template is far cheaper than a clone per recipe, and gives the same repository.
    await inPool(recipes, 16, async (name) => {
      await cp(bare, path.join(upstreamDir, `${name}.git`), { recursive: true });
      if (options.mirror) await cp(bare, path.join(mirrorDir, `${name}.git`), { recursive: true });
      await mkdir(path.join(repo, 'recipes', name), { recursive: true });
      const definition = path.join(repo, 'recipes', name, 'recipe.yaml');
      await writeFile(definition, DEFINITION);
      // As on a real server, the definitions were written long before tonight's sweep.
      const aDayAgo = new Date(Date.now() - 86_400_000);
      await utimes(definition, aDayAgo, aDayAgo);
      await writeRecipeState(config.stateDir, name, newestCommit);
      const history = Array.from({ length: options.nights }, (_, night) => historyLine(name, newestCommit, night));
      if (history.length > 0) await writeFile(path.join(config.stateDir, name, 'attempts.jsonl'), `${history.join('\n')}\n`);
    });
    const { source: _source, ...fileConfig } = config;
    await writeFile(config.source, `${JSON.stringify(fileConfig, null, 2)}\n`);
    const upstreamUrls = recipes.map((name) => repoUrl(config.upstream, name));
    const mirrorUrls = config.mirror ? recipes.map((name) => repoUrl((config.mirror as { url: string }).url, name)) : [];
    return {
      root,
      mirror: options.mirror,
      config,
      configFile: config.source,
      recipes,
      upstreamUrls,
      remoteUrls: upstreamUrls.flatMap((url, i) => (config.mirror ? [url, mirrorUrls[i] as string] : [url])),
      canonicalCommit: newestCommit,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
