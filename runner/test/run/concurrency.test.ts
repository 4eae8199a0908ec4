// Two runs of the same recipe at once: separate run directories, ABRA_DIRs and domains;
// both finish as they would alone, and neither's teardown touches the other.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { lintRung } from '../../src/run/rung-lint.js';
import type { RunContext } from '../../src/run/context.js';
import { resolveRef } from '../../src/effects/git.js';
import { assertTornDown, createWorld, defineRecipe, publishRecipe, runOnTag, statusOf, type World } from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('run-concurrent');
});
after(async () => world.stop());

test('two concurrent runs of one recipe do not interfere', async () => {
  const recipe = await publishRecipe(world, 'twin', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }, { version: '1.2.0+a', fake: { restore: 'corrupt' } }]);
  const definition = await defineRecipe(world, recipe.name, { backup: { capable: true }, deployTimeoutSeconds: 5 });
  const [green, red] = await Promise.all([
    runOnTag(world, recipe, '1.1.0+a', definition),
    runOnTag(world, recipe, '1.2.0+a', definition),
  ]);
  assert.notEqual(green.domain, red.domain);
  assert.notEqual(green.runDir, red.runDir);
  assert.deepEqual(statusOf(green), { install: 'pass', upgrade: 'pass', backup: 'pass', functional: 'skip', lint: 'pass' });
  assert.deepEqual(statusOf(red), { install: 'pass', upgrade: 'pass', backup: 'fail', functional: 'unver', lint: 'pass' });
  assert.equal(green.version, '1.1.0+a');
  assert.equal(red.version, '1.2.0+a');
  assert.equal(green.base.version, '1.0.0+a');
  assert.equal(red.base.version, '1.1.0+a');
  await assertTornDown(world, green);
  await assertTornDown(world, red);
});

test('lint that cannot finish within its budget is unver, never pass', async () => {
  const recipe = await publishRecipe(world, 'lintslow', [{ version: '1.0.0+a' }]);
  const runDir = path.join(world.root, 'lint-only');
  await mkdir(runDir, { recursive: true });
  const commit = await resolveRef(recipe.work, '1.0.0+a');
  const ctx = {
    config: world.config,
    recipe: recipe.name,
    runDir,
    staged: { cloneSource: recipe.url, commit, dir: '', ref: '1.0.0+a', overlayFrom: null },
    head: { version: '1.0.0+a', commit, tagged: true },
    signal: new AbortController().signal,
    interrupted: () => null,
    log: () => undefined,
  } as unknown as RunContext;
  const outcome = await lintRung(ctx, 1);
  assert.equal(outcome.status, 'unver');
  assert.match(outcome.reason, /did not finish within/);
});
