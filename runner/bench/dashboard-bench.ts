// The dashboard of a large CI server: 400 enrolled recipes, 90 nights of nightly sweeps
// each (a new release every 15 nights, every tenth recipe red on its newest tag, the
// rest promoted or skipped), sweep reports, sync records, and the runs the dashboard
// carries, with logs and results the size the test doubles write. It times
// writeDashboard() (gather, render, write, fsync, swap) and weighs what it wrote.
// The first write reads and writes everything; the next ones (each sweep's) link what did
// not change from the live build and read only new reports and runs, so it also times the
// next night. Budget (issue 12): under 1 s, under 5 MB. Not a test: `npm run bench:dashboard`.
//   node dist/bench/dashboard-bench.js [--recipes N] [--nights N] [--runs N] [--keep]
import { appendFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../src/config/config.js';
import { writeDashboard } from '../src/dashboard/dashboard.js';
import { formatBytes } from '../src/text/format.js';

const BUDGET_MS = 1000;
const BUDGET_BYTES = 5 * 1000 * 1000;
const DAY = 86_400_000;
/** An empty tar archive: 10 KiB of zeros (GNU tar's default record size). */
const EMPTY_TAR = Buffer.alloc(10_240);
const EMPTY_TAR_SHA256 = createHash('sha256').update(EMPTY_TAR).digest('hex');

const { values } = parseArgs({
  options: {
    recipes: { type: 'string', default: '400' },
    nights: { type: 'string', default: '90' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const RECIPES = Number(values.recipes);
const NIGHTS = Number(values.nights);
const REPEATS = Number(values.runs);

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);
const commit = (recipe: number, release: number) => `${hex(recipe, 20)}${hex(release, 20)}`;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** A run log like the doubles' (a cold run, every rung, the lint table): about 6 KB. */
function runLog(runId: string, recipe: string, version: string, at: number, red: boolean): string {
  const lines = [
    `run ${runId}: ${recipe} (cold) on ${recipe.slice(0, 4)}-1a2b3c.ci.example.org, ABRA_DIR /var/lib/cc-ci-runs/${runId}/abra`,
    `head: ${version} at ${commit(1, 1)} (release tag)`,
    `upgrade base: 1.0.0+1.0 (canonical: the canonical is older than head ${version})`,
    '== install',
    `$ abra app new ${recipe} ${version} --server ci-server --domain ${recipe.slice(0, 4)}-1a2b3c.ci.example.org --secrets --no-input -> exit 0 in 247 ms`,
    `  INFO ${recipe.slice(0, 4)}-1a2b3c.ci.example.org created (recipe ${recipe} ${version})`,
    `$ abra app deploy ${recipe.slice(0, 4)}-1a2b3c.ci.example.org ${version} --no-domain-checks --no-input -> exit 0 in 233 ms`,
    red ? '== install: fail: not ready within 300 s (GET / answered 500)' : '== install: pass: deployed; healthy and GET / answered in 0.2 s',
    '== upgrade',
    '== upgrade: pass: upgraded to head; version label matches',
    '== backup',
    '$ abra app backup create x --no-input -> exit 0 in 140 ms',
    '  INFO backup created: snapshot 20261201T213831832Z-4406',
    '$ abra app restore x --no-input -> exit 0 in 157 ms',
    '== backup: pass: backup and restore round-tripped a marker in 1 place(s); app healthy after restore',
    '== functional',
    '== functional: pass: 1 HTTP check(s) and 0 executable(s) passed',
    '== teardown',
    '$ abra app undeploy x --no-input -> exit 0 in 183 ms',
    '$ abra app remove x --force --no-input -> exit 0 in 178 ms',
    '== teardown: done',
    '== lint',
    '$ abra recipe lint x --no-input (pty) -> exit 0 in 141 ms',
    '  ┌──────┬─────────────────────────────────────────────┬──────────┬───────────┬─────────┬─────────┐',
    '  │ REF  │ RULE                                        │ SEVERITY │ SATISFIED │ SKIPPED │ RESOLVE │',
    ...Array.from({ length: 16 }, (_, i) => `  │ R${String(i + 1).padStart(3, '0')} │ a lint rule of abra, described in some words │ warn     │ ✅         │ ❌       │         │`),
    '  └──────┴─────────────────────────────────────────────┴──────────┴───────────┴─────────┴─────────┘',
  ];
  return lines.map((l, i) => `${new Date(at + i * 300).toISOString()} ${l}`).join('\n') + '\n';
}

function results(runId: string, recipe: string, version: string, at: number, red: boolean): string {
  const rung = (name: string, status: string, reason: string) => ({ rung: name, status, reason, durationMs: 700 });
  return `${JSON.stringify(
    {
      schema: 1,
      runId,
      recipe,
      version,
      versionFromLabel: true,
      commit: commit(1, 1),
      ref: version,
      prRef: null,
      source: { kind: 'git', url: `/var/cache/cc-ci/mirrors/${recipe}.git` },
      mode: 'cold',
      fellBackToCold: null,
      domain: `${recipe.slice(0, 4)}-1a2b3c.ci.example.org`,
      base: { version: '1.0.0+1.0', rule: 'canonical', reason: 'the canonical is older than head' },
      rungs: red
        ? [rung('install', 'fail', 'not ready within 300 s (GET / answered 500)'), ...['upgrade', 'backup', 'functional', 'lint'].map((r) => rung(r, 'unver', 'not run: install failed'))]
        : ['install', 'upgrade', 'backup', 'functional', 'lint'].map((r) => rung(r, 'pass', 'passed')),
      level: red ? 0 : 5,
      verdict: red ? 'red' : 'green',
      verdictReason: red ? 'red: install fail' : 'green at level 5',
      teardown: { ok: true, problems: [] },
      interrupted: null,
      startedAt: new Date(at).toISOString(),
      finishedAt: new Date(at + 180_000).toISOString(),
      durationMs: 180_000,
      runDir: `/var/lib/cc-ci-runs/${runId}`,
    },
    null,
    2,
  )}\n`;
}

async function buildState(root: string, now: number): Promise<Config> {
  const config: Config = {
    repo: root,
    stateDir: path.join(root, 'state'),
    runsDir: path.join(root, 'runs'),
    cacheDir: path.join(root, 'cache'),
    abraDir: path.join(root, 'abra'),
    server: 'ci-server',
    domain: 'ci.example.org',
    ingress: null,
    upstream: 'https://git.example.org/upstream',
    mirror: null,
    recipes: {},
    maxConcurrentRuns: 1,
    minFreeDiskPercent: 0,
    metricsFile: null,
    dashboardDir: null,
    source: 'benchmark',
  };
  await mkdir(path.join(config.stateDir, 'sweeps'), { recursive: true });
  await mkdir(path.join(config.cacheDir, 'mirrors'), { recursive: true });
  const first = Date.parse(new Date(now - (NIGHTS - 1) * DAY).toISOString().slice(0, 10)) + 2 * 3_600_000;
  const nightly: Record<string, unknown>[][] = Array.from({ length: NIGHTS }, () => []);
  for (let r = 0; r < RECIPES; r += 1) {
    const recipe = `recipe-${String(r).padStart(3, '0')}`;
    config.recipes[recipe] = {};
    const dir = path.join(config.stateDir, recipe);
    await mkdir(dir, { recursive: true });
    const redNewest = r % 10 === 3;
    const lines: string[] = [];
    const tags: { tag: string; commit: string }[] = [];
    let canonical: { version: string; commit: string; runId: string; at: number } | null = null;
    for (let n = 0; n < NIGHTS; n += 1) {
      const at = first + n * DAY + r * 2_000;
      const release = Math.floor((n + (r % 15)) / 15);
      const version = `1.${release}.0+2.${release}`;
      const releaseNight = (n + (r % 15)) % 15 === 0 || n === 0;
      if (!tags.some((t) => t.tag === version)) tags.push({ tag: version, commit: commit(r, release) });
      const lastRelease = release === Math.floor((NIGHTS - 1 + (r % 15)) / 15);
      const red = redNewest && lastRelease;
      const sweepId = `${new Date(first + n * DAY).toISOString().replace(/[:.]/g, '-')}-${hex(n, 4)}`;
      let attempt: Record<string, unknown>;
      if (releaseNight) {
        const runId = `${stamp(at)}-${recipe}-${hex(r * 1000 + n, 6)}`;
        {
          await mkdir(path.join(config.runsDir, runId), { recursive: true });
          await writeFile(path.join(config.runsDir, runId, 'run.log'), runLog(runId, recipe, version, at, red));
          await writeFile(path.join(config.runsDir, runId, 'results.json'), results(runId, recipe, version, at, red));
        }
        attempt = { decision: 'run', tag: version, commit: commit(r, release), runId, verdict: red ? 'red' : 'green', level: red ? 0 : 5, promoted: !red, outcome: red ? 'red' : 'promoted', durationMs: 180_000 };
        if (!red) canonical = { version, commit: commit(r, release), runId, at };
      } else {
        const knownRed = red;
        attempt = { decision: knownRed ? 'skip:known-red' : 'skip:no-new-version', tag: version, commit: commit(r, release), runId: null, verdict: null, level: null, promoted: false, outcome: 'skipped', durationMs: 900 };
      }
      lines.push(JSON.stringify({ at: new Date(at).toISOString(), sweepId, recipe, ...attempt }));
      (nightly[n] as Record<string, unknown>[]).push({
        recipe,
        decision: attempt.decision,
        reason: `${attempt.decision as string} (latest ${version})`,
        latestTag: version,
        canonicalBefore: canonical ? { version: canonical.version, commit: canonical.commit } : null,
        canonicalAfter: canonical ? { version: canonical.version, commit: canonical.commit } : null,
        runId: attempt.runId,
        verdict: attempt.verdict,
        level: attempt.level,
        promoted: attempt.promoted,
        outcome: attempt.outcome,
        durationMs: attempt.durationMs,
        warnings: [],
        error: null,
      });
    }
    await writeFile(path.join(dir, 'attempts.jsonl'), `${lines.join('\n')}\n`);
    if (canonical) {
      const snapshotId = `${canonical.runId}-000000`;
      await writeFile(
        path.join(dir, 'canonical.json'),
        `${JSON.stringify({ schema: 1, recipe, domain: `warm-${recipe}.ci.example.org`, version: canonical.version, commit: canonical.commit, status: 'idle', promotedAt: new Date(canonical.at).toISOString(), updatedAt: new Date(canonical.at).toISOString(), runId: canonical.runId, level: 5, snapshot: { id: snapshotId, volumes: ['content'], bytes: EMPTY_TAR.length } }, null, 2)}\n`,
      );
      // The snapshot it names, as a promote leaves it: the dashboard reads the record as
      // the sweep does (meta.json, the archive's size), and refuses one without it.
      const snapshot = path.join(dir, 'snapshots', snapshotId);
      await mkdir(path.join(snapshot, 'volumes'), { recursive: true });
      await writeFile(path.join(snapshot, 'volumes', 'content.tar'), EMPTY_TAR);
      await writeFile(
        path.join(snapshot, 'meta.json'),
        `${JSON.stringify({ schema: 1, id: snapshotId, recipe, version: canonical.version, commit: canonical.commit, stack: `warm-${recipe}_ci_example_org`, createdAt: new Date(canonical.at).toISOString(), volumes: [{ name: 'content', archive: 'volumes/content.tar', bytes: EMPTY_TAR.length, sha256: EMPTY_TAR_SHA256 }] }, null, 2)}\n`,
      );
    }
    const refs = tags.map((t) => ({ ref: `refs/tags/${t.tag}`, oid: t.commit }));
    await writeFile(
      path.join(config.cacheDir, 'mirrors', `${recipe}.sync.json`),
      JSON.stringify({
        schema: 1,
        recipe,
        upstreamUrl: `https://git.example.org/upstream/${recipe}.git`,
        mirrorUrl: null,
        syncedAt: new Date(now - DAY / 2).toISOString(),
        upstream: [{ ref: 'refs/heads/main', oid: commit(r, 999) }, ...refs],
        published: [{ ref: 'refs/heads/main', oid: commit(r, 999) }, ...refs],
        tags,
      }),
    );
  }
  for (let n = 0; n < NIGHTS; n += 1) {
    const started = first + n * DAY;
    const sweepId = `${new Date(started).toISOString().replace(/[:.]/g, '-')}-${hex(n, 4)}`;
    const recipes = nightly[n] as Record<string, unknown>[];
    const failed = recipes.some((x) => x.outcome === 'red');
    await writeFile(
      path.join(config.stateDir, 'sweeps', `${sweepId}.json`),
      `${JSON.stringify({ schema: 1, sweepId, startedAt: new Date(started).toISOString(), finishedAt: new Date(started + 1_800_000).toISOString(), durationMs: 600_000 + (n % 7) * 120_000, dryRun: false, retryRed: n % 7 === 6, enrolled: recipes.map((x) => x.recipe), result: failed ? 'failed' : 'ok', exitCode: failed ? 1 : 0, recipes, warnings: [] }, null, 2)}\n`,
    );
  }
  return config;
}

/** What a reader can reach: the live build, the shared directories (not older builds or dot-files). */
async function weigh(dir: string): Promise<{ bytes: number; files: number; pages: number; runs: number }> {
  let bytes = 0;
  let files = 0;
  let pages = 0;
  let runs = 0;
  for (const top of ['current/', 'badges', 'runs']) {
    for (const entry of await readdir(path.join(dir, top), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const size = (await stat(path.join(entry.parentPath, entry.name))).size;
      bytes += size;
      files += 1;
      if (top === 'runs') runs += size;
      else pages += size;
    }
  }
  return { bytes, files, pages, runs };
}

const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-dashboard-bench-'));
try {
  const now = Date.parse('2026-11-30T12:00:00.000Z');
  process.stdout.write(`building the state: ${RECIPES} recipes x ${NIGHTS} nights in ${root} …\n`);
  const config = await buildState(root, now);
  // A server's state has long been on disk when the dashboard is written (the sweep fsyncs
  // what it writes): flush the files just made, so that the first write does not wait for
  // the journal to take thousands of them.
  execFileSync('sync', ['-f', root]);
  const out = path.join(root, 'state', 'dashboard');
  const times: number[] = [];
  const cpus: number[] = [];
  let last: Awaited<ReturnType<typeof writeDashboard>> | null = null;
  for (let i = 0; i < REPEATS; i += 1) {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    last = await writeDashboard(config, out, { now: new Date(now) });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
  }
  // The next night: every recipe skipped once more, one more report, the window moved on.
  const tomorrow = now + DAY;
  const sweepStart = Date.parse(new Date(tomorrow).toISOString().slice(0, 10)) + 2 * 3_600_000;
  const sweepId = `${new Date(sweepStart).toISOString().replace(/[:.]/g, '-')}-ffff`;
  for (const recipe of Object.keys(config.recipes)) {
    const line = { at: new Date(sweepStart + 1000).toISOString(), sweepId, recipe, decision: 'skip:no-new-version', tag: null, commit: null, runId: null, verdict: null, level: null, promoted: false, outcome: 'skipped', durationMs: 900 };
    await appendFile(path.join(config.stateDir, recipe, 'attempts.jsonl'), `${JSON.stringify(line)}\n`);
  }
  await writeFile(
    path.join(config.stateDir, 'sweeps', `${sweepId}.json`),
    JSON.stringify({ schema: 1, sweepId, startedAt: new Date(sweepStart).toISOString(), finishedAt: new Date(sweepStart + 600_000).toISOString(), durationMs: 600_000, dryRun: false, retryRed: false, enrolled: Object.keys(config.recipes), result: 'ok', exitCode: 0, recipes: Object.keys(config.recipes).map((recipe) => ({ recipe, decision: 'skip:no-new-version', reason: 'skip:no-new-version', latestTag: null, canonicalBefore: null, canonicalAfter: null, runId: null, verdict: null, level: null, promoted: false, outcome: 'skipped', durationMs: 900, warnings: [], error: null })), warnings: [] }),
  );
  const nextStarted = process.hrtime.bigint();
  const nextCpu = process.cpuUsage();
  const next = await writeDashboard(config, out, { now: new Date(tomorrow) });
  const nextMs = Number(process.hrtime.bigint() - nextStarted) / 1e6;
  const nextCpuUsed = process.cpuUsage(nextCpu);
  const nextCpuMs = (nextCpuUsed.user + nextCpuUsed.system) / 1000;
  const weight = await weigh(out);
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const first = times[0] as number;
  process.stdout.write(
    [
      `dashboard of ${last?.recipes} recipes x ${NIGHTS} nights: ${weight.files} files, ${last?.attention} needing a look`,
      `  written in: median ${median.toFixed(0)} ms, first ${first.toFixed(0)} ms, all ${times.map((t) => t.toFixed(0)).join(' ')} ms (budget ${BUDGET_MS} ms)`,
      `  CPU time of this process: ${cpus.map((t) => t.toFixed(0)).join(' ')} ms`,
      `  the next night (one more sweep, the window moved on): ${nextMs.toFixed(0)} ms (CPU ${nextCpuMs.toFixed(0)} ms), ${next.unchanged} of ${next.files} files unchanged`,
      `  weight: ${formatBytes(weight.bytes)} (${weight.bytes} bytes; pages and badges ${formatBytes(weight.pages)}, run logs and results ${formatBytes(weight.runs)}; budget ${BUDGET_BYTES} bytes)`,
    ].join('\n') + '\n',
  );
  const over: string[] = [];
  if (first >= BUDGET_MS) over.push(`first write ${first.toFixed(0)} ms >= ${BUDGET_MS} ms`);
  if (median >= BUDGET_MS) over.push(`time ${median.toFixed(0)} ms >= ${BUDGET_MS} ms`);
  if (nextMs >= BUDGET_MS) over.push(`next night ${nextMs.toFixed(0)} ms >= ${BUDGET_MS} ms`);
  if (weight.bytes >= BUDGET_BYTES) over.push(`weight ${weight.bytes} >= ${BUDGET_BYTES} bytes`);
  process.stdout.write(`  load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores\n`);
  process.stdout.write(over.length === 0 ? 'within budget\n' : `OVER BUDGET: ${over.join('; ')}\n`);
  process.exitCode = over.length === 0 ? 0 : 1;
} finally {
  if (values.keep) process.stdout.write(`kept ${root}\n`);
  else await rm(root, { recursive: true, force: true });
}
