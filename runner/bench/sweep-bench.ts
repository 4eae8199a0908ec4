// `npm run bench`: what the runner costs, measured the way it runs, against what the
// same work costs done by plain tools. It reports; it judges nothing (exit 0 whatever
// the numbers). It exits 1 only when the benchmark itself is invalid (a sweep that was
// not the no-op it should be, a command that failed), because then the numbers mean
// nothing, and 2 on a bad flag.
//
//   node dist/bench/sweep-bench.js [--phases sweep,startup,snapshot,first-sweep]
//     [--recipes 25,100,400] [--mirror no,yes] [--runs 5] [--nights 365]
//     [--startup-recipes 400] [--snapshot-mib 1024] [--small-files 20000]
//     [--first-sweep-recipes 20] [--first-sweep-runs 3] [--json]
//
// Phases (see each file):
//   sweep        noop-sweep.ts: a whole cold `ccci sweep` against `xargs -P4 git ls-remote`
//   startup      startup.ts: `ccci status` and `ccci --help` against `node -e 0`
//   snapshot     snapshot-bench.ts: snapshot and restore of 1 GiB against tar -cf / tar -xf
//   first-sweep  first-sweep.ts: the first sweep of 20 recipes on the test doubles
// The default matrix takes about 25 minutes on a busy two-core machine.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { formatBytes, table } from '../src/text/format.js';
import { gitVersion } from '../src/effects/git.js';
import { measureFirstSweep, type FirstSweepResult } from './first-sweep.js';
import { BenchInvalid, removeScratch, type PairedResult } from './measure.js';
import { measureSweepCase, type SweepCase } from './noop-sweep.js';
import { measureSnapshot, type SnapshotResult } from './snapshot-bench.js';
import { measureStartup, type StartupResult } from './startup.js';

const PHASES = ['sweep', 'startup', 'snapshot', 'first-sweep'] as const;
type Phase = (typeof PHASES)[number];

class UsageError extends Error {}

interface Options {
  phases: Phase[];
  recipes: number[];
  mirror: boolean[];
  runs: number;
  nights: number;
  startupRecipes: number;
  snapshotMiB: number;
  smallFiles: number;
  firstSweepRecipes: number;
  firstSweepRuns: number;
  json: boolean;
}

const USAGE = `Usage: node dist/bench/sweep-bench.js [options]
  --phases LIST            of ${PHASES.join(',')} (default: all)
  --recipes LIST           N for the no-op sweep (default 25,100,400)
  --mirror LIST            no,yes: without and/or with a mirror (default no,yes)
  --runs K                 paired runs per measurement (default 5; at least 1)
  --nights K               attempts history per recipe (default 365)
  --startup-recipes N      N for ccci status / --help (default 400)
  --snapshot-mib M         size of the snapshotted volume (default 1024)
  --small-files K          small files in it (default 20000)
  --first-sweep-recipes R  recipes of the first sweep (default 20)
  --first-sweep-runs K     first sweeps timed (default 3)
  --json                   one JSON document on stdout instead of tables
`;

