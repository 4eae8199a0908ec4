// What real abra and docker do that the first doubles hid (issue 9), each shown on the
// doubles, which now behave like the real tools: the runner must keep generated secrets
// out of every log and report, pass --no-converge-checks and wait itself, cut stack names
// at 45 characters, and never touch a volume while the stack's containers still stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stackName } from '../../src/effects/docker.js';
import { sandboxConfig } from '../../src/demo/sandbox.js';
import {
  assertTornDown,
  createWorld,
  defineRecipe,
  publishRecipe,
  reasonOf,
  runLearningSecret,
  runOnTag,
  statusOf,
  textOfFiles,
  type World,
} from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('run-real-tools');
});
after(async () => world.stop());


describe('the runner against what the real tools do', () => {
  test('generated secrets never reach run.log, results.json or the lines the run reports', async () => {
    const recipe = await publishRecipe(world, 'secret', [{ version: '1.0.0+1' }, { version: '1.1.0+1' }]);
    const definition = await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 10, backup: { capable: true } });
    const { result, secret, reported } = await runLearningSecret(world, recipe, '1.1.0+1', definition);
    assert.equal(result.verdict, 'green', JSON.stringify(result.rungs));
    assert.ok(secret, 'the app had its generated secret');
    assert.match(secret, /^[0-9a-f]{32}$/);
    const everything = [reported.join('\n'), await textOfFiles(result.runDir), JSON.stringify(result)].join('\n');
    assert.ok(!everything.includes(secret), 'no secret value in the run directory, results or reported lines');
    assert.match(await readFile(path.join(result.runDir, 'run.log'), 'utf8'), /app secret generate \S+ --all --no-input -> exit 0 .*\n.*output withheld/);
    await assertTornDown(world, result);
  });

  test('a slow starter abra would give up on: deployed with --no-converge-checks, the runner waits: green', async () => {
    // The double's stand-in for abra's converge monitor gives up after 0.5 s here; the app
    // needs 2 s. Without --no-converge-checks the install fails for a reason not the recipe's.
    process.env.FAKE_ABRA_CONVERGE_TIMEOUT_MS = '500';
    try {
      const recipe = await publishRecipe(world, 'slow', [
        { version: '1.0.0+a', fake: { startSeconds: 2 } },
        { version: '1.1.0+a', fake: { startSeconds: 2 } },
      ]);
      const definition = await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 20 });
      const result = await runOnTag(world, recipe, '1.1.0+a', definition);
      assert.equal(statusOf(result).install, 'pass', reasonOf(result, 'install'));
      assert.equal(statusOf(result).upgrade, 'pass', reasonOf(result, 'upgrade'));
      const log = await readFile(path.join(result.runDir, 'run.log'), 'utf8');
      assert.match(log, /abra app deploy \S+ 1\.0\.0\+a --no-converge-checks/);
      assert.match(log, /abra app upgrade \S+ 1\.1\.0\+a --no-converge-checks/);
      await assertTornDown(world, result);
    } finally {
      delete process.env.FAKE_ABRA_CONVERGE_TIMEOUT_MS;
    }
  });

  test('an upgrade is healthy when the new version runs, not while the old one still answers on its way out', async () => {
    // A swarm service update: the old task runs, is counted 1/1 and answers while it stops
    // (here 1.5 s), the labels already name the new version, and the new one needs 2 s.
    process.env.FAKE_LINGER_MS = '1500';
    try {
      const recipe = await publishRecipe(world, 'update', [{ version: '1.0.0+a' }, { version: '1.1.0+a', fake: { startSeconds: 2 } }]);
      const definition = await defineRecipe(world, recipe.name, {
        deployTimeoutSeconds: 20,
        notApplicable: [{ rung: 'backup', reason: 'not what this test is about' }],
        functional: [{ name: 'the new version answers', path: '/', status: 200, bodyContains: '1.1.0+a' }],
      });
      const result = await runOnTag(world, recipe, '1.1.0+a', definition);
      assert.equal(statusOf(result).upgrade, 'pass', reasonOf(result, 'upgrade'));
      assert.equal(statusOf(result).functional, 'pass', reasonOf(result, 'functional'));
      await assertTornDown(world, result);
    } finally {
      delete process.env.FAKE_LINGER_MS;
    }
  });

  test('backup create and restore run under a terminal: the backup rung passes', async () => {
    const recipe = await publishRecipe(world, 'bkp', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 10, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.equal(statusOf(result).backup, 'pass', reasonOf(result, 'backup'));
    const log = await readFile(path.join(result.runDir, 'run.log'), 'utf8');
    assert.match(log, /abra app backup create \S+ --no-input \(pty\) -> exit 0/);
    assert.match(log, /abra app restore \S+ --no-input \(pty\) -> exit 0/);
  });

  test('a domain whose stack name is over 45 characters: the run finds its volumes and leaves nothing behind', async () => {
    const long = sandboxConfig(world.sandbox, world.configRepo, { domain: 'a-rather-long-ci-subdomain.example.org' });
    const recipe = await publishRecipe(world, 'long', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 10, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition, { config: long });
    assert.ok(result.domain.replace(/\./g, '_').length > 45);
    assert.equal(stackName(result.domain).length, 45);
    assert.equal(result.verdict, 'green', JSON.stringify(result.rungs));
    assert.equal(statusOf(result).backup, 'pass', reasonOf(result, 'backup'));
    await assertTornDown(world, result);
  });
});

describe('stackName', () => {
  test("dots become underscores and the name is cut at 45 characters, as abra's", () => {
    assert.equal(stackName('warm-custom-html.ci.example.org'), 'warm-custom-html_ci_example_org');
    const long = 'warm-lasuite-drive.a-rather-long-ci-subdomain.example.org';
    assert.equal(stackName(long), long.replace(/\./g, '_').slice(0, 45));
    assert.equal(stackName(long).length, 45);
  });
});
