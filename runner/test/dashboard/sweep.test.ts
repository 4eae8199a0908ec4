// The dashboard a real sweep writes (test doubles), `ccci dashboard`, and a dashboard
// that cannot be written: reported, and the sweep's exit status is what its recipes made it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sweepReportPath, type SweepReport } from '../../src/sweep/report.js';
import { fiveRecipes, HOSTILE_TAG, HOSTILE_VERSION, type FiveRecipes } from './five-recipes.js';

function done(outcome: { kind: string; report?: SweepReport }): SweepReport {
  assert.equal(outcome.kind, 'done');
  return outcome.report as SweepReport;
}

describe('the dashboard after a sweep', () => {
  let w: FiveRecipes;
  before(async () => {
    w = await fiveRecipes();
  });
  after(async () => w.s.close());

  test('the sweep had the five outcomes', () => {
    const by = Object.fromEntries(w.report.recipes.map((r) => [r.recipe, r]));
    assert.equal(by.steady?.outcome, 'skipped');
    assert.equal(by.good?.outcome, 'promoted');
    assert.equal(by.broken?.outcome, 'red');
    assert.equal(by.erroring?.outcome, 'error');
    assert.equal(by.unreleased?.decision, 'skip:never-released');
    assert.equal(w.report.exitCode, 1);
    assert.deepEqual(w.report.warnings, [], 'the dashboard was written');
  });

  test('every sweep wrote it: the first sweep made a build, the second replaced it', () => {
    const current = readlinkSync(path.join(w.dashboardDir, 'current'));
    assert.equal(readdirSync(path.join(w.dashboardDir, '.builds')).length, 2, 'one build and its manifest');
    assert.match(current, /^\.builds\//);
    const index = readFileSync(path.join(w.dashboardDir, 'index.html'), 'utf8');
    assert.ok(index.includes(w.report.sweepId), 'the index names the last sweep');
  });

  test('every enrolled recipe is on the index with its state', () => {
    const index = readFileSync(path.join(w.dashboardDir, 'index.html'), 'utf8');
    for (const [recipe, state] of [
      ['steady', 'known-good'],
      ['good', 'known-good'],
      ['broken', 'red'],
      // A record the sweep refuses (its version is no release) is shown as the sweep reads it.
      ['erroring', 'invalid record'],
      ['unreleased', 'never released'],
    ]) {
      assert.match(index, new RegExp(`href="recipes/${recipe}\\.html"><b>${recipe}</b></a></td>\\n<td><span class="pill h-[a-z-]+">${state}</span>`));
    }
  });

  test('the red recipe: its tag, failing rung and reason, its run log linked and copied', () => {
    const page = readFileSync(path.join(w.dashboardDir, 'recipes', 'broken.html'), 'utf8');
    assert.match(page, /<h2>Red tags<\/h2>/);
    assert.match(page, /<b>2\.0\.0\+2\.0<\/b>/);
    assert.match(page, /install <span class="meta">\(fail\)<\/span>/);
    const results = JSON.parse(readFileSync(path.join(w.s.config.runsDir, w.redRunId, 'results.json'), 'utf8')) as {
      rungs: { rung: string; reason: string }[];
    };
    const reason = results.rungs.find((r) => r.rung === 'install')?.reason as string;
    assert.ok(page.includes(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), `the reason ${reason}`);
    assert.ok(page.includes(`href="../runs/${w.redRunId}.log"`));
    assert.ok(readFileSync(path.join(w.dashboardDir, 'runs', `${w.redRunId}.log`), 'utf8').includes('== install'));
    assert.match(readFileSync(path.join(w.dashboardDir, 'badges', 'broken.svg'), 'utf8'), /canonical: red 2\.0\.0\+2\.0/);
  });

  test('badges: promoted green with its version, never released grey', () => {
    const good = readFileSync(path.join(w.dashboardDir, 'badges', 'good.svg'), 'utf8');
    assert.match(good, /<title>canonical: 1\.0\.0\+1\.27\.2<\/title>/);
    assert.ok(good.includes('fill="#4c1"'));
    const none = readFileSync(path.join(w.dashboardDir, 'badges', 'unreleased.svg'), 'utf8');
    assert.match(none, /<title>canonical: none<\/title>/);
    assert.ok(none.includes('fill="#9f9f9f"'));
  });

  test('hostile names and reasons are escaped in the pages', () => {
    const erroring = readFileSync(path.join(w.dashboardDir, 'recipes', 'erroring.html'), 'utf8');
    assert.ok(!erroring.includes(HOSTILE_VERSION));
    assert.ok(erroring.includes('&quot;&gt;&lt;img src=x onerror='));
    assert.match(erroring, /is not a release version/);
    const unreleased = readFileSync(path.join(w.dashboardDir, 'recipes', 'unreleased.html'), 'utf8');
    assert.ok(!unreleased.includes(HOSTILE_TAG));
    assert.ok(unreleased.includes('&lt;script&gt;document.title=&#39;pwned-by-tag&#39;&lt;/script&gt;'), 'the refused tag is named');
  });

  test('ccci dashboard --out DIR writes one on demand; a foreign directory is refused (exit 2), untouched', async () => {
    const out = path.join(w.s.root, 'on-demand');
    const made = await w.s.cli(['dashboard', '--out', out]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /dashboard: .*on-demand\/index\.html \(5 recipe\(s\), 2 needing a look, \d+ files, /);
    assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /recipes\/unreleased\.html/);

    const foreign = path.join(w.s.root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'keep.txt'), 'x');
    const refused = await w.s.cli(['dashboard', '--out', foreign]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^ccci dashboard: .*foreign: holds files that are not a ccci dashboard/m);
    assert.deepEqual(readdirSync(foreign), ['keep.txt']);
  });

  test('ccci dashboard with no --out uses the configured dashboardDir', async () => {
    const before = readlinkSync(path.join(w.dashboardDir, 'current'));
    const made = await w.s.cli(['dashboard', '--json']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((JSON.parse(made.stdout) as { dir: string }).dir, w.dashboardDir);
    assert.notEqual(readlinkSync(path.join(w.dashboardDir, 'current')), before);
  });

  test('a dashboard that cannot be written is a warning; the exit status stays 0 for a good sweep, 1 for a failing one', async () => {
    const blocker = path.join(w.s.root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    w.s.writeConfig({ dashboardDir: path.join(blocker, 'dashboard') });
    try {
      const quiet = await w.s.sweep({ recipes: ['steady'] });
      const ok = done(quiet);
      assert.equal(ok.exitCode, 0, 'steady was skipped: a good sweep');
      assert.equal(ok.warnings?.length, 1);
      assert.match(ok.warnings?.[0] ?? '', /the dashboard in .*a-file\/dashboard could not be written \(the sweep's outcome is unchanged\)/);
      assert.ok(quiet.lines.some((l) => l.startsWith('warning: the dashboard in')), 'said in the progress too');
      const onDisk = JSON.parse(readFileSync(sweepReportPath(w.s.config.stateDir, ok.sweepId), 'utf8')) as SweepReport;
      assert.deepEqual(onDisk.warnings, ok.warnings, 'recorded in the report file');

      const failing = done(await w.s.sweep());
      assert.equal(failing.exitCode, 1, 'erroring still errors: 1, as without the dashboard');
      assert.equal(failing.warnings?.length, 1);

      const cli = await w.s.cli(['sweep', '--recipe', 'steady']);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /^warning: the dashboard in /m);
    } finally {
      w.s.writeConfig({ dashboardDir: w.dashboardDir });
    }
  });
});
