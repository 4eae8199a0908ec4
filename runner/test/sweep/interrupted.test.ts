// A sweep stopped by SIGTERM (systemd stop, a reboot) during the run of a tag: the run
// is interrupted, not red. Its own outcome in results.json, the sweep report,
// attempts.jsonl and the metrics; never counted as known-red; the next sweep runs the
// tag again. (A run that reaches its own deadline stays red: test/run/interrupt.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { readAttempts } from '../../src/registry/attempts.js';
import { readRunResult } from '../../src/run/result.js';
import { defaultSweepEffects } from '../../src/sweep/default-effects.js';
import { sweepReportSchema } from '../../src/sweep/report-schema.js';
import { assertNothingLeftBehind } from './leftover-checks.js';
import { createScenario, type Scenario } from './scenario.js';

const RECIPE = 'term';

/** Whether the fake swarm has a stack of `recipe` (recorded before its deploy hangs). */
function deployHanging(s: Scenario): boolean {
  const dir = path.join(s.sandbox.fakeSwarmDir, 'stacks');
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((name) => {
    try {
      const stack = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { recipe: string };
      return stack.recipe === RECIPE;
    } catch {
      return false;
    }
  });
}

/** `ccci sweep --json`, sent SIGTERM once its run's deploy hangs. */
async function sweepStoppedDuringRun(s: Scenario) {
  let sent = false;
  const watcher = (async () => {
    for (let i = 0; i < 600 && !sent; i += 1) {
      if (deployHanging(s)) {
        sent = true;
        return;
      }
      await sleep(100);
    }
  })();
  const result = await s.cli(['sweep', '--json'], {
    signalWhen: async (signal) => {
      await watcher;
      signal('SIGTERM');
    },
  });
  assert.ok(sent, `the deploy never started hanging: ${result.stderr}`);
  return result;
}

describe('a sweep stopped by SIGTERM during a run', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    s.writeConfig({ metricsFile: path.join(s.root, 'metrics', 'ccci.prom') });
    // A release whose deploy is still going when the machine stops.
    await s.addRecipe(RECIPE, { version: '1.0.0+1.0', fake: { deploy: 'hang' }, definition: { deployTimeoutSeconds: 600 } });
  });
  after(async () => s.close());

  test('interrupted in results.json, the report, attempts.jsonl and the metrics; never known-red; run again next time', async () => {
    const stopped = await sweepStoppedDuringRun(s);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(stopped.stderr, /SIGTERM: stopping after tearing down the running recipe/);
    const report = sweepReportSchema.parse(JSON.parse(stopped.stdout));
    const r = report.recipes[0];
    assert.equal(r?.outcome, 'interrupted', JSON.stringify(r));
    assert.equal(r?.verdict, null, 'no verdict: the run did not finish');
    assert.equal(r?.promoted, false);
    assert.match(report.interrupted ?? '', /SIGTERM/);

    const results = await readRunResult(path.join(s.config.runsDir, r?.runId as string));
    assert.equal(results.outcome, 'interrupted');
    assert.match(results.interrupted ?? '', /SIGTERM/);

    const { attempts } = await readAttempts(s.config.stateDir, RECIPE);
    const last = attempts.at(-1);
    assert.equal(last?.outcome, 'interrupted');
    assert.equal(last?.tag, '1.0.0+1.0');
    assert.equal(last?.verdict, null);

    const metrics = readFileSync(path.join(s.root, 'metrics', 'ccci.prom'), 'utf8');
    assert.match(metrics, /ccci_recipe_last_outcome\{recipe="term",outcome="interrupted"\} 1/);
    assert.match(metrics, /ccci_recipe_last_outcome\{recipe="term",outcome="red"\} 0/);

    const decide = await s.cli(['decide', RECIPE, '--json']);
    assert.equal((JSON.parse(decide.stdout) as { code: string }).code, 'run', 'not skip:known-red');

    // The next (nightly, not --retry-red) sweep runs the tag again.
    const again = await sweepStoppedDuringRun(s);
    const rerun = sweepReportSchema.parse(JSON.parse(again.stdout)).recipes[0];
    assert.equal(rerun?.decision, 'run');
    assert.equal(rerun?.outcome, 'interrupted');
    assert.notEqual(rerun?.runId, r?.runId);
    await assertNothingLeftBehind(s, [RECIPE]);
  });
});

