import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { appendAttempt } from '../../src/registry/attempts.js';
import { writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { snapshotDir } from '../../src/registry/snapshot.js';
import { renderMetrics, writeMetrics } from '../../src/sweep/metrics.js';
import type { SweepReport } from '../../src/sweep/report.js';
import { writeSnapshotFixture } from '../registry/snapshot-fixture.js';
import { tempDir } from '../support/temp-dirs.js';

const report: SweepReport = {
  schema: 1,
  sweepId: 's2',
  startedAt: '2026-11-26T02:00:00.000Z',
  finishedAt: '2026-11-26T02:10:00.000Z',
  durationMs: 600_000,
  dryRun: false,
  retryRed: false,
  enrolled: ['ghost'],
  result: 'failed',
  exitCode: 1,
  recipes: [],
};

test('metrics cover every enrolled recipe, swept tonight or not', async () => {
  const stateDir = tempDir('ccci-metrics-');
  const config = { ...loadConfig({ env: {} }), stateDir, recipes: { 'custom-html': {}, ghost: {}, gitea: {} } };
  const canonical: CanonicalRecord = {
    schema: 1,
    recipe: 'custom-html',
    domain: 'warm-custom-html.ci.example.org',
    version: '1.7.1+1.27.2',
    commit: 'a'.repeat(40),
    status: 'idle',
    promotedAt: '2026-11-25T02:00:00.000Z',
    updatedAt: '2026-11-25T02:00:00.000Z',
    runId: 'r1',
    level: 5,
    snapshot: { id: 'r1', volumes: ['content'], bytes: 1 },
  };
  writeSnapshotFixture(stateDir, canonical);
  await writeCanonical(stateDir, canonical);
  const attempt = { at: 'x', sweepId: 's', decision: 'run', tag: null, commit: null, runId: null, verdict: null, level: null, promoted: false, durationMs: 1 };
  await appendAttempt(stateDir, { ...attempt, recipe: 'custom-html', outcome: 'promoted' });
  await appendAttempt(stateDir, { ...attempt, recipe: 'ghost', outcome: 'red' });
  const file = path.join(stateDir, 'metrics', 'ccci.prom');
  await writeMetrics(config, file, report);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^ccci_canonical_info\{recipe="custom-html",version="1\.7\.1\+1\.27\.2"\} 1$/m);
  assert.match(text, /^ccci_recipe_has_canonical\{recipe="gitea"\} 0$/m);
  assert.match(text, /^ccci_recipe_last_outcome\{recipe="custom-html",outcome="promoted"\} 1$/m);
  assert.match(text, /^ccci_recipe_last_outcome\{recipe="ghost",outcome="red"\} 1$/m);
  assert.match(text, /^ccci_recipe_last_outcome\{recipe="ghost",outcome="promoted"\} 0$/m);
  assert.doesNotMatch(text, /recipe="gitea",outcome=/, 'a recipe never swept has no outcome series');
  assert.match(text, /^ccci_sweep_last_success 0$/m);
  assert.match(text, /^ccci_sweep_last_run_timestamp_seconds 1795659000$/m);
});

test('label values are escaped', () => {
  const text = renderMetrics(report, new Map([['x', { canonicalVersion: 'a"b\\c', canonicalInvalid: false, lastOutcome: null }]]));
  assert.match(text, /version="a\\"b\\\\c"/);
});

test('the metrics file is 0644 under the units UMask=0077, so node_exporter can read it', async () => {
  const stateDir = tempDir('ccci-metrics-umask-');
  const config = { ...loadConfig({ env: {} }), stateDir, recipes: { ghost: {} } };
  const file = path.join(stateDir, 'textfile', 'cc-ci.prom');
  const previous = process.umask(0o077);
  try {
    await writeMetrics(config, file, report);
    // A second write replaces the file: the new one must be 0644 too, not inherit anything.
    await writeMetrics(config, file, report);
  } finally {
    process.umask(previous);
  }
  assert.equal(statSync(file).mode & 0o777, 0o644);
  assert.match(readFileSync(file, 'utf8'), /^ccci_recipe_has_canonical\{recipe="ghost"\} 0$/m);
});

test('a canonical the sweep refuses (its snapshot missing, an archive not what meta.json records) is no canonical in the metrics, and an invalid one', async () => {
  const stateDir = tempDir('ccci-metrics-trust-');
  const recipes = { trusted: {}, gone: {}, grown: {} };
  const config = { ...loadConfig({ env: {} }), stateDir, domain: 'ci.example.org', recipes };
  for (const recipe of Object.keys(recipes)) {
    const record: CanonicalRecord = {
      schema: 1,
      recipe,
      domain: `warm-${recipe}.ci.example.org`,
      version: '1.0.0+1.0',
      commit: 'a'.repeat(40),
      status: 'idle',
      promotedAt: '2026-11-25T02:00:00.000Z',
      updatedAt: '2026-11-25T02:00:00.000Z',
      runId: 'r1',
      level: 5,
      snapshot: { id: `snap-${recipe}`, volumes: ['content'], bytes: 512 },
    };
    writeSnapshotFixture(stateDir, record);
    await writeCanonical(stateDir, record);
  }
  rmSync(snapshotDir(stateDir, 'gone', 'snap-gone'), { recursive: true });
  appendFileSync(path.join(snapshotDir(stateDir, 'grown', 'snap-grown'), 'volumes', 'content.tar'), 'x');
  const file = path.join(stateDir, 'ccci.prom');
  await writeMetrics(config, file, report);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^ccci_canonical_info\{recipe="trusted",version="1\.0\.0\+1\.0"\} 1$/m);
  assert.match(text, /^ccci_recipe_has_canonical\{recipe="trusted"\} 1$/m);
  assert.match(text, /^ccci_recipe_canonical_invalid\{recipe="trusted"\} 0$/m);
  for (const recipe of ['gone', 'grown']) {
    assert.doesNotMatch(text, new RegExp(`ccci_canonical_info\\{recipe="${recipe}"`), recipe);
    assert.match(text, new RegExp(`^ccci_recipe_has_canonical\\{recipe="${recipe}"\\} 0$`, 'm'), recipe);
    assert.match(text, new RegExp(`^ccci_recipe_canonical_invalid\\{recipe="${recipe}"\\} 1$`, 'm'), recipe);
  }
});
