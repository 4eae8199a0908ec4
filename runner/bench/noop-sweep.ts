// Phase "sweep": a no-op night, as systemd runs it, against the least any sweep must do.
//
//   floor    `sh -c 'xargs -P C -n 1 git ls-remote < remotes > /dev/null'`: one plain
//            `git ls-remote` per remote the sweep lists (upstream, and the mirror), C at
//            once, C = SYNC_CONCURRENCY, the number of recipes the sweep syncs at once (as
//            the issue measured it; with a mirror the sweep may have 2C listings in flight,
//            which on two cores is no faster, so the floor is the stricter of the two)
//   subject  `node …/main.js --config F sweep`: a whole cold ccci process, progress to a
//            pipe (as to the journal), checked afterwards to have been the no-op it claims
//            (its report: every recipe skip:no-new-version)
//
// Before measuring, one sweep makes the cache clones and sync records (night 366 of a
// year of history), and then each recipe gets 0 to 15 more nights in its history, so
// that the per-recipe bookkeeping the sweep does only every so often (compacting what
// it reads of the history) falls on the measured nights at its natural rate.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYNC_CONCURRENCY } from '../src/sweep/sweep.js';
import { appendNights, createSandbox, type BenchSandbox } from './fixture.js';
import { BenchInvalid, paired, runChecked, type PairedResult, type Sample } from './measure.js';

export const MAIN_JS = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** The environment of a measured ccci: this one without any CCCI_ variable (the config file says it all). */
export function ccciEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CCCI_')));
}

export interface SweepCase {
  recipes: number;
  mirror: boolean;
  nights: number;
  concurrency: number;
  remotes: number;
  setupMs: number;
  warmupMs: number;
  result: PairedResult;
}

/** The newest sweep report must show the no-op the measurement claims. */
async function checkNoOp(sandbox: BenchSandbox, label: string): Promise<void> {
  const dir = path.join(sandbox.config.stateDir, 'sweeps');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  const newest = names.at(-1);
  if (!newest) throw new BenchInvalid(`${label}: the sweep wrote no report`);
  const report = JSON.parse(await readFile(path.join(dir, newest), 'utf8')) as {
    recipes: { recipe: string; decision: string | null; outcome: string; error: string | null; reason: string }[];
  };
  const wrong = report.recipes.filter((r) => r.decision !== 'skip:no-new-version' || r.outcome !== 'skipped');
  if (report.recipes.length !== sandbox.recipes.length || wrong.length > 0) {
    const sample = wrong
      .slice(0, 5)
      .map((r) => `${r.recipe}: ${r.outcome} ${r.decision ?? '-'} ${r.error ?? r.reason}`)
      .join('\n  ');
    throw new BenchInvalid(
      `${label}: not a no-op sweep: ${wrong.length} of ${report.recipes.length} recipe(s) did not skip ` +
        `with skip:no-new-version (expected ${sandbox.recipes.length} recipes)\n  ${sample}`,
    );
  }
}

export async function sweepChild(sandbox: BenchSandbox, label: string): Promise<Sample> {
  const run = await runChecked(label, {
    argv: [process.execPath, MAIN_JS, '--config', sandbox.configFile, 'sweep'],
    cwd: sandbox.root,
    env: ccciEnv(),
  });
  await checkNoOp(sandbox, label);
  return run;
}

export async function floorChild(remotesFile: string, concurrency: number): Promise<Sample> {
  return runChecked('floor (xargs git ls-remote)', {
    argv: ['/bin/sh', '-c', `xargs -P ${concurrency} -n 1 git ls-remote < '${remotesFile}' > /dev/null`],
  });
}

export async function measureSweepCase(
  options: { recipes: number; mirror: boolean; nights: number; runs: number },
  log: (line: string) => void,
): Promise<SweepCase> {
  const started = Date.now();
  log(`sweep N=${options.recipes} ${options.mirror ? 'with' : 'without'} a mirror: setting up (${options.nights} nights of history) …`);
  const sandbox = await createSandbox({ recipes: options.recipes, mirror: options.mirror, nights: options.nights });
  try {
    const setupMs = Date.now() - started;
    const remotesFile = path.join(sandbox.root, 'remotes.txt');
    await writeFile(remotesFile, `${sandbox.remoteUrls.join('\n')}\n`);
    const warmup = await sweepChild(sandbox, 'warm-up sweep');
    // Stagger the histories (see the header): recipe i gets i mod 16 more nights.
    await Promise.all(sandbox.recipes.map((recipe, i) => appendNights(sandbox, recipe, options.nights + 1, i % 16)));
    const concurrency = SYNC_CONCURRENCY;
    const result = await paired(
      options.runs,
      () => floorChild(remotesFile, concurrency),
      () => sweepChild(sandbox, 'measured sweep'),
      log,
    );
    return {
      recipes: options.recipes,
      mirror: options.mirror,
      nights: options.nights,
      concurrency,
      remotes: sandbox.remoteUrls.length,
      setupMs,
      warmupMs: warmup.wallMs,
      result,
    };
  } finally {
    await sandbox.cleanup();
  }
}
