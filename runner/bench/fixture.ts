// The benchmark's sandbox: N fixture recipes whose canonicals already sit at their
// newest tag, so a sweep over them has nothing to do (every decision is
// skip:no-new-version). Everything lives in one temp directory:
//   <root>/work             the template recipe (compose.yml, three tagged releases)
//   <root>/upstream/<n>.git a bare copy of it per recipe (config.upstream = file://<root>/upstream)
//   <root>/repo/recipes/<n>/recipe.yaml   empty: a valid definition
//   <root>/state, runs, cache, abra       the runner's directories
//   <root>/config.json      the same configuration, for `ccci --config … status`
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

export interface BenchSandbox {
  root: string;
  config: Config;
  configFile: string;
  recipes: string[];
  upstreamUrls: string[];
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

export async function createSandbox(count: number, concurrency: number): Promise<BenchSandbox> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-bench-'));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const recipes = recipeNames(count);
    const { bare, newestCommit } = await buildTemplate(root);
    const upstreamDir = path.join(root, 'upstream');
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
      mirror: null,
      recipes: Object.fromEntries(recipes.map((name) => [name, {}])),
      maxConcurrentRuns: concurrency,
      minFreeDiskPercent: 10,
      metricsFile: null,
      source: path.join(root, 'config.json'),
    };
    for (const dir of [upstreamDir, config.stateDir, config.runsDir, config.cacheDir, config.abraDir]) {
      await mkdir(dir, { recursive: true });
    }
    // Copying the bare template is far cheaper than a clone per recipe, and gives the same repository.
    await inPool(recipes, 16, async (name) => {
      await cp(bare, path.join(upstreamDir, `${name}.git`), { recursive: true });
      await mkdir(path.join(repo, 'recipes', name), { recursive: true });
      await writeFile(path.join(repo, 'recipes', name, 'recipe.yaml'), '');
      await writeRecipeState(config.stateDir, name, newestCommit);
    });
    const { source: _source, ...fileConfig } = config;
    await writeFile(config.source, `${JSON.stringify(fileConfig, null, 2)}\n`);
    return {
      root,
      config,
      configFile: config.source,
      recipes,
      upstreamUrls: recipes.map((name) => repoUrl(config.upstream, name)),
      canonicalCommit: newestCommit,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
