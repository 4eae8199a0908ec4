// The sweep end to end on the test doubles: real git repositories, the fake swarm, the
// fake ingress, the real run and the real promote.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commitUntagged, releaseVersion } from '../../src/demo/fixtures.js';
import { observeArgv } from '../../src/effects/exec.js';
import { headCommit } from '../../src/effects/git.js';
import { readAttempts } from '../../src/registry/attempts.js';
import { canonicalPath, loadCanonical } from '../../src/registry/canonical.js';
import { verifySnapshot } from '../../src/registry/snapshot.js';
import { createScenario, type Scenario } from './scenario.js';

function done(outcome: Awaited<ReturnType<Scenario['sweep']>>) {
  assert.equal(outcome.kind, 'done', `sweep was locked: ${JSON.stringify(outcome)}`);
  if (outcome.kind !== 'done') throw new Error('locked');
  return outcome.report;
}

function canonicalBytes(s: Scenario, recipe: string): Buffer {
  return readFileSync(canonicalPath(s.config.stateDir, recipe));
}

describe('sweep: promote path, then the no-promote paths', () => {
  let s: Scenario;
  let tagCommit = '';
  before(async () => {
    s = await createScenario({ metricsFile: null });
    const work = await s.addRecipe('custom-html', { version: '1.0.0+1.27.0' });
    tagCommit = await headCommit(work);
    // main moves ahead of the tag, untagged: the sweep must test and record the tag's commit.
    await commitUntagged(work, { version: '1.0.1+1.27.0' });
    await s.publish('custom-html');
  });
  after(async () => s.close());

  test('a new tag with main ahead of it is promoted at the tag commit', async () => {
    const report = done(await s.sweep());
    const recipe = report.recipes[0];
    assert.equal(recipe?.outcome, 'promoted', JSON.stringify(recipe));
    assert.equal(report.exitCode, 0);
    const canonical = await loadCanonical(s.config.stateDir, 'custom-html');
    assert.equal(canonical?.version, '1.0.0+1.27.0');
    assert.equal(canonical?.commit, tagCommit, 'the tag commit, not main head');
    assert.equal(canonical?.domain, 'warm-custom-html.ci.example.org');
    assert.equal(canonical?.promotedAt, canonical?.updatedAt);
    const snapshotId = canonical?.snapshot.id as string;
    const meta = await verifySnapshot(s.config.stateDir, 'custom-html', snapshotId);
    assert.equal(meta.version, '1.0.0+1.27.0');
    assert.ok(meta.volumes.length > 0);
    assert.equal(readlinkSync(path.join(s.config.stateDir, 'custom-html', 'snapshot')), path.join('snapshots', snapshotId));
    assert.ok(report.recipes[0]?.runId);
    const reportFile = path.join(s.config.stateDir, 'sweeps', `${report.sweepId}.json`);
    assert.ok(existsSync(reportFile));
  });

  test('nothing new: skip:no-new-version, canonical byte-identical, exit 0', async () => {
    const before = canonicalBytes(s, 'custom-html');
    const report = done(await s.sweep());
    assert.equal(report.recipes[0]?.decision, 'skip:no-new-version');
    assert.equal(report.exitCode, 0);
    assert.deepEqual(canonicalBytes(s, 'custom-html'), before);
  });

  test('a no-op night lists upstream through one batch: the runner starts no git ls-remote itself', async () => {
    const argvs: string[][] = [];
    const stop = observeArgv((argv) => argvs.push([...argv]));
    let report;
    try {
      report = done(await s.sweep());
    } finally {
      stop();
    }
    assert.equal(report.recipes[0]?.decision, 'skip:no-new-version');
    const listings = argvs.filter((argv) => argv.includes('ls-remote'));
    assert.equal(listings.length, 1, JSON.stringify(listings));
    assert.equal(listings[0]?.[0], 'bash', 'the listing was started by the batch');
    assert.ok(listings[0]?.at(-1)?.endsWith('/custom-html.git'));
    assert.ok(!argvs.some((argv) => argv[0] === 'git' && argv.includes('ls-remote')));
  });

  test('an untagged head only: no promote, canonical byte-identical, exit 0', async () => {
    const before = canonicalBytes(s, 'custom-html');
    await commitUntagged(s.work['custom-html'] as string, { version: '1.1.0+1.28.0' });
    await s.publish('custom-html');
    const report = done(await s.sweep());
    assert.equal(report.recipes[0]?.decision, 'skip:no-new-version');
    assert.equal(report.recipes[0]?.promoted, false);
    assert.equal(report.exitCode, 0);
    assert.deepEqual(canonicalBytes(s, 'custom-html'), before);
  });

  test('a red tag is not promoted (exit 1), then skip:known-red, and --retry-red runs it again', async () => {
    const before = canonicalBytes(s, 'custom-html');
    await releaseVersion(s.work['custom-html'] as string, '1.1.0+1.28.0', { http: 500 });
    await s.publish('custom-html');
    const red = done(await s.sweep());
    assert.equal(red.recipes[0]?.outcome, 'red', JSON.stringify(red.recipes[0]));
    assert.equal(red.exitCode, 1);
    assert.deepEqual(canonicalBytes(s, 'custom-html'), before);

    const again = done(await s.sweep());
    assert.equal(again.recipes[0]?.decision, 'skip:known-red');
    assert.equal(again.exitCode, 0);
    assert.deepEqual(canonicalBytes(s, 'custom-html'), before);

    const retried = done(await s.sweep({ retryRed: true }));
    assert.equal(retried.recipes[0]?.decision, 'run');
    assert.equal(retried.recipes[0]?.outcome, 'red');
    assert.deepEqual(canonicalBytes(s, 'custom-html'), before);
    const { attempts } = await readAttempts(s.config.stateDir, 'custom-html');
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      // promoted; skipped three times (nothing new, the batched listing, the untagged head); red;
      // skip:known-red; red again on --retry-red.
      ['promoted', 'skipped', 'skipped', 'skipped', 'red', 'skipped', 'red'],
    );
  });

  test('a new green tag is promoted, upgrading from the canonical (never a same-version step-back)', async () => {
    const work = s.work['custom-html'] as string;
    const commit = await releaseVersion(work, '1.2.0+1.29.0');
    await s.publish('custom-html');
    const report = done(await s.sweep());
    assert.equal(report.recipes[0]?.outcome, 'promoted', JSON.stringify(report.recipes[0]));
    const canonical = await loadCanonical(s.config.stateDir, 'custom-html');
    assert.equal(canonical?.version, '1.2.0+1.29.0');
    assert.equal(canonical?.commit, commit);
    const results = JSON.parse(
      readFileSync(path.join(s.config.runsDir, report.recipes[0]?.runId as string, 'results.json'), 'utf8'),
    ) as { base: { version: string | null; rule: string } };
    assert.deepEqual({ version: results.base.version, rule: results.base.rule }, { version: '1.0.0+1.27.0', rule: 'canonical' });
  });
});

