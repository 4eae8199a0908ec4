// `npm run bench`: the cost of a no-op sweep (issue 5, item 8). Not a test: it prints
// numbers next to their targets, shouts MISSED when one is missed, and exits 0 either
// way. It exits 1 only when the benchmark itself is invalid (the fixture did not give a
// no-op sweep, a command failed), because then the numbers mean nothing.
//
//   node dist/bench/sweep-bench.js [--recipes N] [--concurrency C] [--repeat K] [--json] [--keep]
//   (defaults: 200 recipes, concurrency 4, 1 measured run; status is always timed at least 3 times)
//
// Phases, all over the same N local bare repositories at the same concurrency:
//   warm-up sweep  the first sweep: creates the cache clones (reported, not the target)
//   floor          `git ls-remote` of every upstream through effects/git.ts (the least any
//                  sweep must do: ask each repository for its refs), K times
//   sweep          the no-op steady state: every decision skip:no-new-version, K times,
//                  interleaved with the floor runs so drift hits both alike
//   status         collectStatus + renderStatus in this process, and `ccci status` as a
//                  child process, max(K, 3) times each
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderStatus } from '../src/status/render.js';
import { formatBytes, table } from '../src/text/format.js';
import { execProgram } from '../src/effects/exec.js';
import { gitVersion, lsRemote } from '../src/effects/git.js';
import { collectStatus } from '../src/status/status.js';
import { defaultSweepEffects } from '../src/sweep/default-effects.js';
import type { Progress } from '../src/sweep/progress.js';
import { sweep, type SweepOutcome } from '../src/sweep/sweep.js';
import { createSandbox, inPool, type BenchSandbox } from './fixture.js';
import { measure, median, type Measurement } from './measure.js';

const TARGET_RATIO = 1.5;
/** Stated for 200 recipes; kept as is for other N (a child process's start-up cost does not scale with N). */
const TARGET_STATUS_MS = 500;

class BenchInvalid extends Error {}
/** A bad flag: exit 2, like ccci. */
class UsageError extends Error {}

interface Options {
  recipes: number;
  concurrency: number;
  repeat: number;
  json: boolean;
  keep: boolean;
}

function positiveInt(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--${flag}: expected a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      recipes: { type: 'string' },
      concurrency: { type: 'string' },
      repeat: { type: 'string' },
      json: { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(
      'Usage: node dist/bench/sweep-bench.js [--recipes N (200)] [--concurrency C (4)] [--repeat K (1)] [--json] [--keep]\n' +
        '  --repeat  measured floor+sweep runs (median reported); status runs max(K, 3) times\n' +
        '  --keep  leave the sandbox directory in place and print its path\n',
    );
    process.exit(0);
  }
  return {
    recipes: positiveInt('recipes', values.recipes, 200, 100_000),
    concurrency: positiveInt('concurrency', values.concurrency, 4, 64),
    repeat: positiveInt('repeat', values.repeat, 1, 100),
    json: values.json ?? false,
    keep: values.keep ?? false,
  };
}

/** The sweep's progress lines are counted, not printed: the table is the output. */
function countingProgress(): Progress & { lines: number } {
  const progress = {
    lines: 0,
    step() {
      progress.lines += 1;
    },
    line() {
      progress.lines += 1;
    },
  };
  return progress;
}

async function runSweep(sandbox: BenchSandbox): Promise<SweepOutcome> {
  return sweep(sandbox.config, { recipes: [], dryRun: false, retryRed: false }, defaultSweepEffects(), countingProgress());
}

/** A measured sweep must be the no-op it claims to be, or its time means nothing. */
function checkNoOp(label: string, outcome: SweepOutcome, count: number): void {
  if (outcome.kind !== 'done') throw new BenchInvalid(`${label}: the sweep lock was held by ${outcome.holder}`);
  const wrong = outcome.report.recipes.filter((r) => r.decision !== 'skip:no-new-version' || r.outcome !== 'skipped');
  if (outcome.report.recipes.length !== count || wrong.length > 0) {
    const sample = wrong
      .slice(0, 5)
      .map((r) => `${r.recipe}: ${r.outcome} ${r.decision ?? '-'} ${r.error ?? r.reason}`)
      .join('\n  ');
    throw new BenchInvalid(
      `${label}: not a no-op sweep: ${wrong.length} of ${outcome.report.recipes.length} recipe(s) did not skip ` +
        `with skip:no-new-version (expected ${count} recipes)\n  ${sample}`,
    );
  }
}

