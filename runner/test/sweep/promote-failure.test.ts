// A promote that fails at any step leaves the previous canonical and its snapshot exactly
// as they were, and is reported as promote-failed (exit 1), never as success.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { releaseVersion } from '../../src/demo/fixtures.js';
import { deployedVersion, stackName } from '../../src/effects/docker.js';
import { canonicalPath, loadCanonical } from '../../src/registry/canonical.js';
import { snapshotsDir, verifySnapshot } from '../../src/registry/snapshot.js';
import { defaultSweepEffects } from '../../src/sweep/default-effects.js';
import { promote, type PromoteStep } from '../../src/sweep/promote.js';
import { lockDomain } from '../../src/run/domain-lock.js';
import { createScenario, type Scenario } from './scenario.js';

describe('promote failing at each step', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
    const first = await s.sweep();
    assert.equal(first.kind === 'done' && first.report.recipes[0]?.outcome, 'promoted');
    await releaseVersion(s.work['custom-html'] as string, '1.1.0+1.0');
    await s.publish('custom-html');
  });
  after(async () => s.close());

  const steps: PromoteStep[] = ['prepare', 'deploy', 'health', 'undeploy', 'snapshot', 'record'];
  for (const failing of steps) {
    test(`failing at ${failing}`, async () => {
      const recordBefore = readFileSync(canonicalPath(s.config.stateDir, 'custom-html'));
      const previous = await loadCanonical(s.config.stateDir, 'custom-html');
      const snapshotsBefore = readdirSync(snapshotsDir(s.config.stateDir, 'custom-html')).sort();
      const effects = {
        ...defaultSweepEffects(),
        promote: (request: Parameters<typeof promote>[0]) =>
          promote(request, (step) => {
            if (step === failing) throw new Error(`injected failure at ${step}`);
          }),
      };
      // --retry-red is not needed: a failed promote is not a red run; the tag is run again.
      const outcome = await s.sweep({ effects });
      assert.equal(outcome.kind, 'done');
      if (outcome.kind !== 'done') return;
      const recipe = outcome.report.recipes[0];
      assert.equal(recipe?.outcome, 'promote-failed', JSON.stringify(recipe));
      assert.match(recipe?.error ?? '', new RegExp(`${failing}: injected failure`));
      assert.equal(recipe?.promoted, false);
      assert.deepEqual(recipe?.canonicalAfter, { version: '1.0.0+1.0', commit: previous?.commit });
      assert.equal(outcome.report.exitCode, 1);
      assert.deepEqual(readFileSync(canonicalPath(s.config.stateDir, 'custom-html')), recordBefore);
      assert.deepEqual(readdirSync(snapshotsDir(s.config.stateDir, 'custom-html')).sort(), snapshotsBefore);
      await verifySnapshot(s.config.stateDir, 'custom-html', previous?.snapshot.id as string);
      assert.equal(await deployedVersion(stackName('warm-custom-html.ci.example.org')), null, 'the warm app is left undeployed');
      assert.equal(readdirSync(s.config.runsDir).some((d) => d.endsWith('-promote')), false, 'the promote work dir is gone');
    });
  }

  test('after all those failures, the promote goes through', async () => {
    const outcome = await s.sweep();
    assert.equal(outcome.kind === 'done' && outcome.report.recipes[0]?.outcome, 'promoted');
    const canonical = await loadCanonical(s.config.stateDir, 'custom-html');
    assert.equal(canonical?.version, '1.1.0+1.0');
    assert.deepEqual(readdirSync(snapshotsDir(s.config.stateDir, 'custom-html')), [canonical?.snapshot.id]);
    assert.equal(path.basename(snapshotsDir(s.config.stateDir, 'custom-html')), 'snapshots');
  });
});

describe('promote and the warm domain lock', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
  });
  after(async () => s.close());

  test('a quick run holding the warm domain makes the promote fail loudly, not wait or clash', async () => {
    const held = await lockDomain(s.config.runsDir, 'warm-custom-html.ci.example.org', 'quick run in a test');
    try {
      const outcome = await s.sweep();
      assert.equal(outcome.kind, 'done');
      if (outcome.kind !== 'done') return;
      assert.equal(outcome.report.recipes[0]?.outcome, 'promote-failed');
      assert.match(outcome.report.recipes[0]?.error ?? '', /prepare: app domain warm-custom-html\.ci\.example\.org is in use by .*quick run in a test/);
      assert.equal(await loadCanonical(s.config.stateDir, 'custom-html'), null);
    } finally {
      await held.release();
    }
    const retried = await s.sweep();
    assert.equal(retried.kind === 'done' && retried.report.recipes[0]?.outcome, 'promoted');
  });
});

describe('the gate in the sweep', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
  });
  after(async () => s.close());

  test('a green run whose tested commit is not the tag commit is not promoted (exit 1)', async () => {
    const effects = defaultSweepEffects();
    const outcome = await s.sweep({
      effects: {
        ...effects,
        // As if the tag had moved upstream while the run was staging it.
        runRecipeCi: async (request) => ({ ...(await effects.runRecipeCi(request)), commit: 'f'.repeat(40) }),
      },
    });
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    const recipe = outcome.report.recipes[0];
    assert.equal(recipe?.verdict, 'green');
    assert.equal(recipe?.outcome, 'not-promoted');
    assert.match(recipe?.reason ?? '', /1\.0\.0\+1\.0/);
    assert.equal(outcome.report.exitCode, 1);
    assert.equal(await loadCanonical(s.config.stateDir, 'custom-html'), null);
  });
});
