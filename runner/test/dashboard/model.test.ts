// What each recipe's state is on the dashboard, from its records.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf } from '../../src/dashboard/history-digest.js';
import { buildDashboard, recipeView, redTagsOf, runsToRead } from '../../src/dashboard/model.js';
import type { ReportedRecipe } from '../../src/status/sweep-reports.js';
import {
  attempt,
  canonicalRecord,
  COMMIT,
  dashboardInput,
  night,
  NOW,
  OTHER_COMMIT,
  promotedAttempt,
  recipe,
  redAttempt,
  run,
} from './inputs.js';

function reported(name: string, fields: Partial<ReportedRecipe> = {}): ReportedRecipe {
  return { recipe: name, decision: null, reason: '', latestTag: null, runId: null, outcome: 'skipped', error: null, warnings: [], ...fields };
}

describe('red tags', () => {
  test('a red tag newer than the canonical is listed with its newest red run; superseded or promoted ones are not', () => {
    const attempts = [
      promotedAttempt('r', night(30), '1.0.0+1', 'run-a'),
      redAttempt('r', night(20), '0.9.0+1', 'run-old'),
      redAttempt('r', night(10), '1.1.0+1', 'run-b'),
      attempt('r', night(9), { decision: 'skip:known-red', tag: '1.1.0+1', commit: OTHER_COMMIT }),
      redAttempt('r', night(3), '1.1.0+1', 'run-c'),
      redAttempt('r', night(2), '1.2.0+1', 'run-d'),
      promotedAttempt('r', night(1), '1.3.0+1', 'run-e'),
      redAttempt('r', night(1), '1.3.0+1', 'run-f'),
    ];
    const red = redTagsOf(digestOf(attempts), '1.0.0+1');
    assert.deepEqual(
      red.map((r) => [r.tag, r.count, r.runId, r.firstAt, r.lastAt]),
      [
        ['1.2.0+1', 1, 'run-d', night(2), night(2)],
        ['1.1.0+1', 2, 'run-c', night(10), night(3)],
      ],
    );
  });

  test('an interrupted run is never red', () => {
    const attempts = [attempt('r', night(1), { tag: '2.0.0+1', verdict: 'red', outcome: 'interrupted', runId: 'run-i' })];
    assert.deepEqual(redTagsOf(digestOf(attempts), null), []);
  });

  test('the same tag at another commit is another red entry', () => {
    const attempts = [redAttempt('r', night(3), '2.0.0+1', 'x', COMMIT), redAttempt('r', night(2), '2.0.0+1', 'y', OTHER_COMMIT)];
    assert.equal(redTagsOf(digestOf(attempts), null).length, 2);
  });
});

describe('runs to read', () => {
  test("the newest run, the canonical's and the red tags', each once, safe names only", () => {
    const r = recipe('r', {
      canonical: { state: 'present', record: canonicalRecord('1.0.0+1', 'run-a') },
      attempts: [
        promotedAttempt('r', night(30), '1.0.0+1', 'run-a'),
        redAttempt('r', night(10), '1.1.0+1', '../../etc'),
        redAttempt('r', night(5), '1.2.0+1', 'run-red'),
        redAttempt('r', night(4), '1.2.0+1', 'run-red'),
      ],
    });
    assert.deepEqual(runsToRead(r), [
      { runId: 'run-red', log: true },
      { runId: 'run-a', log: false },
    ], "the canonical's run without its log");
  });
});