describe('sweep: skips and errors', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('never-tagged');
    await s.addRecipe('broken-registry', { version: '1.0.0+1.0' });
    await s.addRecipe('fine', { version: '1.0.0+1.0' });
  });
  after(async () => s.close());

  test('no tags: skip:never-released; invalid canonical.json: error:registry, file untouched, others proceed, exit 1', async () => {
    const file = canonicalPath(s.config.stateDir, 'broken-registry');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"schema": 1, "version": ');
    const report = done(await s.sweep());
    const by = Object.fromEntries(report.recipes.map((r) => [r.recipe, r]));
    assert.equal(by['never-tagged']?.decision, 'skip:never-released');
    assert.equal(by['broken-registry']?.decision, 'error:registry');
    assert.equal(by['broken-registry']?.outcome, 'error');
    assert.equal(by['fine']?.outcome, 'promoted');
    assert.equal(report.exitCode, 1);
    assert.equal(readFileSync(file, 'utf8'), '{"schema": 1, "version": ');
  });

  test('dry run: reports what it would do and changes nothing', async () => {
    await releaseVersion(s.work['fine'] as string, '1.1.0+1.0');
    await s.publish('fine');
    const before = canonicalBytes(s, 'fine');
    const report = done(await s.sweep({ dryRun: true, recipes: ['fine'] }));
    assert.equal(report.recipes[0]?.outcome, 'would-run');
    assert.deepEqual(canonicalBytes(s, 'fine'), before);
    assert.equal(existsSync(path.join(s.config.stateDir, 'sweeps', `${report.sweepId}.json`)), false);
  });
});