function whole(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function list<T>(flag: string, text: string, item: (part: string) => T): T[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`--${flag}: an empty item in ${JSON.stringify(text)}`);
  return parts.map(item);
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        phases: { type: 'string' },
        recipes: { type: 'string' },
        mirror: { type: 'string' },
        runs: { type: 'string' },
        nights: { type: 'string' },
        'startup-recipes': { type: 'string' },
        'snapshot-mib': { type: 'string' },
        'small-files': { type: 'string' },
        'first-sweep-recipes': { type: 'string' },
        'first-sweep-runs': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  return {
    phases: list('phases', values.phases ?? PHASES.join(','), (p) => {
      if (!(PHASES as readonly string[]).includes(p)) throw new UsageError(`--phases: unknown phase ${JSON.stringify(p)}`);
      return p as Phase;
    }),
    recipes: list('recipes', values.recipes ?? '25,100,400', (p) => whole('recipes', p, 1, 100_000)),
    mirror: list('mirror', values.mirror ?? 'no,yes', (p) => {
      if (p !== 'no' && p !== 'yes') throw new UsageError(`--mirror: expected no or yes, got ${JSON.stringify(p)}`);
      return p === 'yes';
    }),
    runs: whole('runs', values.runs ?? '5', 1, 1000),
    nights: whole('nights', values.nights ?? '365', 0, 100_000),
    startupRecipes: whole('startup-recipes', values['startup-recipes'] ?? '400', 1, 100_000),
    snapshotMiB: whole('snapshot-mib', values['snapshot-mib'] ?? '1024', 1, 1 << 20),
    smallFiles: whole('small-files', values['small-files'] ?? '20000', 0, 10_000_000),
    firstSweepRecipes: whole('first-sweep-recipes', values['first-sweep-recipes'] ?? '20', 1, 1000),
    firstSweepRuns: whole('first-sweep-runs', values['first-sweep-runs'] ?? '3', 1, 100),
    json: values.json ?? false,
  };
}

const s = (ms: number) => (ms / 1000).toFixed(3);
const x = (ratio: number) => `${ratio.toFixed(2)}x`;
const rss = (bytes: number | null) => (bytes === null ? '-' : formatBytes(bytes));
const spread = (p: PairedResult['baseline']) => `${s(p.median)} (${s(p.min)}-${s(p.max)})`;
const cpuRatio = (p: PairedResult) =>
  p.baselineCpuMs === null || p.subjectCpuMs === null
    ? '-'
    : `${s(p.baselineCpuMs)} / ${s(p.subjectCpuMs)} (${x(p.subjectCpuMs / p.baselineCpuMs)})`;

function sweepTable(cases: readonly SweepCase[]): string {
  const rows = cases.map((c) => [
    String(c.recipes),
    c.mirror ? 'yes' : 'no',
    String(c.remotes),
    spread(c.result.baseline),
    spread(c.result.subject),
    x(c.result.ratio),
    x(c.result.pairRatio),
    `${(c.result.baseline.median / c.recipes).toFixed(2)} / ${(c.result.subject.median / c.recipes).toFixed(2)}`,
    cpuRatio(c.result),
    rss(c.result.baselineRss),
    rss(c.result.subjectRss),
  ]);
  const lines = [
    table(
      ['N', 'MIRROR', 'LISTINGS', 'FLOOR s (min-max)', 'SWEEP s (min-max)', 'RATIO', 'PAIR RATIO', 'ms/RECIPE floor / sweep', 'CPU s floor / sweep', 'FLOOR RSS', 'SWEEP RSS'],
      rows,
    ),
  ];
  // The marginal cost of one more recipe: the slope between the smallest and largest N.
  for (const mirror of [false, true]) {
    const mine = cases.filter((c) => c.mirror === mirror).sort((a, b) => a.recipes - b.recipes);
    const first = mine[0];
    const last = mine.at(-1);
    if (!first || !last || first === last) continue;
    const n = last.recipes - first.recipes;
    const floor = (last.result.baseline.median - first.result.baseline.median) / n;
    const sweep = (last.result.subject.median - first.result.subject.median) / n;
    const fixed = first.result.subject.median - sweep * first.recipes;
    lines.push(
      `${mirror ? 'with' : 'without'} a mirror, per extra recipe (N ${first.recipes} to ${last.recipes}): ` +
        `floor ${floor.toFixed(2)} ms, sweep ${sweep.toFixed(2)} ms; the sweep's fixed cost about ${fixed.toFixed(0)} ms`,
    );
  }
  return lines.join('\n');
}

function pairedRow(name: string, p: PairedResult): string[] {
  return [name, spread(p.baseline), spread(p.subject), x(p.ratio), x(p.pairRatio), cpuRatio(p), rss(p.baselineRss), rss(p.subjectRss)];
}