describe('recipe view', () => {
  test('promoted: green, the canonical badge, canonical run linked', () => {
    const view = recipeView(
      recipe('ok', {
        canonical: { state: 'present', record: canonicalRecord('1.13.0+1.31.1', 'run-a') },
        attempts: [promotedAttempt('ok', night(0), '1.13.0+1.31.1', 'run-a')],
        runs: { 'run-a': run('run-a') },
      }),
      NOW,
      90,
    );
    assert.equal(view.health, 'green');
    assert.deepEqual(view.badge, { label: 'canonical', message: '1.13.0+1.31.1', colour: 'green' });
    assert.equal(view.canonicalRun?.runId, 'run-a');
    assert.deepEqual(view.attention, []);
    assert.equal(view.nights.at(-1)?.style.cls, 'promoted');
  });

  test('newest tag red: red badge naming the tag, failing rung and reason from results.json', () => {
    const view = recipeView(
      recipe('r', {
        canonical: { state: 'present', record: canonicalRecord('1.13.0+1.31.1', 'run-a') },
        attempts: [
          promotedAttempt('r', night(5), '1.13.0+1.31.1', 'run-a'),
          redAttempt('r', night(1), '1.14.0+1.31.2', 'run-b'),
          attempt('r', night(0), { decision: 'skip:known-red', tag: '1.14.0+1.31.2', commit: OTHER_COMMIT }),
        ],
        runs: {
          'run-b': run('run-b', {
            verdict: 'red',
            rungs: [
              { rung: 'install', status: 'pass', reason: 'ok' },
              { rung: 'upgrade', status: 'fail', reason: 'the app answered 500 after the upgrade' },
              { rung: 'backup', status: 'unver', reason: 'not run' },
            ],
          }),
        },
      }),
      NOW,
      90,
    );
    assert.equal(view.health, 'red');
    assert.deepEqual(view.badge, { label: 'canonical', message: 'red 1.14.0+1.31.2', colour: 'red' });
    assert.equal(view.redTags[0]?.rung, 'upgrade');
    assert.equal(view.redTags[0]?.reason, 'the app answered 500 after the upgrade');
    assert.match(view.attention.join('\n'), /newest tag 1\.14\.0\+1\.31\.2 is red at upgrade: the app answered 500/);
    assert.equal(view.newestTag?.red, true);
  });

  test('a red run whose results are gone still says why it is listed', () => {
    const view = recipeView(recipe('r', { attempts: [redAttempt('r', night(1), '1.0.0+1', 'run-gone')] }), NOW, 90);
    assert.equal(view.redTags[0]?.rung, null);
    assert.match(view.redTags[0]?.reason ?? '', /results\.json of run run-gone is not available/);
    assert.deepEqual(view.badge, { label: 'canonical', message: 'red 1.0.0+1', colour: 'red' });
  });

  test('error: the last sweep errored, the reason and error come from its report', () => {
    const last = attempt('e', night(0), { decision: 'error', tag: null, commit: null, outcome: 'error' });
    const view = recipeView(
      recipe('e', {
        canonical: { state: 'present', record: canonicalRecord('1.0.0+1', 'run-a') },
        attempts: [last],
        lastReport: {
          sweepId: last.sweepId,
          startedAt: last.at,
          recipe: reported('e', { outcome: 'error', reason: 'the recipe could not be swept', error: 'mirror sync failed at fetch' }),
        },
      }),
      NOW,
      90,
    );
    assert.equal(view.health, 'error');
    assert.equal(view.badge.colour, 'green', 'the canonical is still known-good');
    assert.equal(view.last?.error, 'mirror sync failed at fetch');
    assert.match(view.attention[0] ?? '', /last sweep: error: mirror sync failed at fetch/);
  });

  test('a report of another sweep does not lend its reason to the last attempt', () => {
    const last = attempt('x', night(0));
    const view = recipeView(
      recipe('x', { attempts: [last], lastReport: { sweepId: 'older', startedAt: night(3), recipe: reported('x', { reason: 'old reason' }) } }),
      NOW,
      90,
    );
    assert.equal(view.last?.reason, 'skip:no-new-version');
  });

  test('never released, none, invalid record', () => {
    const never = recipeView(
      recipe('n', { attempts: [attempt('n', night(0), { decision: 'skip:never-released', tag: null, commit: null })] }),
      NOW,
      90,
    );
    assert.equal(never.health, 'never-released');
    assert.deepEqual(never.badge, { label: 'canonical', message: 'none', colour: 'grey' });
    assert.equal(recipeView(recipe('z'), NOW, 90).health, 'none');
    const invalid = recipeView(recipe('i', { canonical: { state: 'invalid', problem: 'canonical.json: not valid JSON' } }), NOW, 90);
    assert.equal(invalid.health, 'invalid');
    assert.deepEqual(invalid.badge, { label: 'canonical', message: 'invalid record', colour: 'grey' });
    assert.match(invalid.attention[0] ?? '', /invalid canonical record: canonical\.json: not valid JSON/);
  });

  test('moved canonical tag: from the published tags, or from the sync warning', () => {
    const base = {
      canonical: { state: 'present' as const, record: canonicalRecord('1.0.0+1', 'run-a') },
      attempts: [promotedAttempt('m', night(1), '1.0.0+1', 'run-a')],
    };
    const moved = recipeView(recipe('m', { ...base, publishedTags: [{ tag: '1.0.0+1', commit: OTHER_COMMIT }] }), NOW, 90);
    assert.match(moved.movedTag ?? '', /tag 1\.0\.0\+1 now names bbbbbbbbbbbb, but the canonical was tested at aaaaaaaaaaaa/);
    assert.match(moved.attention.join(), /moved canonical tag/);
    const same = recipeView(recipe('m', { ...base, publishedTags: [{ tag: '1.0.0+1', commit: COMMIT }] }), NOW, 90);
    assert.equal(same.movedTag, null);
    const warned = recipeView(
      recipe('m', {
        ...base,
        lastReport: {
          sweepId: 's',
          startedAt: night(0),
          recipe: reported('m', { warnings: ['tag-moved: CANONICAL VERSION TAG MOVED: tag 1.0.0+1 is …'] }),
        },
      }),
      NOW,
      90,
    );
    assert.match(warned.movedTag ?? '', /CANONICAL VERSION TAG MOVED/);
  });

  test('the newest tag comes from the sync record when it is newer than the last decision', () => {
    const view = recipeView(
      recipe('s', {
        attempts: [attempt('s', night(1), { tag: '1.0.0+1' })],
        publishedTags: [
          { tag: '1.0.0+1', commit: COMMIT },
          { tag: '1.2.0+1', commit: OTHER_COMMIT },
          { tag: 'junk', commit: COMMIT },
        ],
      }),
      NOW,
      90,
    );
    assert.deepEqual(view.newestTag, { tag: '1.2.0+1', commit: OTHER_COMMIT, red: false });
  });

  test('an unknown outcome is shown with its name and asks for a look', () => {
    const view = recipeView(recipe('u', { attempts: [attempt('u', night(0), { outcome: 'quarantined' })] }), NOW, 90);
    assert.equal(view.health, 'error');
    assert.equal(view.nights.at(-1)?.style.label, 'quarantined');
  });
});

