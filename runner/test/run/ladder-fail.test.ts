// Runs where a rung fails or cannot be verified: the later deployment rungs are not run
// (unver), lint still runs, teardown always happens, level and verdict per DESIGN.md.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertTornDown, createWorld, defineRecipe, publishRecipe, reasonOf, runOnTag, statusOf, type World } from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('run-fail');
});
after(async () => world.stop());

const FAST = { deployTimeoutSeconds: 2, httpTimeoutSeconds: 2 };

describe('install', () => {
  test('fail: the base deploy fails; everything after is unver, lint runs: level 0, red', async () => {
    const recipe = await publishRecipe(world, 'badbase', [{ version: '1.0.0+a', fake: { deploy: 'fail' } }, { version: '1.1.0+a' }]);
    // A long deadline: failing tasks must fail the install at once (three new ones, a few
    // polls), and with 2 s a loaded machine's slow polls reached the deadline first.
    const definition = await defineRecipe(world, recipe.name, { ...FAST, deployTimeoutSeconds: 60, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.deepEqual(statusOf(result), { install: 'fail', upgrade: 'unver', backup: 'unver', functional: 'unver', lint: 'pass' });
    assert.match(reasonOf(result, 'install'), /keeps failing: \d+ tasks failed \(task: non-zero exit \(1\)\)/);
    assert.match(reasonOf(result, 'upgrade'), /not run: install failed/);
    assert.equal(result.level, 0);
    assert.equal(result.verdict, 'red');
    await assertTornDown(world, result);
  });

  test('fail: deployed but never healthy', async () => {
    const recipe = await publishRecipe(world, 'sick', [{ version: '1.0.0+a', fake: { health: 'fail' } }]);
    const definition = await defineRecipe(world, recipe.name, FAST);
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.equal(statusOf(result).install, 'fail');
    assert.match(reasonOf(result, 'install'), /not healthy: did not converge within 2 s/);
    assert.equal(result.level, 0);
    assert.equal(result.verdict, 'red');
    await assertTornDown(world, result);
  });

  test('fail: the generic check (GET / answers 500)', async () => {
    const recipe = await publishRecipe(world, 'err', [{ version: '1.0.0+a', fake: { http: 500 } }]);
    const definition = await defineRecipe(world, recipe.name, { ...FAST, readyProbe: { http: { path: '/', statuses: [500] } } });
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.equal(statusOf(result).install, 'fail');
    assert.match(reasonOf(result, 'install'), /GET \/ .* answered 500, expected 200, 301 or 302/);
    await assertTornDown(world, result);
  });

  test('unver: abra missing from PATH is an infrastructure error, not a recipe failure', async () => {
    const recipe = await publishRecipe(world, 'noabra', [{ version: '1.0.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, FAST);
    const saved = process.env.PATH;
    // git must stay reachable; abra and docker must not.
    process.env.PATH = '/usr/bin:/bin';
    try {
      const result = await runOnTag(world, recipe, '1.0.0+a', definition);
      assert.equal(statusOf(result).install, 'unver');
      assert.match(reasonOf(result, 'install'), /abra is not on PATH/);
      assert.equal(statusOf(result).lint, 'unver');
      assert.equal(result.verdict, 'red');
      assert.equal(result.teardown.ok, false, 'teardown could not reach docker either, and says so');
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('install skip', () => {
  test('notApplicable install: skip, nothing deployed, the rest unver: red (install must pass)', async () => {
    const recipe = await publishRecipe(world, 'noinst', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, {
      ...FAST,
      backup: { capable: true },
      notApplicable: [{ rung: 'install', reason: 'needs hardware the CI lacks' }],
    });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.deepEqual(statusOf(result), { install: 'skip', upgrade: 'unver', backup: 'unver', functional: 'unver', lint: 'pass' });
    assert.match(reasonOf(result, 'upgrade'), /nothing is deployed/);
    assert.equal(result.level, 1);
    assert.equal(result.verdict, 'red');
    assert.match(result.verdictReason, /install skip/);
    await assertTornDown(world, result);
  });
});

describe('upgrade', () => {
  test('fail: head never gets healthy after the upgrade: level 1, red', async () => {
    const recipe = await publishRecipe(world, 'upfail', [{ version: '1.0.0+a' }, { version: '1.1.0+a', fake: { health: 'fail' } }]);
    const definition = await defineRecipe(world, recipe.name, { ...FAST, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'fail', backup: 'unver', functional: 'unver', lint: 'pass' });
    assert.equal(result.level, 1);
    assert.equal(result.verdict, 'red');
    await assertTornDown(world, result);
  });

  test('unver: a pin that is not a published release', async () => {
    const recipe = await publishRecipe(world, 'badpin', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { ...FAST, upgradeBase: '0.9.0+a' });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.equal(result.base.rule, 'invalid-pin');
    assert.equal(statusOf(result).install, 'pass', 'no base: install deploys head');
    assert.equal(statusOf(result).upgrade, 'unver');
    assert.match(reasonOf(result, 'upgrade'), /no usable upgrade base/);
    assert.equal(result.level, 1);
    assert.equal(result.verdict, 'red');
    await assertTornDown(world, result);
  });

  test('skip (notApplicable) still lets the ladder climb', async () => {
    const recipe = await publishRecipe(world, 'upna', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }], { backupCapable: false });
    const definition = await defineRecipe(world, recipe.name, { ...FAST, notApplicable: [{ rung: 'upgrade', reason: 'no migrations' }] });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'skip', backup: 'skip', functional: 'skip', lint: 'pass' });
    assert.equal(result.level, 5);
    assert.equal(result.verdict, 'green');
    await assertTornDown(world, result);
  });
});

describe('backup', () => {
  test('fail: a restore that brings back other data: level 2, red, functional unver', async () => {
    const recipe = await publishRecipe(world, 'corrupt', [{ version: '1.0.0+a' }, { version: '1.1.0+a', fake: { restore: 'corrupt' } }]);
    const definition = await defineRecipe(world, recipe.name, { ...FAST, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'pass', backup: 'fail', functional: 'unver', lint: 'pass' });
    assert.match(reasonOf(result, 'backup'), /restore did not bring back the data written before the backup/);
    assert.equal(result.level, 2);
    assert.equal(result.verdict, 'red');
    await assertTornDown(world, result);
  });

  test('fail: backup create fails', async () => {
    const recipe = await publishRecipe(world, 'nobak', [{ version: '1.0.0+a', fake: { backup: 'fail' } }]);
    const definition = await defineRecipe(world, recipe.name, { ...FAST, backup: { capable: true } });
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.equal(statusOf(result).backup, 'fail');
    assert.match(reasonOf(result, 'backup'), /backup failed/);
    await assertTornDown(world, result);
  });

  test('pass with backup.verify at a container path; unver when that path is on no volume', async () => {
    const recipe = await publishRecipe(world, 'verify', [{ version: '1.0.0+a' }], { volumes: ['content', 'db'] });
    const good = await defineRecipe(world, recipe.name, { ...FAST, backup: { capable: true, verify: { service: 'app', path: '/data/db/ci' } } });
    const passed = await runOnTag(world, recipe, '1.0.0+a', good);
    assert.equal(statusOf(passed).backup, 'pass', reasonOf(passed, 'backup'));
    assert.match(reasonOf(passed, 'backup'), /1 place/);
    await assertTornDown(world, passed);
    const bad = await defineRecipe(world, recipe.name, { ...FAST, backup: { capable: true, verify: { path: '/srv/elsewhere' } } });
    const unverified = await runOnTag(world, recipe, '1.0.0+a', bad);
    assert.equal(statusOf(unverified).backup, 'unver');
    assert.match(reasonOf(unverified, 'backup'), /not on a named volume/);
    assert.equal(unverified.level, 2);
    assert.equal(unverified.verdict, 'red');
    await assertTornDown(world, unverified);
  });
});

describe('functional and lint', () => {
  test('functional fail: a check whose body does not match: level 3, red', async () => {
    const recipe = await publishRecipe(world, 'func', [{ version: '1.0.0+a' }], { backupCapable: false });
    const definition = await defineRecipe(world, recipe.name, {
      ...FAST,
      functional: [{ path: '/', bodyContains: 'welcome to a different app' }],
    });
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'skip', backup: 'skip', functional: 'fail', lint: 'pass' });
    assert.match(reasonOf(result, 'functional'), /body does not contain/);
    assert.equal(result.level, 3);
    assert.equal(result.verdict, 'red');
    await assertTornDown(world, result);
  });

  test('lint fail is advisory: level 4, still green; failing ids from the table', async () => {
    const recipe = await publishRecipe(world, 'lint', [{ version: '1.0.0+a', fake: { lint: ['R014', 'R006'] } }], { backupCapable: false });
    const definition = await defineRecipe(world, recipe.name, FAST);
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.equal(statusOf(result).lint, 'fail');
    assert.equal(reasonOf(result, 'lint'), 'lint rules not satisfied: R006, R014');
    assert.equal(result.level, 4);
    assert.equal(result.verdict, 'green');
    await assertTornDown(world, result);
  });

  test('lint skip (notApplicable): level 5', async () => {
    const recipe = await publishRecipe(world, 'lintna', [{ version: '1.0.0+a', fake: { lint: ['R014'] } }], { backupCapable: false });
    const definition = await defineRecipe(world, recipe.name, { ...FAST, notApplicable: [{ rung: 'lint', reason: 'upstream layout' }] });
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.equal(statusOf(result).lint, 'skip');
    assert.equal(result.level, 5);
    await assertTornDown(world, result);
  });
});
