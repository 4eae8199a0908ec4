// Phase "first-sweep": the first night of a new CI server, on the abra/docker test
// doubles (checks/fakes) and the fake ingress: R fixture recipes, each with one green
// release and no canonical, so every one runs cold and is promoted, with the module's
// default of one deployment at a time (maxConcurrentRuns 1). One whole `ccci sweep`
// process per run, each on a fresh sandbox (set up untimed). There is no baseline: the
// number to compare is the same phase before and after a change.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bareCloneOf, createFixtureRecipe, writeRecipeDefinition } from '../src/demo/fixtures.js';
import { createSandbox, sandboxConfig } from '../src/demo/sandbox.js';
import { BenchInvalid, runChecked, stats, type Stats } from './measure.js';
import { ccciEnv, MAIN_JS } from './noop-sweep.js';

export interface FirstSweepResult {
  recipes: number;
  maxConcurrentRuns: number;
  wall: Stats;
  peakRssBytes: number | null;
}

async function oneFirstSweep(recipes: number, log: (line: string) => void): Promise<{ wallMs: number; peakRssBytes: number | null }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-bench-first-'));
  const sandbox = await createSandbox(root, { applyToProcess: false });
  try {
    const definitions = path.join(root, 'definitions');
    await mkdir(path.join(root, 'upstream'), { recursive: true });
    const names = Array.from({ length: recipes }, (_, i) => `first-${String(i + 1).padStart(2, '0')}`);
    for (const name of names) {
      const work = path.join(root, 'work', name);
      await createFixtureRecipe(work, name, { version: '1.0.0+1.0' });
      await bareCloneOf(work, path.join(root, 'upstream', `${name}.git`));
      await writeRecipeDefinition(definitions, name, { deployTimeoutSeconds: 30 });
    }
    const config = sandboxConfig(sandbox, definitions, {
      maxConcurrentRuns: 1,
      recipes: Object.fromEntries(names.map((n) => [n, {}])),
    });
    const { source: _source, ...file } = config;
    const configFile = path.join(root, 'config.json');
    await writeFile(configFile, JSON.stringify(file, null, 2));
    log(`  first sweep of ${recipes} recipes …`);
    const run = await runChecked('first sweep', {
      argv: [process.execPath, MAIN_JS, '--config', configFile, 'sweep', '--json'],
      cwd: root,
      env: { ...ccciEnv(), ...sandbox.env },
      keepStdout: true,
    });
    const report = JSON.parse(run.stdout) as { recipes: { recipe: string; outcome: string; error: string | null }[] };
    const notPromoted = report.recipes.filter((r) => r.outcome !== 'promoted');
    if (notPromoted.length > 0) {
      throw new BenchInvalid(
        `first sweep: ${notPromoted.length} recipe(s) not promoted: ${notPromoted
          .slice(0, 3)
          .map((r) => `${r.recipe} ${r.outcome} ${r.error ?? ''}`)
          .join('; ')}`,
      );
    }
    return { wallMs: run.wallMs, peakRssBytes: run.peakRssBytes };
  } finally {
    await sandbox.stop();
    await rm(root, { recursive: true, force: true });
  }
}

export async function measureFirstSweep(
  options: { recipes: number; runs: number },
  log: (line: string) => void,
): Promise<FirstSweepResult> {
  log(`first sweep of ${options.recipes} recipes on the doubles, ${options.runs} run(s) …`);
  const runs: { wallMs: number; peakRssBytes: number | null }[] = [];
  for (let i = 0; i < options.runs; i += 1) {
    runs.push(await oneFirstSweep(options.recipes, log));
    log(`  run ${i + 1}/${options.runs}: ${((runs.at(-1)?.wallMs ?? 0) / 1000).toFixed(1)} s`);
  }
  const rss = runs.map((r) => r.peakRssBytes).filter((x): x is number => x !== null);
  return {
    recipes: options.recipes,
    maxConcurrentRuns: 1,
    wall: stats(runs.map((r) => r.wallMs)),
    peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
  };
}