function render(result: BenchResult): string {
  const e = result.environment;
  const out = [
    `cc-ci benchmark: ${result.options.runs} paired run(s) per measurement (median, min-max), ${result.options.nights} nights of history`,
    `node ${e.node}, git ${e.git}, ${e.cpus} CPU(s), ${e.platform}, load average ${e.loadAverage.join(' ')} (at the end); took ${(result.tookMs / 60_000).toFixed(1)} min`,
  ];
  if (result.sweep.length > 0) {
    out.push('', 'no-op sweep: a whole cold `ccci sweep` against `xargs -P4 -n1 git ls-remote` of the same remotes', sweepTable(result.sweep));
  }
  if (result.startup) {
    const st = result.startup;
    out.push(
      '',
      `startup at N=${st.recipes}, ${st.nights} nights: against node -e 0`,
      table(['COMMAND', 'node -e 0 s', 'ccci s', 'RATIO', 'PAIR RATIO', 'CPU s node / ccci', 'node RSS', 'ccci RSS'], [
        pairedRow('ccci status', st.status),
        pairedRow('ccci --help', st.help),
      ]),
    );
  }
  if (result.snapshot) {
    const sn = result.snapshot;
    out.push(
      '',
      `snapshot of ${formatBytes(sn.bytes)} in ${sn.files} files: against plain tar`,
      table(['WHAT', 'tar s', 'ccci s', 'RATIO', 'PAIR RATIO', 'CPU s', 'tar RSS', ''], [
        pairedRow('snapshot vs tar -cf', sn.snapshot),
        pairedRow('snapshot vs tar -cf + fsync', sn.snapshotDurable),
        pairedRow('restore vs tar -xf', sn.restore),
      ]),
    );
  }
  if (result.firstSweep) {
    const f = result.firstSweep;
    out.push(
      '',
      `first sweep of ${f.recipes} recipes on the doubles (maxConcurrentRuns ${f.maxConcurrentRuns}): ` +
        `${s(f.wall.median)} s (${s(f.wall.min)}-${s(f.wall.max)}), peak RSS ${rss(f.peakRssBytes)}`,
    );
  }
  return out.join('\n');
}

interface BenchResult {
  options: Options;
  environment: { node: string; git: string; cpus: number; platform: string; loadAverage: number[] };
  tookMs: number;
  sweep: SweepCase[];
  startup: StartupResult | null;
  snapshot: SnapshotResult | null;
  firstSweep: FirstSweepResult | null;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  const result: BenchResult = {
    options,
    environment: {
      node: process.version,
      git: (await gitVersion()) ?? 'unknown',
      cpus: os.availableParallelism(),
      platform: `${os.platform()} ${os.release()}`,
      loadAverage: [],
    },
    tookMs: 0,
    sweep: [],
    startup: null,
    snapshot: null,
    firstSweep: null,
  };
  try {
    if (options.phases.includes('sweep')) {
      for (const recipes of options.recipes) {
        for (const mirror of options.mirror) {
          result.sweep.push(await measureSweepCase({ recipes, mirror, nights: options.nights, runs: options.runs }, log));
        }
      }
    }
    if (options.phases.includes('startup')) {
      result.startup = await measureStartup({ recipes: options.startupRecipes, nights: options.nights, runs: options.runs }, log);
    }
    if (options.phases.includes('snapshot')) {
      result.snapshot = await measureSnapshot({ mib: options.snapshotMiB, smallFiles: options.smallFiles, runs: options.runs }, log);
    }
    if (options.phases.includes('first-sweep')) {
      result.firstSweep = await measureFirstSweep({ recipes: options.firstSweepRecipes, runs: options.firstSweepRuns }, log);
    }
  } finally {
    await removeScratch();
  }
  result.tookMs = Date.now() - started;
  result.environment.loadAverage = os.loadavg().map((l) => Math.round(l * 100) / 100);
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${render(result)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`sweep-bench: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    const message = error instanceof BenchInvalid ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`sweep-bench: INVALID BENCHMARK: ${message}\n`);
    process.exit(1);
  },
);
