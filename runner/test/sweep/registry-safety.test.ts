// A record never deletes data, and never sends a deployment anywhere it should not go:
// a canonical.json that names a missing, hostile or inconsistent snapshot, another
// configuration's domain, or a prerelease the recipe does not allow is error:registry,
// and nothing of the recipe is pruned, deployed or restored until a person fixes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../src/config/errors.js';
import { loadRecipeDefinition } from '../../src/config/recipe-definition.js';
import { canonicalPath, loadCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { snapshotDir, snapshotsDir, verifySnapshot } from '../../src/registry/snapshot.js';
import { runRecipeCi } from '../../src/run/run.js';
import { createScenario, type Scenario } from './scenario.js';

const RECIPE = 'custom-html';

describe('a canonical record that must not be trusted', () => {
  let s: Scenario;
  let good: Buffer;
  let record: CanonicalRecord;
  let file: string;
  before(async () => {
    s = await createScenario();
    await s.addRecipe(RECIPE, { version: '1.0.0+1.0' });
    const first = await s.sweep();
    assert.equal(first.kind === 'done' && first.report.recipes[0]?.outcome, 'promoted');
    file = canonicalPath(s.config.stateDir, RECIPE);
    good = readFileSync(file);
    record = JSON.parse(good.toString()) as CanonicalRecord;
  });
  after(async () => s.close());

  /** Sweeps with canonical.json edited; checks error:registry, then puts the good record back. */
  async function sweepWith(
    edit: (r: CanonicalRecord) => CanonicalRecord,
    problem: RegExp,
    damage: { setup?: () => void; restore?: () => void } = {},
  ): Promise<void> {
    const edited = `${JSON.stringify(edit(structuredClone(record)), null, 2)}\n`;
    writeFileSync(file, edited);
    // A directory no record names: a trusted record would have it pruned.
    const stray = path.join(snapshotsDir(s.config.stateDir, RECIPE), 'stray-from-a-crash');
    mkdirSync(stray, { recursive: true });
    damage.setup?.();
    const snapshotsBefore = readdirSync(snapshotsDir(s.config.stateDir, RECIPE)).sort();
    try {
      const outcome = await s.sweep();
      assert.equal(outcome.kind, 'done');
      if (outcome.kind !== 'done') return;
      const r = outcome.report.recipes[0];
      assert.equal(r?.decision, 'error:registry', JSON.stringify(r));
      assert.equal(r?.outcome, 'error');
      assert.match(r?.error ?? '', problem);
      assert.match(r?.error ?? '', /canonical\.json/);
      assert.equal(outcome.report.exitCode, 1);
      assert.equal(readFileSync(file, 'utf8'), edited, 'the record is left as it is');
      assert.deepEqual(readdirSync(snapshotsDir(s.config.stateDir, RECIPE)).sort(), snapshotsBefore, 'nothing pruned');
      assert.ok(existsSync(stray));
    } finally {
      writeFileSync(file, good);
      rmSync(stray, { recursive: true, force: true });
      damage.restore?.();
    }
    await verifySnapshot(s.config.stateDir, RECIPE, record.snapshot.id);
  }

  test('a snapshot id naming no snapshot: error:registry, the real snapshot and every other directory kept', async () => {
    await sweepWith((r) => ({ ...r, snapshot: { ...r.snapshot, id: 'no-such-snapshot' } }), /snapshot no-such-snapshot .* is missing/);
  });

  for (const id of ['.', '..']) {
    test(`snapshot id ${JSON.stringify(id)}: invalid, nothing deleted`, async () => {
      await sweepWith((r) => ({ ...r, snapshot: { ...r.snapshot, id } }), /snapshot\.id: a snapshot directory name/);
    });
  }

  test('an archive cut short: error:registry naming it, no hashing needed', async () => {
    const archive = path.join(snapshotDir(s.config.stateDir, RECIPE, record.snapshot.id), 'volumes', 'content.tar');
    const whole = readFileSync(archive);
    await sweepWith((r) => r, /content\.tar has 100 bytes/, {
      setup: () => truncateSync(archive, 100),
      restore: () => writeFileSync(archive, whole),
    });
  });

  test("another configuration's domain: error:registry naming both domains", async () => {
    await sweepWith(
      (r) => ({ ...r, domain: 'warm-custom-html.old.example.net' }),
      /domain warm-custom-html\.old\.example\.net is not warm-custom-html\.ci\.example\.org/,
    );
  });

  test('a prerelease canonical of a recipe that does not allow prereleases: error:registry', async () => {
    const meta = path.join(snapshotDir(s.config.stateDir, RECIPE, record.snapshot.id), 'meta.json');
    const metaBefore = readFileSync(meta);
    // meta.json agrees with the record, so the prerelease is what is wrong.
    await sweepWith((r) => ({ ...r, version: '2.0.0-rc.1+1.0' }), /version 2\.0\.0-rc\.1\+1\.0 is a prerelease and the recipe does not allow prereleases/, {
      setup: () => writeFileSync(meta, metaBefore.toString().replace('"1.0.0+1.0"', '"2.0.0-rc.1+1.0"')),
      restore: () => writeFileSync(meta, metaBefore),
    });
  });

  test('a quick run never deploys to or restores into a domain other than the warm one', async () => {
    const foreign = { ...record, domain: 'warm-custom-html.victim.example.net' };
    const definition = await loadRecipeDefinition(s.config.repo, RECIPE);
    const runsBefore = readdirSync(s.config.runsDir).sort();
    const log = path.join(s.sandbox.fakeSwarmDir, 'log.jsonl');
    const calls = readFileSync(log, 'utf8').split('\n').length;
    await assert.rejects(
      runRecipeCi({
        config: s.config,
        recipe: RECIPE,
        definition,
        source: { kind: 'git', url: s.upstream(RECIPE), ref: '1.0.0+1.0' },
        mode: 'quick',
        prRef: null,
        canonical: foreign,
        tags: [],
      }),
      (error: unknown) => error instanceof InputError && /victim\.example\.net is not warm-custom-html\.ci\.example\.org/.test(error.message),
    );
    assert.deepEqual(readdirSync(s.config.runsDir).sort(), runsBefore, 'no run started');
    assert.equal(readFileSync(log, 'utf8').split('\n').length, calls, 'no abra or docker call');

    writeFileSync(file, `${JSON.stringify(foreign, null, 2)}\n`);
    try {
      const cli = await s.cli(['run', RECIPE, '--quick']);
      assert.equal(cli.code, 2, cli.stderr);
      assert.match(cli.stderr, /domain warm-custom-html\.victim\.example\.net is not warm-custom-html\.ci\.example\.org/);
      assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(readFileSync(log, 'utf8').split('\n').length, calls, 'no abra or docker call');
    } finally {
      writeFileSync(file, good);
    }
    assert.equal((await loadCanonical(s.config.stateDir, RECIPE))?.domain, 'warm-custom-html.ci.example.org');
  });
});