describe('a sweep stopped by a signal as its last recipe syncs', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('quiet', { version: '1.0.0+1.0' });
    const first = await s.sweep();
    assert.equal(first.kind === 'done' && first.report.recipes[0]?.outcome, 'promoted');
  });
  after(async () => s.close());

  test('is not ok, though every recipe it reached skipped: result failed, exit 1, the reason recorded', async () => {
    const stop = new AbortController();
    const real = defaultSweepEffects();
    const effects = {
      ...real,
      // SIGTERM arrives as the sync's last git ends: the sync is done, the decision a skip.
      syncMirror: async (...args: Parameters<typeof real.syncMirror>) => {
        const synced = await real.syncMirror(...args);
        stop.abort(new Error('received SIGTERM'));
        return synced;
      },
    };
    const outcome = await s.sweep({ effects, signal: stop.signal });
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    assert.equal(outcome.report.recipes[0]?.outcome, 'skipped', JSON.stringify(outcome.report.recipes[0]));
    assert.match(outcome.report.interrupted ?? '', /SIGTERM/);
    assert.equal(outcome.report.result, 'failed');
    assert.equal(outcome.report.exitCode, 1);
  });
});

describe('a --retry-red sweep whose retry of a known red tag is interrupted', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('flaky', { version: '1.0.0+1.0' });
  });
  after(async () => s.close());

  /** The real run, its result then said to be `outcome`. */
  const effectsEnding = (outcome: 'red' | 'interrupted') => {
    const real = defaultSweepEffects();
    return {
      ...real,
      runRecipeCi: async (...args: Parameters<typeof real.runRecipeCi>) => {
        const result = await real.runRecipeCi(...args);
        return { ...result, verdict: 'red' as const, verdictReason: `injected: ${outcome}`, outcome };
      },
    };
  };

  test('says the tag runs again on the next --retry-red sweep, which is what happens', async () => {
    const red = await s.sweep({ effects: effectsEnding('red') });
    assert.equal(red.kind === 'done' && red.report.recipes[0]?.outcome, 'red');
    const retried = await s.sweep({ retryRed: true, effects: effectsEnding('interrupted') });
    assert.equal(retried.kind, 'done');
    if (retried.kind !== 'done') return;
    const r = retried.report.recipes[0];
    assert.equal(r?.outcome, 'interrupted', JSON.stringify(r));
    assert.match(r?.reason ?? '', /1\.0\.0\+1\.0 runs again on the next --retry-red sweep \(1\.0\.0\+1\.0 is still known red\)/);
    const nightly = await s.sweep();
    assert.equal(nightly.kind === 'done' && nightly.report.recipes[0]?.decision, 'skip:known-red');
    const weekly = await s.sweep({ retryRed: true });
    assert.equal(weekly.kind === 'done' && weekly.report.recipes[0]?.decision, 'run');
  });
});

describe('a sweep stopped by a signal as its run starts staging the tag', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('early', { version: '1.0.0+1.0' });
  });
  after(async () => s.close());

  test('the recipe is interrupted (not an error, not red), no run directory is left, and the next sweep runs the tag', async () => {
    const stop = new AbortController();
    const real = defaultSweepEffects();
    const effects = {
      ...real,
      // SIGTERM arrives as the run begins, before its checkout is staged.
      runRecipeCi: async (...args: Parameters<typeof real.runRecipeCi>) => {
        stop.abort(new Error('received SIGTERM'));
        return real.runRecipeCi(...args);
      },
    };
    const runsBefore = existsSync(s.config.runsDir) ? readdirSync(s.config.runsDir).filter((name) => !name.startsWith('.')) : [];
    const outcome = await s.sweep({ effects, signal: stop.signal });
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    const r = outcome.report.recipes[0];
    assert.equal(r?.outcome, 'interrupted', JSON.stringify(r));
    assert.match(
      r?.reason ?? '',
      /^run interrupted \(received SIGTERM\) while staging early at 1\.0\.0\+1\.0, before its first rung: nothing was deployed; 1\.0\.0\+1\.0 runs again on the next sweep$/,
    );
    assert.equal(r?.error ?? null, null, 'not an error');
    assert.equal(r?.verdict, null);
    assert.equal(outcome.report.exitCode, 1);
    const runsAfter = readdirSync(s.config.runsDir).filter((name) => !name.startsWith('.'));
    assert.deepEqual(runsAfter, runsBefore, 'no run directory of the interrupted run');
    const { attempts } = await readAttempts(s.config.stateDir, 'early');
    assert.equal(attempts.at(-1)?.outcome, 'interrupted');

    const next = await s.sweep();
    assert.equal(next.kind === 'done' && next.report.recipes[0]?.outcome, 'promoted');
  });
});