describe('the dashboard', () => {
  test('recipes in name order, counts by health, only real sweeps charted', () => {
    const model = buildDashboard(
      dashboardInput([recipe('zeta'), recipe('alpha', { canonical: { state: 'invalid', problem: 'x' } })], {
        sweeps: [
          { file: 'f1', sweepId: 's1', startedAt: night(2), durationMs: 10, result: 'ok', exitCode: 0, retryRed: false, dryRun: false, recipes: [], recipeCount: 0, warnings: [] },
          { file: 'f2', sweepId: 's2', startedAt: night(1), durationMs: 20, result: 'ok', exitCode: 0, retryRed: false, dryRun: true, recipes: [], recipeCount: 0, warnings: [] },
          { file: 'f3', sweepId: 's3', startedAt: night(0), durationMs: 30, result: 'failed', exitCode: 1, retryRed: true, dryRun: false, recipes: [], recipeCount: 0, warnings: ['w'] },
        ],
      }),
    );
    assert.deepEqual(model.recipes.map((r) => r.recipe), ['alpha', 'zeta']);
    assert.equal(model.counts.invalid, 1);
    assert.equal(model.counts.none, 1);
    assert.deepEqual(model.sweeps.map((s) => s.sweepId), ['s1', 's3']);
    assert.equal(model.lastSweep?.sweepId, 's3');
    assert.deepEqual(model.lastSweepWarnings, ['w']);
  });
});
