// The canonical sweep on the real engine: a new tag promoted at the tag's commit while
// main is ahead untagged, with a snapshot of the warm app's real volumes taken once its
// containers are gone; nothing new skipped; an untagged head not promoted; a red tag not
// promoted; `ccci run --quick` restoring the snapshot byte for byte after a red upgrade.
// canonical.json stays byte-identical wherever nothing was promoted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commitUntagged, releaseVersion } from '../../src/demo/fixtures.js';
import { stackContainers, stackName, stackServices, volumeMountpoint } from '../../src/effects/docker.js';
import { execProgram } from '../../src/effects/exec.js';
import { headCommit, resolveRef } from '../../src/effects/git.js';
import { canonicalPath, loadCanonical } from '../../src/registry/canonical.js';
import { snapshotDir } from '../../src/registry/snapshot.js';
import type { RunResult } from '../../src/run/result.js';
import type { SweepReport } from '../../src/sweep/report.js';
import { treeOf } from '../run/helpers.js';
import { createScenario, type Scenario } from '../sweep/scenario.js';
import { abraUnderTest, engineDocker, engineObjects, engineOptions, engineSkip } from './engine.js';

const skip = engineSkip('sweep');
const RECIPE = 'webapp';
const DOMAIN = 'sweep.test';

describe(`the sweep on the real engine (${abraUnderTest()})`, { skip, concurrency: false }, () => {
  let scenario: Scenario;
  let work: string;
  const warm = stackName(`warm-${RECIPE}.${DOMAIN}`);

  before(async () => {
    scenario = await createScenario({ domain: DOMAIN }, { engine: engineOptions() ?? undefined, domain: DOMAIN });
    work = await scenario.addRecipe(RECIPE, {
      version: '1.0.0+1',
      definition: { deployTimeoutSeconds: 60, backup: { capable: true } },
    });
  });
  after(async () => {
    // The canonical's warm volumes and secret are kept by design: give the engine back clean.
    for (const object of await engineObjects(warm)) {
      const [kind, name] = object.split(' ') as [string, string];
      if (kind === 'volume') await engineDocker(['volume', 'rm', name]);
      if (kind === 'secret') await engineDocker(['secret', 'rm', name]);
    }
    await scenario?.close();
  });

  const canonicalBytes = () => readFile(canonicalPath(scenario.config.stateDir, RECIPE), 'utf8');
  async function sweepReport(): Promise<SweepReport> {
    const outcome = await scenario.sweep();
    assert.equal(outcome.kind, 'done', outcome.lines.join('\n'));
    return outcome.kind === 'done' ? outcome.report : (undefined as never);
  }
  /** Nothing of any run's app is left on the engine: only the warm app's volumes and secret. */
  async function onlyTheWarmAppIsLeft(): Promise<void> {
    const left = (await engineObjects('')).filter((o) => o.includes(DOMAIN.replace(/\./g, '_')));
    assert.deepEqual(
      left.filter((o) => !/^(volume|secret) /.test(o) || !o.includes(warm)),
      [],
      'no stack, service, container, or run volume or secret left',
    );
    assert.deepEqual(await stackServices(warm), []);
    assert.deepEqual(await stackContainers(warm), []);
  }

  test('a new tag is promoted at the tag commit, main being ahead untagged; the snapshot holds the real volume', async () => {
    await commitUntagged(work, { version: '1.0.1+1' });
    await scenario.publish(RECIPE);
    const report = await sweepReport();
    const recipe = report.recipes[0];
    assert.equal(recipe?.outcome, 'promoted', JSON.stringify(recipe));
    assert.equal(recipe?.level, 5);
    const canonical = await loadCanonical(scenario.config.stateDir, RECIPE);
    assert.ok(canonical);
    assert.equal(canonical.version, '1.0.0+1');
    assert.equal(canonical.commit, await resolveRef(work, '1.0.0+1'));
    assert.notEqual(canonical.commit, await headCommit(work), 'the tag commit, not main');
    // The snapshot was taken from the real volume after the warm app's container had stopped:
    // its last words are in it.
    const archive = path.join(snapshotDir(scenario.config.stateDir, RECIPE, canonical.snapshot.id), 'volumes', 'content.tar');
    const log = await execProgram('tar', ['--extract', '--to-stdout', '--file', archive, './fake-app.log']);
    assert.equal(log.exitCode, 0, log.stderr);
    assert.equal(log.stdout, 'deployed 1.0.0+1\nstopped 1.0.0+1\n');
    await onlyTheWarmAppIsLeft();
  });

  test('nothing new: skip:no-new-version, canonical.json byte-identical', async () => {
    const before = await canonicalBytes();
    const report = await sweepReport();
    assert.equal(report.recipes[0]?.decision, 'skip:no-new-version');
    assert.equal(report.recipes[0]?.runId, null);
    assert.equal(await canonicalBytes(), before);
  });

  test('an untagged head is not promoted: canonical.json byte-identical', async () => {
    const before = await canonicalBytes();
    await commitUntagged(work, { version: '1.0.2+1' });
    await scenario.publish(RECIPE);
    const report = await sweepReport();
    assert.equal(report.recipes[0]?.decision, 'skip:no-new-version');
    assert.equal(await canonicalBytes(), before);
  });

  test('a red tag is not promoted: the upgrade from the canonical fails, exit 1, canonical.json byte-identical', async () => {
    const before = await canonicalBytes();
    await releaseVersion(work, '1.1.0+1', { health: 'fail' });
    await scenario.publish(RECIPE);
    const report = await sweepReport();
    const recipe = report.recipes[0];
    assert.equal(recipe?.outcome, 'red', JSON.stringify(recipe));
    assert.equal(recipe?.level, 1);
    assert.equal(report.exitCode, 1);
    assert.equal(await canonicalBytes(), before);
    const results = JSON.parse(
      await readFile(path.join(scenario.config.runsDir, recipe?.runId as string, 'results.json'), 'utf8'),
    ) as RunResult;
    assert.equal(results.base.version, '1.0.0+1', 'the upgrade starts from the canonical');
    assert.equal(results.rungs.find((r) => r.rung === 'upgrade')?.status, 'fail');
    await onlyTheWarmAppIsLeft();
  });

  test('ccci run --quick: a red upgrade from the canonical restores its snapshot into the warm volumes byte for byte', async () => {
    const canonical = await loadCanonical(scenario.config.stateDir, RECIPE);
    assert.ok(canonical);
    const before = await canonicalBytes();
    const run = await scenario.cli(['run', RECIPE, '--quick', '--tag', '1.1.0+1', '--json']);
    assert.equal(run.code, 1, run.stderr);
    const result = JSON.parse(run.stdout) as RunResult;
    assert.equal(result.mode, 'quick');
    assert.equal(result.rungs.find((r) => r.rung === 'install')?.status, 'pass', JSON.stringify(result.rungs));
    assert.equal(result.rungs.find((r) => r.rung === 'upgrade')?.status, 'fail');
    assert.ok(result.teardown.ok, result.teardown.problems.join('; '));
    // The warm volume is the snapshot again, file for file and byte for byte.
    const expected = await mkdtemp(path.join(os.tmpdir(), 'ccci-snapshot-'));
    const archive = path.join(snapshotDir(scenario.config.stateDir, RECIPE, canonical.snapshot.id), 'volumes', 'content.tar');
    assert.equal((await execProgram('tar', ['--extract', '--file', archive, '--directory', expected])).exitCode, 0);
    assert.deepEqual(await treeOf(await volumeMountpoint(`${warm}_content`)), await treeOf(expected));
    const record = JSON.parse(await canonicalBytes()) as { version: string; commit: string; promotedAt: string };
    const previous = JSON.parse(before) as typeof record;
    assert.deepEqual([record.version, record.commit, record.promotedAt], [previous.version, previous.commit, previous.promotedAt]);
    await onlyTheWarmAppIsLeft();
  });
});
