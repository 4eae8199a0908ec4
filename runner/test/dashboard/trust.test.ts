// The dashboard shows a canonical as the sweep reads it (readTrustedCanonical): a record
// whose snapshot is missing, or whose archives are not what meta.json records, is an
// invalid record with the reason, in the input, on the pages and on the badge; never a
// green canonical.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { writeDashboard } from '../../src/dashboard/dashboard.js';
import { gatherDashboardState } from '../../src/dashboard/read-state.js';
import { writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { readTrustedCanonical } from '../../src/registry/record-check.js';
import { snapshotDir } from '../../src/registry/snapshot.js';
import { writeSnapshotFixture } from '../registry/snapshot-fixture.js';
import { tempDir } from '../support/temp-dirs.js';
import { COMMIT, configUnder } from './inputs.js';

const now = new Date('2026-11-30T12:00:00.000Z');

function record(recipe: string): CanonicalRecord {
  return {
    schema: 1,
    recipe,
    domain: `warm-${recipe}.ci.example.org`,
    version: '1.0.0+1',
    commit: COMMIT,
    status: 'idle',
    promotedAt: '2026-11-20T02:00:00.000Z',
    updatedAt: '2026-11-20T02:00:00.000Z',
    runId: `20261120T020000Z-${recipe}-aaaaaa`,
    level: 5,
    snapshot: { id: `snap-${recipe}`, volumes: ['content'], bytes: 2048 },
  };
}

describe('the dashboard and an untrusted canonical', () => {
  let config: Config;
  let out: string;
  before(async () => {
    const root = tempDir('ccci-dash-trust-');
    config = configUnder(root, { recipes: { trusted: {}, gone: {}, grown: {} } });
    out = path.join(root, 'dashboard');
    for (const recipe of Object.keys(config.recipes)) {
      writeSnapshotFixture(config.stateDir, record(recipe));
      await writeCanonical(config.stateDir, record(recipe));
    }
    rmSync(snapshotDir(config.stateDir, 'gone', 'snap-gone'), { recursive: true });
    appendFileSync(path.join(snapshotDir(config.stateDir, 'grown', 'snap-grown'), 'volumes', 'content.tar'), 'x');
    await writeDashboard(config, out, { now });
  });

  test('the input holds what the sweep reads, recipe by recipe', async () => {
    const { input } = await gatherDashboardState(config, { now, nights: 90 });
    for (const r of input.recipes) {
      const sweep = await readTrustedCanonical(config.stateDir, r.recipe, config.domain);
      assert.equal(r.canonical.state, sweep.state, r.recipe);
      if (sweep.state === 'invalid') assert.deepEqual(r.canonical, sweep, r.recipe);
    }
    const by = Object.fromEntries(input.recipes.map((r) => [r.recipe, r.canonical]));
    assert.equal(by.trusted?.state, 'present');
    assert.match(by.gone?.state === 'invalid' ? by.gone.problem : '', /snapshot snap-gone .* is missing or has no meta\.json/);
    assert.match(by.grown?.state === 'invalid' ? by.grown.problem : '', /content\.tar has 2049 bytes, meta\.json says 2048/);
  });

  test('a trusted canonical: in full on its page, a green badge', () => {
    const page = readFileSync(path.join(out, 'recipes', 'trusted.html'), 'utf8');
    assert.match(page, /<dt>version<\/dt><dd><b>1\.0\.0\+1<\/b><\/dd>/);
    assert.doesNotMatch(page, /Invalid record/);
    const badge = readFileSync(path.join(out, 'badges', 'trusted.svg'), 'utf8');
    assert.match(badge, /1\.0\.0\+1/);
  });

  test('a missing snapshot or an archive of another size: an invalid record with the reason, on the page, the index and the badge', () => {
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const [recipe, reason] of [
      ['gone', /snapshot snap-gone \(\S+\) is missing or has no meta\.json/],
      ['grown', /content\.tar has 2049 bytes, meta\.json says 2048/],
    ] as const) {
      const page = readFileSync(path.join(out, 'recipes', `${recipe}.html`), 'utf8');
      assert.match(page, /<b>Invalid record<\/b>, left as it is \(the sweep refuses to touch it\): <span class="reason">[^<]*canonical\.json: /, recipe);
      assert.match(page, reason, recipe);
      assert.doesNotMatch(page, /<dt>version<\/dt>/, `${recipe}: nothing of it shown as the canonical`);
      const badge = readFileSync(path.join(out, 'badges', `${recipe}.svg`), 'utf8');
      assert.match(badge, /invalid record/, recipe);
      assert.doesNotMatch(badge, /1\.0\.0\+1/, recipe);
      assert.match(index, reason, `${recipe}: the index names it among what needs a look`);
    }
  });
});
