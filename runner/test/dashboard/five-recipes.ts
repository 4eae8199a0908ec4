// A real sweep on the test doubles with the five states the dashboard must show: a
// promoted, a skipped, a red, an erroring and a never-released recipe. Hostile strings
// ride along where a real one could: a tag name, a canonical version (which becomes the
// erroring recipe's reason) and a line of the red run's log.
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { releaseVersion } from '../../src/demo/fixtures.js';
import { tagHead } from '../../src/effects/git.js';
import { writeCanonical } from '../../src/registry/canonical.js';
import type { SweepReport } from '../../src/sweep/report.js';
import { createScenario, type Scenario } from '../sweep/scenario.js';

export const HOSTILE_TAG = "<script>document.title='pwned-by-tag'</script>";
export const HOSTILE_VERSION = `"><img src=x onerror="document.title='pwned-by-reason'">`;
export const HOSTILE_LOG_LINE = "<script>document.title='pwned-by-log'</script>";

export interface FiveRecipes {
  s: Scenario;
  dashboardDir: string;
  /** The report of the sweep that made the dashboard. */
  report: SweepReport;
  /** The first sweep's report (it promoted `steady`). */
  first: SweepReport;
  redRunId: string;
}

function done(outcome: Awaited<ReturnType<Scenario['sweep']>>): SweepReport {
  if (outcome.kind !== 'done') throw new Error(`the sweep was locked: ${outcome.holder}`);
  return outcome.report;
}

export async function fiveRecipes(): Promise<FiveRecipes> {
  const s = await createScenario();
  const dashboardDir = path.join(s.root, 'state', 'dashboard');
  s.writeConfig({ dashboardDir });
  await s.addRecipe('steady', { version: '1.0.0+1.0' });
  await s.addRecipe('good');
  await s.addRecipe('broken');
  await s.addRecipe('erroring');
  await s.addRecipe('unreleased');
  await s.publish('good');
  const first = done(await s.sweep({ recipes: ['steady'] }));

  await releaseVersion(s.work.good as string, '1.0.0+1.27.2');
  await releaseVersion(s.work.broken as string, '2.0.0+2.0', { http: 500 });
  await tagHead(s.work.unreleased as string, HOSTILE_TAG);
  for (const name of ['good', 'broken', 'unreleased']) await s.publish(name);
  // A valid record whose version is no release: the sweep refuses it (error:registry) and
  // says why, quoting the version.
  await writeCanonical(s.config.stateDir, {
    schema: 1,
    recipe: 'erroring',
    domain: 'warm-erroring.ci.example.org',
    version: HOSTILE_VERSION,
    commit: 'e'.repeat(40),
    status: 'idle',
    promotedAt: '2026-11-01T02:00:00.000Z',
    updatedAt: '2026-11-01T02:00:00.000Z',
    runId: 'by-hand',
    level: 5,
    snapshot: { id: 'none', volumes: [], bytes: 0 },
  });
  const report = done(await s.sweep());
  const redRunId = report.recipes.find((r) => r.recipe === 'broken')?.runId;
  if (!redRunId) throw new Error(`broken did not run: ${JSON.stringify(report.recipes)}`);
  const log = path.join(s.config.runsDir, redRunId, 'run.log');
  if (!existsSync(log)) throw new Error(`no run log at ${log}`);
  appendFileSync(log, `${new Date().toISOString()}   ${HOSTILE_LOG_LINE}\n`);
  return { s, dashboardDir, report, first, redRunId };
}
