// Quick mode: reattach the canonical on the warm domain from its snapshot, upgrade to head,
// functional tier. Pass keeps the volumes and the canonical record; fail restores the
// snapshot byte for byte. No canonical: falls back to cold, and says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createOwnAbraDir } from '../../src/effects/abra-dir.js';
import { createApp, deployVersion, undeployKeepingVolumes } from '../../src/effects/abra.js';
import { listStackVolumes, stackName, volumeMountpoint } from '../../src/effects/docker.js';
import { commitUntagged, publishTo } from '../../src/demo/fixtures.js';
import { cloneRepo, resolveRef } from '../../src/effects/git.js';
import { execChecked } from '../../src/effects/exec.js';
import { extractArchive } from '../../src/effects/tar.js';
import { loadCanonical, writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { createSnapshot, publishSnapshotLink, snapshotDir } from '../../src/registry/snapshot.js';
import {
  createWorld,
  defineRecipe,
  publishRecipe,
  reasonOf,
  runOnTag,
  statusOf,
  treeOf,
  type PublishedRecipe,
  type World,
} from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('run-quick');
});
after(async () => world.stop());

/** What a promote leaves behind: the warm app undeployed, its volumes snapshotted, the record written. */
async function makeCanonical(recipe: PublishedRecipe, version: string): Promise<CanonicalRecord> {
  const domain = `warm-${recipe.name}.${world.sandbox.domain}`;
  const abraDir = await createOwnAbraDir(path.join(world.root, `promote-${recipe.name}`), world.sandbox.abraDir);
  await cloneRepo(recipe.url, path.join(abraDir, 'recipes', recipe.name));
  const app = { abraDir, server: world.sandbox.server, domain };
  await createApp({ ...app, recipe: recipe.name, version, secrets: true });
  await deployVersion(app, version, { timeoutMs: 30_000 });
  await undeployKeepingVolumes(app);
  const commit = (await resolveRef(recipe.work, version)) as string;
  const id = `snap-${recipe.name}`;
  const { meta, bytes } = await createSnapshot({
    stateDir: world.config.stateDir,
    recipe: recipe.name,
    stack: stackName(domain),
    version,
    commit,
    id,
  });
  await publishSnapshotLink(world.config.stateDir, recipe.name, id);
  const now = new Date('2026-01-01T00:00:00Z').toISOString();
  const record: CanonicalRecord = {
    schema: 1,
    recipe: recipe.name,
    domain,
    version,
    commit,
    status: 'idle',
    promotedAt: now,
    updatedAt: now,
    runId: 'promote-for-test',
    level: 5,
    snapshot: { id, volumes: meta.volumes.map((v) => v.name), bytes },
  };
  await writeCanonical(world.config.stateDir, record);
  return record;
}

async function warmVolumesTree(stack: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const volume of await listStackVolumes(stack)) out[volume] = await treeOf(await volumeMountpoint(volume));
  return out;
}

async function snapshotTree(record: CanonicalRecord, stack: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const scratch = await mkdtemp(path.join(world.root, 'snap-'));
  for (const name of record.snapshot.volumes) {
    const dir = path.join(scratch, name);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    await extractArchive(path.join(snapshotDir(world.config.stateDir, record.recipe, record.snapshot.id), 'volumes', `${name}.tar`), dir);
    out[`${stack}_${name}`] = await treeOf(dir);
  }
  await rm(scratch, { recursive: true, force: true });
  return out;
}

