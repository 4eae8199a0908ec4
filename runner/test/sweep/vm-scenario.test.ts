// The scenario of the NixOS VM test (checks/vm-test.nix), step for step, on this
// machine: the same fakes (checks/fakes), the same fixture shape (src/demo/fixtures.ts),
// the same recipe definitions (checks/vm-repo), upstream and mirror as bare repositories,
// a file mirror with a token, and `ccci sweep` / `ccci sweep --retry-red` (under the
// units' UMask=0077) standing in for `systemctl start cc-ci-sweep-nightly` / `-weekly`.
// Each step asserts why it turned out as it did (the decision, the outcome, the rung,
// the attempt line), not only the exit status or an unchanged file.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { bareCloneOf, commitUntagged, createFixtureRecipe, publishTo, releaseVersion } from '../../src/demo/fixtures.js';
import { createSandbox, type Sandbox } from '../../src/demo/sandbox.js';
import { execChecked } from '../../src/effects/exec.js';
import { headCommit } from '../../src/effects/git.js';
import { readAttempts, type Attempt } from '../../src/registry/attempts.js';
import { readRunResult } from '../../src/run/result.js';
import type { RecipeReport, SweepReport } from '../../src/sweep/report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../../../..');
const CLI = path.resolve(here, '../../src/cli/main.js');
const RECIPE = 'vmfix';
/** Enrolled part way through, when its upstream holds only an untagged commit. */
const FRESH = 'vmfresh';

interface Sweep {
  code: number | null;
  output: string;
}

