// Shared set-up for the run tests: a sandbox (fake swarm + ingress), a config repo holding
// recipe definitions, fixture recipes published to bare "upstream" repositories.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config/config.js';
import { loadRecipeDefinition, type RecipeDefinition } from '../../src/config/recipe-definition.js';
import {
  bareCloneOf,
  createFixtureRecipe,
  releaseVersion,
  writeRecipeDefinition,
  type FakeBehaviour,
  type FixtureShape,
} from '../../src/demo/fixtures.js';
import { createSandbox, sandboxConfig, type Sandbox, type SandboxOptions } from '../../src/demo/sandbox.js';
import { listStackSecrets, listStackVolumes, stackContainers, stackName, stackServices } from '../../src/effects/docker.js';
import type { CanonicalRecord } from '../../src/registry/canonical.js';
import { httpGet } from '../../src/effects/http.js';
import type { RunResult } from '../../src/run/result.js';
import { runRecipeCi, type RunRequest } from '../../src/run/run.js';

export interface World {
  root: string;
  sandbox: Sandbox;
  configRepo: string;
  config: Config;
  stop(): Promise<void>;
}

export async function createWorld(prefix: string, options: SandboxOptions = {}): Promise<World> {
  const root = await mkdtemp(path.join(os.tmpdir(), `ccci-${prefix}-`));
  const sandbox = await createSandbox(root, options);
  const configRepo = path.join(root, 'config-repo');
  const config = sandboxConfig(sandbox, configRepo);
  return {
    root,
    sandbox,
    configRepo,
    config,
    async stop() {
      await sandbox.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Writes the world's configuration as a `ccci --config` file (what `ccci run` reads). */
export async function writeWorldConfig(world: World, file: string): Promise<string> {
  await writeFile(
    file,
    JSON.stringify({
      repo: world.configRepo,
      stateDir: world.config.stateDir,
      runsDir: world.config.runsDir,
      cacheDir: world.config.cacheDir,
      abraDir: world.config.abraDir,
      server: world.config.server,
      domain: world.config.domain,
      ingress: world.config.ingress,
      upstream: `file://${path.join(world.root, 'upstream')}`,
    }),
  );
  return file;
}

export interface Release {
  version: string;
  fake?: FakeBehaviour;
}

export interface PublishedRecipe {
  name: string;
  work: string;
  /** Bare upstream clone (file path): the run's source url. */
  url: string;
}

let counter = 0;

/** A fixture recipe with the given releases (in order), published to a bare clone. */
export async function publishRecipe(
  world: World,
  prefix: string,
  releases: readonly Release[],
  shape: FixtureShape = {},
): Promise<PublishedRecipe> {
  counter += 1;
  const name = `${prefix}${counter}`;
  const work = path.join(world.root, 'work', name);
  const [first, ...rest] = releases;
  assert.ok(first, 'at least one release');
  await createFixtureRecipe(work, name, { version: first.version, ...(first.fake ? { fake: first.fake } : {}), ...shape });
  for (const release of rest) await releaseVersion(work, release.version, release.fake);
  const url = await bareCloneOf(work, path.join(world.root, 'upstream', `${name}.git`));
  return { name, work, url };
}

export async function defineRecipe(
  world: World,
  name: string,
  definition: Record<string, unknown> = {},
): Promise<RecipeDefinition> {
  await writeRecipeDefinition(world.configRepo, name, definition);
  return loadRecipeDefinition(world.configRepo, name);
}

export async function runOnTag(
  world: World,
  recipe: PublishedRecipe,
  ref: string,
  definition: RecipeDefinition,
  extra: Partial<RunRequest> = {},
): Promise<RunResult> {
  return runRecipeCi({
    config: world.config,
    recipe: recipe.name,
    definition,
    source: { kind: 'git', url: recipe.url, ref },
    mode: 'cold',
    prRef: null,
    canonical: null as CanonicalRecord | null,
    tags: [],
    ...extra,
  });
}

export function statusOf(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.rungs.map((r) => [r.rung, r.status]));
}

export function reasonOf(result: RunResult, rung: string): string {
  return result.rungs.find((r) => r.rung === rung)?.reason ?? '';
}

/** Nothing of the run's app is left: no services, containers, volumes, secrets or .env. */
export async function assertTornDown(world: World, result: RunResult): Promise<void> {
  const stack = stackName(result.domain);
  assert.deepEqual(await stackServices(stack), [], 'no services left');
  assert.deepEqual(await stackContainers(stack), [], 'no containers left');
  assert.deepEqual(await listStackVolumes(stack), [], 'no volumes left');
  assert.deepEqual(await listStackSecrets(stack), [], 'no secrets left');
  assert.equal(
    existsSync(path.join(world.sandbox.abraDir, 'servers', world.sandbox.server, `${result.domain}.env`)),
    false,
    'no .env left',
  );
  assert.ok(result.teardown.ok, `teardown problems: ${result.teardown.problems.join('; ')}`);
}

/** Every file under `dir` with its content, keyed by relative path (for byte-for-byte comparisons). */
export async function treeOf(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) Object.assign(out, await treeOf(path.join(dir, entry.name), rel));
    else out[rel] = (await readFile(path.join(dir, entry.name))).toString('base64');
  }
  return out;
}

/** Every file under `dir`, as text, not following links (a run's ABRA_DIR links the operator's servers/). */
export async function textOfFiles(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) text += await textOfFiles(full);
    else if (entry.isFile()) text += `${await readFile(full, 'latin1')}\n`;
  }
  return text;
}

/**
 * A cold run on `tag` that also learns the value of the app's `db_password` secret while
 * the app runs (the fixture app, and the fake ingress, serve it at /.ccci-fixture/secret/),
 * so a test can prove the value reached the app and no log: it is gone with the teardown.
 */
export async function runLearningSecret(
  world: World,
  recipe: PublishedRecipe,
  tag: string,
  definition: RecipeDefinition,
): Promise<{ result: RunResult; secret: string | null; reported: string[] }> {
  const reported: string[] = [];
  let domain = '';
  let asked: Promise<string | null> = Promise.resolve(null);
  const result = await runOnTag(world, recipe, tag, definition, {
    log: (line) => {
      reported.push(line);
      domain ||= /^run \S+: \S+ \(cold\) on (\S+),/.exec(line)?.[1] ?? '';
      if (line === '== backup') {
        asked = httpGet({ domain, ingress: world.config.ingress }, '/.ccci-fixture/secret/db_password', 5000).then((answer) =>
          answer.ok && answer.answer.status === 200 ? answer.answer.body : null,
        );
      }
    },
  });
  return { result, secret: await asked, reported };
}