describe('quick mode', () => {
  test('pass: green, volumes kept (with the upgrade in them), canonical version/commit/promotedAt unchanged', async () => {
    const recipe = await publishRecipe(world, 'qpass', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, {
      backup: { capable: true },
      functional: [{ path: '/', bodyContains: '1.1.0+a' }],
    });
    const canonical = await makeCanonical(recipe, '1.0.0+a');
    const result = await runOnTag(world, recipe, '1.1.0+a', definition, { mode: 'quick', canonical });
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'pass', backup: 'skip', functional: 'pass', lint: 'skip' });
    assert.equal(result.mode, 'quick');
    assert.equal(result.domain, canonical.domain);
    assert.equal(result.base.rule, 'quick-canonical');
    assert.equal(result.verdict, 'green');
    assert.match(reasonOf(result, 'backup'), /quick mode/);
    const after = await loadCanonical(world.config.stateDir, recipe.name);
    assert.ok(after);
    assert.equal(after.version, canonical.version);
    assert.equal(after.commit, canonical.commit);
    assert.equal(after.promotedAt, canonical.promotedAt);
    assert.equal(after.status, 'idle');
    const stack = stackName(canonical.domain);
    const volumes = await listStackVolumes(stack);
    assert.ok(volumes.length > 0, 'volumes kept');
    const log = await readFile(path.join(await volumeMountpoint(`${stack}_content`), 'fake-app.log'), 'utf8');
    assert.match(log, /deployed 1\.1\.0\+a/, 'the upgraded data stays');
    assert.ok(result.teardown.ok, result.teardown.problems.join('; '));
  });

  test('fail: red, the snapshot is restored byte for byte, the canonical record unchanged', async () => {
    const recipe = await publishRecipe(world, 'qfail', [{ version: '1.0.0+a' }, { version: '1.1.0+a', fake: { health: 'fail' } }]);
    const definition = await defineRecipe(world, recipe.name, { backup: { capable: true }, deployTimeoutSeconds: 2 });
    const canonical = await makeCanonical(recipe, '1.0.0+a');
    const stack = stackName(canonical.domain);
    const expected = await snapshotTree(canonical, stack);
    const result = await runOnTag(world, recipe, '1.1.0+a', definition, { mode: 'quick', canonical });
    assert.equal(statusOf(result).install, 'pass');
    assert.equal(statusOf(result).upgrade, 'fail');
    assert.equal(result.verdict, 'red');
    assert.deepEqual(await warmVolumesTree(stack), expected, 'volumes equal the snapshot');
    const after = await loadCanonical(world.config.stateDir, recipe.name);
    assert.deepEqual(
      { version: after?.version, commit: after?.commit, promotedAt: after?.promotedAt, status: after?.status },
      { version: canonical.version, commit: canonical.commit, promotedAt: canonical.promotedAt, status: 'idle' },
    );
    assert.ok(result.teardown.ok, result.teardown.problems.join('; '));
  });

  test('head at the canonical commit: nothing to upgrade, said as a skip, not a vacuous pass', async () => {
    const recipe = await publishRecipe(world, 'qsame', [{ version: '1.0.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { backup: { capable: true } });
    const canonical = await makeCanonical(recipe, '1.0.0+a');
    const result = await runOnTag(world, recipe, '1.0.0+a', definition, { mode: 'quick', canonical });
    assert.equal(statusOf(result).install, 'pass');
    assert.equal(statusOf(result).upgrade, 'skip');
    assert.match(reasonOf(result, 'upgrade'), /head is the canonical's commit .*: nothing to upgrade/);
  });

  test('head older than the canonical: the upgrade fails as a downgrade', async () => {
    const recipe = await publishRecipe(world, 'qdown', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { backup: { capable: true } });
    const canonical = await makeCanonical(recipe, '1.1.0+a');
    const result = await runOnTag(world, recipe, '1.0.0+a', definition, { mode: 'quick', canonical });
    assert.equal(statusOf(result).upgrade, 'fail');
    assert.match(reasonOf(result, 'upgrade'), /head's version 1\.0\.0\+a is older than the canonical 1\.1\.0\+a: that is a downgrade/);
    assert.equal(result.verdict, 'red');
  });

  test("the canonical's tag moved upstream: not reattached by it, the warm app and volumes left untouched", async () => {
    const recipe = await publishRecipe(world, 'qmoved', [{ version: '1.0.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { backup: { capable: true } });
    const canonical = await makeCanonical(recipe, '1.0.0+a');
    const stack = stackName(canonical.domain);
    const before = await warmVolumesTree(stack);
    const moved = await commitUntagged(recipe.work, { version: '1.3.0+a', message: 'the tag moves here' });
    const env = { GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_CONFIG_GLOBAL: '/dev/null' };
    await execChecked('git', ['tag', '--force', '--annotate', '--message=moved', '1.0.0+a', moved], { cwd: recipe.work, env });
    await publishTo(recipe.work, recipe.url);
    const result = await runOnTag(world, recipe, 'main', definition, { mode: 'quick', canonical });
    assert.equal(statusOf(result).install, 'unver');
    assert.match(
      reasonOf(result, 'install'),
      new RegExp(`the canonical 1\\.0\\.0\\+a was tested at ${canonical.commit.slice(0, 12)}, but its tag now names ${moved.slice(0, 12)}`),
    );
    assert.equal(result.verdict, 'red');
    assert.deepEqual(await warmVolumesTree(stack), before, 'the volumes are as the promote left them');
    const after = await loadCanonical(world.config.stateDir, recipe.name);
    assert.equal(after?.status, 'idle');
    assert.equal(after?.commit, canonical.commit);
  });

  test('no canonical: falls back to a cold run and says so', async () => {
    const recipe = await publishRecipe(world, 'qnone', [{ version: '1.0.0+a' }], { backupCapable: false });
    const definition = await defineRecipe(world, recipe.name);
    const result = await runOnTag(world, recipe, '1.0.0+a', definition, { mode: 'quick', canonical: null });
    assert.equal(result.mode, 'cold');
    assert.match(result.fellBackToCold ?? '', /no canonical/);
    assert.equal(result.verdict, 'green');
  });
});