/** The floor: what any sweep has to pay at least, one ref listing per upstream repository. */
async function floor(sandbox: BenchSandbox, concurrency: number): Promise<void> {
  await inPool(sandbox.upstreamUrls, concurrency, async (url) => {
    // The sweep's own ls-remote (effects/git.ts): the same command line, environment and timeout.
    const refs = await lsRemote(url).catch((error: Error) => {
      throw new BenchInvalid(`${url}: ${error.message}`);
    });
    if (!refs.some((r) => r.ref.startsWith('refs/tags/'))) throw new BenchInvalid(`git ls-remote ${url} listed no tag`);
  });
}

async function statusInProcess(sandbox: BenchSandbox): Promise<number> {
  const text = renderStatus(await collectStatus(sandbox.config));
  const rows = text.split('\n').filter((line) => line.startsWith('bench-')).length;
  if (rows !== sandbox.recipes.length) throw new BenchInvalid(`status showed ${rows} recipe rows, expected ${sandbox.recipes.length}`);
  return text.length;
}

const MAIN_JS = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

async function statusChild(sandbox: BenchSandbox): Promise<number> {
  const result = await execProgram(process.execPath, [MAIN_JS, '--config', sandbox.configFile, 'status'], {
    cwd: sandbox.root,
    env: { CCCI_CONFIG: undefined },
    timeoutMs: 120_000,
  });
  const rows = result.stdout.split('\n').filter((line) => line.startsWith('bench-')).length;
  if (result.exitCode !== 0 || rows !== sandbox.recipes.length) {
    throw new BenchInvalid(
      `ccci status exited ${result.exitCode} showing ${rows} recipe rows (expected ${sandbox.recipes.length}): ${result.stderr.trim()}`,
    );
  }
  return result.stdout.length;
}

interface PhaseSummary {
  runsMs: number[];
  medianMs: number;
  cpuMs: number;
  peakRssBytes: number;
  spawnTotal: number;
  spawnsPerRecipe: number;
  spawns: Record<string, number>;
}

function summarize(runs: readonly Measurement<unknown>[], recipes: number): PhaseSummary {
  // Spawn counts of a no-op are the same every run; the first run's are shown.
  const first = runs[0] as Measurement<unknown>;
  const spawns = Object.fromEntries([...first.spawns.entries()].sort((a, b) => b[1] - a[1]));
  return {
    runsMs: runs.map((r) => round(r.wallMs)),
    medianMs: round(median(runs.map((r) => r.wallMs))),
    cpuMs: round(median(runs.map((r) => r.cpuMs))),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    spawnTotal: first.spawnTotal,
    spawnsPerRecipe: round(first.spawnTotal / recipes, 2),
    spawns,
  };
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(3)} s`;
}

interface Verdict {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };

  log(`setting up ${options.recipes} fixture recipes …`);
  const setup = await measure(() => createSandbox(options.recipes, options.concurrency));
  const sandbox = setup.value;
  try {
    log(`sandbox ${sandbox.root}; warm-up sweep (creates the cache clones) …`);
    const warmup = await measure(() => runSweep(sandbox));
    checkNoOp('warm-up sweep', warmup.value, options.recipes);

    const floorRuns: Measurement<void>[] = [];
    const sweepRuns: Measurement<SweepOutcome>[] = [];
    for (let run = 1; run <= options.repeat; run += 1) {
      log(`run ${run}/${options.repeat}: floor (git ls-remote) …`);
      floorRuns.push(await measure(() => floor(sandbox, options.concurrency)));
      log(`run ${run}/${options.repeat}: no-op sweep …`);
      const measured = await measure(() => runSweep(sandbox));
      checkNoOp(`measured sweep ${run}`, measured.value, options.recipes);
      sweepRuns.push(measured);
    }

    log('ccci status, in process and as a child process …');
    // Status is cheap next to a sweep: always timed a few times, the median reported.
    const statusRepeat = Math.max(options.repeat, 3);
    const statusRuns: Measurement<number>[] = [];
    for (let run = 0; run < statusRepeat; run += 1) statusRuns.push(await measure(() => statusInProcess(sandbox)));
    const childRuns: Measurement<number>[] = [];
    for (let run = 0; run < statusRepeat; run += 1) childRuns.push(await measure(() => statusChild(sandbox)));

    const n = options.recipes;
    const result = {
      recipes: n,
      concurrency: options.concurrency,
      repeat: options.repeat,
      environment: {
        node: process.version,
        git: (await gitVersion()) ?? 'unknown',
        cpus: os.availableParallelism(),
        platform: `${os.platform()} ${os.release()}`,
        // Other work on the machine slows spawns for floor and sweep alike, but shows in the absolute times.
        loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
      },
      setupMs: round(setup.wallMs),
      warmup: summarize([warmup], n),
      floor: summarize(floorRuns, n),
      sweep: summarize(sweepRuns, n),
      ratio: 0,
      statusInProcess: summarize(statusRuns, n),
      statusChild: summarize(childRuns, n),
      /** Whole-process peak (process.resourceUsage().maxRSS), everything above included. */
      processMaxRssBytes: process.resourceUsage().maxRSS * 1024,
      targets: { ratio: TARGET_RATIO, statusMs: TARGET_STATUS_MS },
      verdicts: [] as Verdict[],
      missed: [] as string[],
    };
    result.ratio = round(result.sweep.medianMs / result.floor.medianMs, 2);
    const statusTarget = result.targets.statusMs;
    result.verdicts = [
      { name: 'sweep / floor', value: result.ratio.toFixed(2), target: `<= ${TARGET_RATIO}`, met: result.ratio <= TARGET_RATIO },
      {
        name: 'status (in process)',
        value: seconds(result.statusInProcess.medianMs),
        target: `< ${seconds(statusTarget)}`,
        met: result.statusInProcess.medianMs < statusTarget,
      },
      {
        name: 'status (ccci child process)',
        value: seconds(result.statusChild.medianMs),
        target: `< ${seconds(statusTarget)}`,
        met: result.statusChild.medianMs < statusTarget,
      },
    ];
    result.missed = result.verdicts.filter((v) => !v.met).map((v) => `${v.name}: ${v.value}, target ${v.target}`);

    if (options.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderReport(result)}\n`);
    }
    for (const missed of result.missed) {
      process.stderr.write(`\n!!!!!!!! MISSED: ${missed} !!!!!!!!\n`);
    }
    if (options.keep) process.stderr.write(`sandbox kept: ${sandbox.root} (config ${sandbox.configFile})\n`);
    return 0;
  } finally {
    if (!options.keep) await sandbox.cleanup();
  }
}

