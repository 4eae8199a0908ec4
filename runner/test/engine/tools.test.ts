// What the real engine does that the runner must cope with, measured on it: an undeployed
// stack's containers linger (volumes in use, the app still writing); names of secrets over
// 64 characters are refused (why abra cuts stack names at 45); the secrets abra generates
// reach the app but no log, report or result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { appUndeploy, createApp, deployVersion, removeAppAndVolumes, waitHealthy } from '../../src/effects/abra.js';
import { createOwnAbraDir } from '../../src/effects/abra-dir.js';
import { removeVolume, stackContainers, stackName, volumeMountpoint, waitStackGone } from '../../src/effects/docker.js';
import { cloneRepo } from '../../src/effects/git.js';
import { sandboxConfig } from '../../src/demo/sandbox.js';
import {
  assertTornDown,
  createWorld,
  defineRecipe,
  publishRecipe,
  runLearningSecret,
  runOnTag,
  statusOf,
  textOfFiles,
  type World,
} from '../run/helpers.js';
import { abraUnderTest, engineDocker, engineObjects, engineOptions, engineSkip } from './engine.js';

const skip = engineSkip('tools');

describe(`the real engine's behaviour (${abraUnderTest()})`, { skip, concurrency: false }, () => {
  let world: World;
  before(async () => {
    world = await createWorld('engine-tools', { engine: engineOptions() ?? undefined, domain: 'tools.test' });
  });
  after(async () => world?.stop());

  test('after abra app undeploy the containers linger: volumes in use, the app still writing; then gone', async () => {
    const recipe = await publishRecipe(world, 'linger', [{ version: '1.0.0+1' }]);
    const abraDir = await createOwnAbraDir(path.join(world.root, 'linger-abra'), world.sandbox.abraDir);
    await cloneRepo(recipe.url, path.join(abraDir, 'recipes', recipe.name));
    const domain = `${recipe.name}.${world.sandbox.domain}`;
    const stack = stackName(domain);
    const app = { abraDir, server: world.sandbox.server, domain };
    await createApp({ ...app, recipe: recipe.name, version: '1.0.0+1', secrets: true });
    await deployVersion(app, '1.0.0+1', { timeoutMs: 60_000 });
    const health = await waitHealthy({
      target: { domain, ingress: world.config.ingress },
      stack,
      probe: { http: { path: '/', statuses: [200] } },
      timeoutMs: 60_000,
      requestTimeoutMs: 5_000,
    });
    assert.ok(health.ok, health.ok ? '' : health.reason);

    // abra's own undeploy, without the runner's wait: it returns while the task still stops.
    await appUndeploy({ abraDir }, domain);
    const undeployedAt = Date.now();
    assert.ok((await stackContainers(stack)).length > 0, 'a container of the stack is still there');
    await assert.rejects(removeVolume(`${stack}_content`), /in use/);
    const log = path.join(await volumeMountpoint(`${stack}_content`), 'fake-app.log');
    assert.doesNotMatch(await readFile(log, 'utf8'), /stopped/, 'the app has not finished shutting down');
    await waitStackGone(stack, { timeoutMs: 60_000, pollMs: 100 });
    const lingered = Date.now() - undeployedAt;
    process.stdout.write(`engine: the containers of ${stack} lingered ${(lingered / 1000).toFixed(1)} s after abra app undeploy returned\n`);
    assert.match(await readFile(log, 'utf8'), /stopped 1\.0\.0\+1\n$/);
    await removeAppAndVolumes(app);
    assert.deepEqual(await engineObjects(stack), []);
  });

  test('the engine refuses secret names over 64 characters; with abra\'s 45-character stack names a long domain runs green', async () => {
    const domain = 'a-rather-long-ci-subdomain.example.org';
    const long = `warm-lasuite-drive_${domain.replace(/\./g, '_')}_db_password_v1`;
    assert.ok(long.length > 64);
    const value = path.join(world.root, 'secret-value');
    await writeFile(value, 'x');
    await assert.rejects(engineDocker(['secret', 'create', long, value]), /invalid name, only 64/);

    const config = sandboxConfig(world.sandbox, world.configRepo, { domain });
    const recipe = await publishRecipe(world, 'long', [{ version: '1.0.0+1' }, { version: '1.1.0+1' }]);
    const definition = await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 60, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.1.0+1', definition, { config });
    assert.ok(result.domain.replace(/\./g, '_').length > 45);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'pass', backup: 'pass', functional: 'skip', lint: 'pass' });
    await assertTornDown(world, result);
    assert.deepEqual(await engineObjects(stackName(result.domain)), []);
  });

  test('generated secrets reach the app but no run.log, results.json or reported line', async () => {
    const recipe = await publishRecipe(world, 'secret', [{ version: '1.0.0+1' }, { version: '1.1.0+1' }]);
    const definition = await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 60, backup: { capable: true } });
    const { result, secret, reported } = await runLearningSecret(world, recipe, '1.1.0+1', definition);
    assert.equal(result.verdict, 'green', JSON.stringify(result.rungs));
    assert.ok(secret, 'the app had its secret, generated by abra');
    const everything = [reported.join('\n'), await textOfFiles(result.runDir), JSON.stringify(result)].join('\n');
    assert.ok(!everything.includes(secret), 'no secret value in any run file, result or reported line');
    await assertTornDown(world, result);
  });
});