describe('the VM test scenario, on the test doubles', () => {
  let root: string;
  let sandbox: Sandbox;
  let configFile: string;
  let canonical: string;
  let metricsFile: string;
  let tokenFile: string;
  const enrolled: string[] = [RECIPE];
  const work = (recipe: string) => path.join(root, 'work', recipe);
  const upstream = (recipe: string) => path.join(root, 'git', 'upstream', `${recipe}.git`);
  const mirror = (recipe: string) => path.join(root, 'git', 'mirror', `${recipe}.git`);

  /** What services.cc-ci writes for the VM test's configuration. */
  const writeConfig = () =>
    writeFileSync(
      configFile,
      JSON.stringify({
        repo: path.join(projectRoot, 'checks', 'vm-repo'),
        stateDir: sandbox.stateDir,
        runsDir: sandbox.runsDir,
        cacheDir: sandbox.cacheDir,
        abraDir: sandbox.abraDir,
        server: 'default',
        domain: 'ci.example.org',
        ingress: sandbox.ingress,
        upstream: `file://${path.dirname(upstream(RECIPE))}`,
        mirror: { url: `file://${path.dirname(mirror(RECIPE))}`, api: null, owner: 'cc-ci', tokenFile },
        recipes: Object.fromEntries(enrolled.map((name) => [name, {}])),
        maxConcurrentRuns: 1,
        minFreeDiskPercent: 0,
        metricsFile,
      }),
    );

  /** `ccci sweep` as the unit runs it: UMask=0077, output as in the journal. */
  const start = (weekly = false, onLine?: (line: string) => void): { child: ChildProcess; done: Promise<Sweep> } => {
    const previous = process.umask(0o077);
    const child = spawn(process.execPath, [CLI, 'sweep', ...(weekly ? ['--retry-red'] : [])], {
      env: { ...process.env, ...sandbox.env, CCCI_CONFIG: configFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.umask(previous);
    let output = '';
    let pending = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        onLine?.(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const done = new Promise<Sweep>((resolve) => child.on('close', (code) => resolve({ code, output })));
    return { child, done };
  };
  const sweep = (weekly = false) => start(weekly).done;

  const digest = () => createHash('sha256').update(readFileSync(canonical)).digest('hex');
  const refs = async (repo: string) =>
    (await execChecked('git', ['--git-dir', repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'])).stdout;
  const assertMirrorEqualsUpstream = async (recipe: string) => assert.equal(await refs(mirror(recipe)), await refs(upstream(recipe)));
  const attempts = async (recipe: string): Promise<Attempt[]> => (await readAttempts(sandbox.stateDir, recipe)).attempts;
  const runs = () => readdirSync(sandbox.runsDir).filter((entry) => !entry.startsWith('.'));
  /** The recipe's entry in the newest sweep report (<stateDir>/sweeps/). */
  const reported = (recipe: string): RecipeReport => {
    const dir = path.join(sandbox.stateDir, 'sweeps');
    const newest = readdirSync(dir).filter((name) => name.endsWith('.json')).sort().at(-1);
    assert.ok(newest, 'a sweep report');
    const report = JSON.parse(readFileSync(path.join(dir, newest), 'utf8')) as SweepReport;
    const entry = report.recipes.find((r) => r.recipe === recipe);
    assert.ok(entry, `${recipe} in ${newest}: ${JSON.stringify(report.recipes.map((r) => r.recipe))}`);
    return entry;
  };
  /** A fixture recipe's working repository, upstream and mirror, published. */
  const newRecipe = async (recipe: string, options: { version?: string; untaggedVersion?: string }) => {
    await createFixtureRecipe(work(recipe), recipe, options);
    await bareCloneOf(work(recipe), upstream(recipe));
    // The mirror starts empty, as in the VM test: only the sweep's sync can make it equal upstream.
    await execChecked('git', ['init', '--quiet', '--bare', '--initial-branch=main', mirror(recipe)]);
  };

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ccci-vm-scenario-'));
    sandbox = await createSandbox(root, { server: 'default', domain: 'ci.example.org' });
    canonical = path.join(sandbox.stateDir, RECIPE, 'canonical.json');
    tokenFile = path.join(root, 'etc', 'mirror-token');
    mkdirSync(path.dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, 'vm-test-token', { mode: 0o400 });
    // The module's tmpfiles rule makes the metrics directory 0755.
    metricsFile = path.join(root, 'textfile', 'cc-ci.prom');
    mkdirSync(path.dirname(metricsFile), { mode: 0o755 });
    configFile = path.join(root, 'etc', 'config.json');
    writeConfig();
  });
  after(async () => {
    await sandbox.stop();
    rmSync(root, { recursive: true, force: true });
  });

  let tagged = '';
  test('upstream: a tag, and main ahead of it untagged', async () => {
    await newRecipe(RECIPE, { version: '1.0.0+1.0' });
    tagged = await headCommit(work(RECIPE));
    const head = await commitUntagged(work(RECIPE), { version: '1.0.1+1.0', message: 'unreleased work on main' });
    await publishTo(work(RECIPE), upstream(RECIPE));
    assert.notEqual(tagged, head);
    assert.equal((await execChecked('git', ['--git-dir', upstream(RECIPE), 'rev-parse', 'main'])).stdout.trim(), head);
  });

  test("a new tag is promoted with the tag's commit, not main's head", async () => {
    const result = await sweep();
    assert.equal(result.code, 0, result.output);
    const record = JSON.parse(readFileSync(canonical, 'utf8')) as Record<string, string>;
    assert.equal(record.recipe, RECIPE);
    assert.equal(record.version, '1.0.0+1.0');
    assert.equal(record.commit, tagged);
    assert.ok(existsSync(path.join(sandbox.stateDir, RECIPE, 'snapshot', 'meta.json')));
    const entry = reported(RECIPE);
    assert.equal(entry.outcome, 'promoted');
    assert.equal(entry.latestTag, '1.0.0+1.0');
    await assertMirrorEqualsUpstream(RECIPE);
    // node_exporter reads the metrics as its own user, the sweep writes them under UMask=0077.
    assert.equal(statSync(metricsFile).mode & 0o777, 0o644);
    assert.match(readFileSync(metricsFile, 'utf8'), /^ccci_canonical_info\{recipe="vmfix",version="1\.0\.0\+1\.0"\} 1$/m);
  });

  test('nothing new: the sweep skips (no-new-version) and the canonical is byte-identical', async () => {
    const before = digest();
    const runsBefore = runs();
    const result = await sweep();
    assert.equal(result.code, 0, result.output);
    assert.equal(reported(RECIPE).decision, 'skip:no-new-version');
    assert.equal((await attempts(RECIPE)).at(-1)?.decision, 'skip:no-new-version');
    assert.deepEqual(runs(), runsBefore, 'no run');
    assert.equal(digest(), before);
  });

  test('a fresh enrolment whose only change is an untagged commit is not run (never-released)', async () => {
    const before = digest();
    const runsBefore = runs();
    // A recipe whose upstream has never been released, enrolled now (the VM test
    // switches to a configuration that enrolls it).
    await newRecipe(FRESH, { untaggedVersion: '0.1.0+1.0' });
    enrolled.push(FRESH);
    writeConfig();
    // And the promoted recipe's only change is an untagged commit too.
    await commitUntagged(work(RECIPE), { version: '1.0.2+1.0', message: 'more unreleased work' });
    await publishTo(work(RECIPE), upstream(RECIPE));
    const result = await sweep();
    assert.equal(result.code, 0, result.output);
    const fresh = reported(FRESH);
    assert.equal(fresh.decision, 'skip:never-released');
    assert.equal(fresh.outcome, 'skipped');
    assert.equal(fresh.runId, null);
    assert.equal(reported(RECIPE).decision, 'skip:no-new-version');
    assert.deepEqual(runs(), runsBefore, 'no run');
    assert.equal(digest(), before);
    assert.ok(!existsSync(path.join(sandbox.stateDir, FRESH, 'canonical.json')));
    // The sweep saw the untagged commits: the mirrors have them.
    await assertMirrorEqualsUpstream(FRESH);
    await assertMirrorEqualsUpstream(RECIPE);
  });

  let redTagCommit = '';
  let redRunId = '';
  test('a red tag is not promoted and the sweep fails: red at the upgrade rung', async () => {
    const before = digest();
    redTagCommit = await releaseVersion(work(RECIPE), '1.1.0+1.0', { deploy: 'fail' });
    await publishTo(work(RECIPE), upstream(RECIPE));
    const result = await sweep();
    assert.equal(result.code, 1, result.output);
    const entry = reported(RECIPE);
    assert.equal(entry.outcome, 'red');
    assert.equal(entry.verdict, 'red');
    assert.equal(entry.latestTag, '1.1.0+1.0');
    assert.equal(entry.promoted, false);
    assert.ok(entry.runId);
    redRunId = entry.runId;
    const run = await readRunResult(path.join(sandbox.runsDir, redRunId));
    assert.equal(run.ref, '1.1.0+1.0');
    assert.equal(run.commit, redTagCommit);
    assert.deepEqual(
      run.rungs.filter((rung) => rung.status === 'fail').map((rung) => rung.rung),
      // The canonical 1.0.0+1.0 installs; the upgrade to the red tag's deploy fails.
      ['upgrade'],
      JSON.stringify(run.rungs),
    );
    assert.equal(entry.level, 1);
    assert.match(result.output, /vmfix: red: red at level L1: .*upgrade fail/);
    assert.equal(digest(), before);
    assert.equal((JSON.parse(readFileSync(canonical, 'utf8')) as { version: string }).version, '1.0.0+1.0');
    await assertMirrorEqualsUpstream(RECIPE);
  });

  test('the nightly sweep skips the known red tag, the weekly one runs that tag again', async () => {
    const before = digest();
    const nightly = await sweep();
    assert.equal(nightly.code, 0, nightly.output);
    assert.equal(reported(RECIPE).decision, 'skip:known-red');
    const seen = (await attempts(RECIPE)).length;
    const weekly = await sweep(true);
    assert.equal(weekly.code, 1, weekly.output);
    const lines = await attempts(RECIPE);
    assert.equal(lines.length, seen + 1, 'one new attempt line');
    const retried = lines.at(-1)!;
    assert.equal(retried.decision, 'run');
    assert.equal(retried.tag, '1.1.0+1.0');
    assert.equal(retried.commit, redTagCommit);
    assert.equal(retried.outcome, 'red');
    assert.ok(retried.runId && retried.runId !== redRunId, `a new run, not ${redRunId}: ${retried.runId}`);
    const run = await readRunResult(path.join(sandbox.runsDir, retried.runId));
    assert.equal(run.ref, '1.1.0+1.0');
    assert.equal(digest(), before);
  });

  test('another sweep holding the lock: exit 75 (a success of the unit)', async () => {
    await releaseVersion(work(FRESH), '1.0.0+1.0', { deploy: 'hang' });
    await publishTo(work(FRESH), upstream(FRESH));
    let running!: () => void;
    const deploying = new Promise<void>((resolve) => (running = resolve));
    const nightly = start(false, (line) => {
      if (line.includes(`${FRESH}: run on 1.0.0+1.0`)) running();
    });
    try {
      await Promise.race([deploying, nightly.done.then((r) => assert.fail(`the nightly sweep ended: ${r.output}`))]);
      const weekly = await sweep(true);
      assert.equal(weekly.code, 75, weekly.output);
      assert.match(weekly.output, /another sweep holds the lock/);
    } finally {
      nightly.child.kill('SIGTERM');
      await nightly.done;
    }
  });
});