type Result = {
  recipes: number;
  concurrency: number;
  repeat: number;
  environment: { node: string; git: string; cpus: number; platform: string; loadAverageAtEnd: number[] };
  setupMs: number;
  warmup: PhaseSummary;
  floor: PhaseSummary;
  sweep: PhaseSummary;
  ratio: number;
  statusInProcess: PhaseSummary;
  statusChild: PhaseSummary;
  processMaxRssBytes: number;
  verdicts: Verdict[];
};

function renderReport(r: Result): string {
  const phase = (name: string, p: PhaseSummary, target = '', result = '', perRecipe = true) => [
    name,
    seconds(p.medianMs),
    p.runsMs.map((ms) => (ms / 1000).toFixed(3)).join(' '),
    seconds(p.cpuMs),
    formatBytes(p.peakRssBytes),
    p.spawnTotal === 0 ? '-' : perRecipe ? `${p.spawnTotal} (${p.spawnsPerRecipe}/recipe)` : String(p.spawnTotal),
    target,
    result,
  ];
  const verdict = (name: string) => r.verdicts.find((v) => v.name === name) as Verdict;
  const mark = (v: Verdict) => (v.met ? 'ok' : 'MISSED');
  const ratio = verdict('sweep / floor');
  const inProcess = verdict('status (in process)');
  const child = verdict('status (ccci child process)');
  const rows = [
    phase(`floor: git ls-remote x${r.recipes}`, r.floor),
    phase('sweep: warm-up (clones caches)', r.warmup),
    phase('sweep: no-op steady state', r.sweep),
    ['ratio sweep / floor', ratio.value, '', '', '', '', ratio.target, mark(ratio)],
    phase('status: in process', r.statusInProcess, inProcess.target, mark(inProcess), false),
    phase('status: ccci child process', r.statusChild, child.target, mark(child), false),
  ];
  const spawnRows = Object.entries(r.sweep.spawns).map(([key, count]) => [key, String(count), (count / r.recipes).toFixed(2)]);
  const e = r.environment;
  return [
    `cc-ci sweep benchmark: ${r.recipes} recipes, concurrency ${r.concurrency}, ${r.repeat} measured floor+sweep run(s) (median)`,
    `node ${e.node}, git ${e.git}, ${e.cpus} CPU(s), ${e.platform}, load average ${e.loadAverageAtEnd.join(' ')}; fixture set up in ${seconds(r.setupMs)}`,
    '',
    table(['PHASE', 'MEDIAN', 'RUNS (s)', 'CPU (node)', 'PEAK RSS', 'PROGRAMS STARTED', 'TARGET', 'RESULT'], rows),
    '',
    `peak RSS of the whole benchmark process (resourceUsage().maxRSS): ${formatBytes(r.processMaxRssBytes)}`,
    '',
    'programs started by one no-op sweep:',
    table(['PROGRAM', 'COUNT', 'PER RECIPE'], spawnRows),
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`sweep-bench: ${error.message} (see --help)\n`);
      process.exit(2);
    }
    const message = error instanceof BenchInvalid ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`sweep-bench: INVALID BENCHMARK: ${message}\n`);
    process.exit(1);
  },
);
