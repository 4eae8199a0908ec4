// What a first sweep overlaps, told by the order of events with one deployment slot
// (maxConcurrentRuns 1), not by time: syncs and decisions of later recipes do not wait
// for the slot, and a promote hands the slot on once its warm app is undeployed, so the
// next run deploys while the snapshot is taken. The effects are stand-ins that record
// what happens and hold the first run (and the first promote's snapshot) until the
// overlap they test has happened, or until a fallback timer says it never will.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Config } from '../../src/config/config.js';
import type { CanonicalRecord } from '../../src/registry/canonical.js';
import { sweep } from '../../src/sweep/sweep.js';
import type { SweepEffects } from '../../src/sweep/effects.js';
import { createScenario } from './scenario.js';
import { promote, PROMOTE_STEPS } from '../../src/sweep/promote.js';
import { defaultSweepEffects } from '../../src/sweep/default-effects.js';

const COMMIT = 'c'.repeat(40);
const TAG = '1.0.0+1';
/** How long a stand-in waits for an overlap before giving up (only reached when the overlap is missing). */
const FALLBACK_MS = 3000;

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function world(recipes: string[]): Config {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-overlap-'));
  roots.push(root);
  for (const name of recipes) {
    mkdirSync(path.join(root, 'repo', 'recipes', name), { recursive: true });
    writeFileSync(path.join(root, 'repo', 'recipes', name, 'recipe.yaml'), '{}\n');
  }
  return {
    repo: path.join(root, 'repo'),
    stateDir: path.join(root, 'state'),
    runsDir: path.join(root, 'runs'),
    cacheDir: path.join(root, 'cache'),
    abraDir: path.join(root, 'abra'),
    server: 'default',
    domain: 'ci.example.org',
    ingress: null,
    upstream: 'file:///nonexistent',
    mirror: null,
    recipes: Object.fromEntries(recipes.map((r) => [r, {}])),
    maxConcurrentRuns: 1,
    minFreeDiskPercent: 0,
    metricsFile: null,
    source: 'overlap test',
  };
}

function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = () => undefined as void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}
const eitherOf = (p: Promise<void>) =>
  Promise.race([p, new Promise<void>((resolve) => setTimeout(resolve, FALLBACK_MS).unref())]);

describe('a first sweep overlaps what can overlap', () => {
  test('with one slot: every sync before the first run ends, the next run during the first snapshot, never two deployments', async () => {
    const recipes = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const config = world(recipes);
    const events: string[] = [];
    const allSynced = signal();
    const secondRunStarted = signal();
    let synced = 0;
    let runs = 0;
    let promotes = 0;
    let deployed = 0;
    let mostDeployed = 0;
    const effects: SweepEffects = {
      async syncMirror(_config, recipe) {
        events.push(`sync ${recipe}`);
        synced += 1;
        if (synced === recipes.length) allSynced.fire();
        return { repoDir: '/nonexistent', tags: [{ tag: TAG, commit: COMMIT }], warnings: [] };
      },
      async runRecipeCi(request) {
        runs += 1;
        deployed += 1;
        mostDeployed = Math.max(mostDeployed, deployed);
        events.push(`run-start ${request.recipe}`);
        if (runs === 1) await eitherOf(allSynced.promise);
        if (runs === 2) secondRunStarted.fire();
        events.push(`run-end ${request.recipe}`);
        return { runId: `run-${request.recipe}`, outcome: 'green', verdict: 'green', verdictReason: 'all rungs pass', level: 4, mode: 'cold', prRef: null, version: TAG, commit: COMMIT };
      },
      // The tag as upstream has it right before the promote: unmoved.
      upstreamTagCommit: async () => COMMIT,
      async promote(request) {
        promotes += 1;
        events.push(`undeployed ${request.recipe}`);
        deployed -= 1;
        request.onUndeployed?.();
        if (promotes === 1) await eitherOf(secondRunStarted.promise);
        events.push(`snapshot-end ${request.recipe}`);
        return { version: request.version, commit: request.commit } as CanonicalRecord;
      },
    };
    const outcome = await sweep(config, { recipes: [], dryRun: false, retryRed: false }, effects, { step() {}, line() {} });
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    assert.deepEqual(outcome.report.recipes.map((r) => r.outcome), recipes.map(() => 'promoted'));

    const at = (event: string) => {
      const index = events.indexOf(event);
      assert.ok(index >= 0, `${event} happened`);
      return index;
    };
    const firstRun = (events.find((e) => e.startsWith('run-start ')) as string).slice('run-start '.length);
    for (const recipe of recipes) {
      assert.ok(at(`sync ${recipe}`) < at(`run-end ${firstRun}`), `${recipe} was synced while ${firstRun} ran: ${events.join(', ')}`);
    }
    const secondRun = (events.filter((e) => e.startsWith('run-start '))[1] as string).slice('run-start '.length);
    assert.ok(at(`run-start ${secondRun}`) < at(`snapshot-end ${firstRun}`), `the next run deployed during the snapshot: ${events.join(', ')}`);
    assert.equal(mostDeployed, 1, 'never two deployments at once');
  });

  test('the promote hands the slot on after the undeploy has returned and before the snapshot', async () => {
    const s = await createScenario();
    try {
      await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
      const seen: string[] = [];
      const effects: SweepEffects = {
        ...defaultSweepEffects(),
        promote: (request) =>
          promote({ ...request, onUndeployed: () => seen.push('slot handed on') }, (step) => void seen.push(step)),
      };
      const outcome = await s.sweep({ effects });
      assert.equal(outcome.kind === 'done' && outcome.report.recipes[0]?.outcome, 'promoted');
      assert.deepEqual(seen, [...PROMOTE_STEPS.slice(0, PROMOTE_STEPS.indexOf('snapshot')), 'slot handed on', ...PROMOTE_STEPS.slice(PROMOTE_STEPS.indexOf('snapshot'))]);
    } finally {
      await s.close();
    }
  });
});
