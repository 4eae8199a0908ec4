// The command line as an operator types it: --config anywhere, one prefix per error,
// `ccci status RECIPE` in full, `ccci logs RECIPE|RUN-ID`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorLine, takeGlobalOptions } from '../../src/cli/main.js';
import { runMain } from '../support/main-output.js';
import { commandLoaders } from '../../src/cli/commands/index.js';
import { commitUntagged } from '../../src/demo/fixtures.js';
import { execProgram } from '../../src/effects/exec.js';
import { CLI, createScenario, type Scenario } from '../sweep/scenario.js';

function ccci(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return runMain(argv, { HOME: '/nonexistent', ...process.env, CCCI_CONFIG: '', ...env });
}

describe('--config anywhere', () => {
  test('before or after the command, with = or a space; after -- it is left alone', () => {
    assert.deepEqual(takeGlobalOptions(['--config', 'f.json', 'run', 'r']), { configFile: 'f.json', rest: ['run', 'r'] });
    assert.deepEqual(takeGlobalOptions(['run', 'r', '--config', 'f.json', '--quick']), { configFile: 'f.json', rest: ['run', 'r', '--quick'] });
    assert.deepEqual(takeGlobalOptions(['status', '--config=f.json']), { configFile: 'f.json', rest: ['status'] });
    assert.deepEqual(takeGlobalOptions(['--config', 'f', 'x', '--config', 'f']), { configFile: 'f', rest: ['x'] }, 'the same file twice is fine');
    assert.deepEqual(takeGlobalOptions(['versions', 'sort', '--', '--config', 'x']), { configFile: undefined, rest: ['versions', 'sort', '--', '--config', 'x'] });
  });

  test('a missing file name or two different files: exit 2, said once', async () => {
    assert.throws(() => takeGlobalOptions(['status', '--config']), /--config needs a file/);
    assert.throws(() => takeGlobalOptions(['status', '--config', '--json']), /--config needs a file/);
    assert.throws(() => takeGlobalOptions(['--config=']), /--config needs a file/);
    assert.throws(() => takeGlobalOptions(['--config', 'a', 'status', '--config', 'b']), /--config given twice \("a" and "b"\)/);
    const result = await ccci(['status', '--config']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'ccci status: --config needs a file\n', 'named for its command, as every error is');
    const twice = await ccci(['--config', 'a.json', 'decide', 'x', '--config=b.json']);
    assert.equal(twice.code, 2);
    assert.equal(twice.stderr, 'ccci decide: --config given twice ("a.json" and "b.json")\n');
    // No command given: nothing to name but ccci.
    const alone = await ccci(['--config=']);
    assert.equal(alone.stderr, 'ccci: --config needs a file\n');
  });
});

describe('error messages carry one prefix', () => {
  test('errorLine never doubles it', () => {
    assert.equal(errorLine('run', 'x'), 'ccci run: x');
    assert.equal(errorLine('run', 'ccci run: ccci run: x'), 'ccci run: x');
  });

  test('every command, given a bad option or arguments, says "ccci <command>: " exactly once', async () => {
    const cases: string[][] = [
      ['sweep', '--frobnicate'],
      ['run'],
      ['run', 'x', '--frobnicate'],
      ['status', '--colour'],
      ['status', 'a', 'b'],
      ['decide'],
      ['decide', 'x', '--nope'],
      ['mirror-sync'],
      ['versions', 'shuffle'],
      ['demo', 'extra'],
      ['logs'],
      ['dashboard', '--out'],
      ['gc', '--frobnicate'],
    ];
    const covered = new Set(cases.map((c) => c[0]));
    assert.deepEqual(Object.keys(commandLoaders).filter((c) => !covered.has(c)), [], 'every command is tried');
    for (const argv of cases) {
      const result = await ccci(argv);
      const name = argv[0] as string;
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^ccci ${name}: `), argv.join(' '));
      assert.doesNotMatch(result.stderr, /ccci [a-z-]+: ccci/, `${argv.join(' ')}: ${result.stderr}`);
    }
  });
});

describe('status RECIPE, logs and run with --config after the command', () => {
  let s: Scenario;
  let runId = '';
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
    await s.addRecipe('gitea');
    const outcome = await s.sweep();
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    runId = outcome.report.recipes.find((r) => r.recipe === 'custom-html')?.runId as string;
  });
  after(async () => s.close());

  test('ccci run RECIPE --config FILE runs (it used to be "Unknown option")', async () => {
    const result = await ccci(['run', 'custom-html', '--tag', '1.0.0+1.0', '--config', s.configFile], { CCCI_SKIP_FETCH: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /level 5, green/);
  });

  test('status RECIPE: canonical, snapshot, next decision, last sweep, attempts, latest run', async () => {
    const result = await ccci(['status', 'custom-html', '--config', s.configFile]);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, /^custom-html\n/);
    assert.match(out, /version {5}1\.0\.0\+1\.0\n/);
    assert.match(out, /commit {6}[0-9a-f]{40}\n/);
    assert.match(out, new RegExp(`promoted {4}\\S+ by run ${runId}`));
    assert.match(out, /snapshot {4}\S+: content, [\d.]+ \S+\n/);
    assert.doesNotMatch(out, /MISSING ON DISK/);
    assert.match(out, /moved tag {3}no\n/);
    assert.match(
      out,
      /next decision:\n {2}skip:no-new-version \(latest 1\.0\.0\+1\.0 <= canonical 1\.0\.0\+1\.0\)\n {2}\(on the tags of the last mirror sync, \S+; ccci decide custom-html asks upstream now and changes nothing\)\n/,
      'the hint says what ccci decide does: it lists upstream, it syncs nothing',
    );
    assert.match(out, /last sweep:\n {2}\S+ promoted: /);
    assert.match(out, /last attempts \(1 of 1\):\n {2}AT +OUTCOME +DECISION/);
    assert.match(out, /latest run: \d{8}T\d{6}Z-custom-html-[0-9a-f]{6} \(ccci logs custom-html\)/, 'the newest run: the one ccci run made');
    const json = await ccci(['status', 'custom-html', '--json', '--config', s.configFile]);
    const detail = JSON.parse(json.stdout) as { canonical: { state: string }; nextDecision: { code: string }; attempts: unknown[] };
    assert.equal(detail.canonical.state, 'present');
    assert.equal(detail.nextDecision.code, 'skip:no-new-version');
    assert.equal(detail.attempts.length, 1);
  });

  test('status RECIPE of a never-released recipe and of an unknown one', async () => {
    const gitea = await ccci(['status', 'gitea', '--config', s.configFile]);
    assert.equal(gitea.code, 0, gitea.stderr);
    assert.match(gitea.stdout, /canonical:\n {2}none\n/);
    assert.match(gitea.stdout, /next decision:\n {2}skip:never-released/);
    assert.match(gitea.stdout, /latest run: none/);
    const unknown = await ccci(['status', 'plausible', '--config', s.configFile]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^ccci status: recipe plausible is not enrolled .* and has no state/);
  });

  test('logs RECIPE prints the newest run log (redacted), logs RUN-ID that run, --path only where it is', async () => {
    const log = path.join(s.config.runsDir, runId, 'run.log');
    appendFileSync(log, 'curl -H "Authorization: Basic c2VjcmV0LXZhbHVl" x\n');
    const byRun = await ccci(['logs', runId, '--config', s.configFile]);
    assert.equal(byRun.code, 0, byRun.stderr);
    assert.equal(byRun.stderr, `==> ${log}\n`);
    assert.match(byRun.stdout, new RegExp(`^\\S+ run ${runId}: custom-html \\(cold\\)`));
    assert.match(byRun.stdout, /Authorization: \[redacted\]/);
    assert.doesNotMatch(byRun.stdout, /c2VjcmV0LXZhbHVl/);

    const byRecipe = await ccci(['logs', 'custom-html', '--config', s.configFile]);
    assert.equal(byRecipe.code, 0, byRecipe.stderr);
    const newest = /==> (.*)\n/.exec(byRecipe.stderr)?.[1] as string;
    assert.notEqual(newest, log, 'the run made by ccci run is newer than the sweep\'s');
    assert.match(byRecipe.stdout, /run \d{8}T\d{6}Z-custom-html-[0-9a-f]{6}: custom-html/);

    const where = await ccci(['logs', runId, '--path', '--config', s.configFile]);
    assert.equal(where.stdout, `${log}\n`);
  });

  test('logs RUN-ID | head -1: the reader going away ends the output quietly, exit 0', async () => {
    // A log longer than a pipe holds, so that the write meets the closed pipe.
    appendFileSync(path.join(s.config.runsDir, runId, 'run.log'), 'a line of the run log\n'.repeat(20_000));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'logs', runId, '--config', s.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stdout.once('data', () => child.stdout.destroy());
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE|Unhandled|at /, 'no stack trace');
  });

  test('logs of a recipe without runs is exit 1; of something neither recipe nor run is exit 2', async () => {
    const none = await ccci(['logs', 'gitea', '--config', s.configFile]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^ccci logs: no run of gitea in /);
    const bad = await ccci(['logs', '../etc', '--config', s.configFile]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^ccci logs: "\.\.\/etc" is neither a recipe name nor a run id/);
  });

  test('status RECIPE shows a moved canonical tag', async () => {
    const work = s.work['custom-html'] as string;
    await commitUntagged(work, { version: '1.0.0+1.0', message: 'rewritten release' });
    const moved = await execProgram('git', ['-C', work, 'tag', '-f', '-a', '-m', 'moved', '1.0.0+1.0']);
    assert.equal(moved.exitCode, 0, moved.stderr);
    await s.publish('custom-html');
    const swept = await s.sweep({ recipes: ['custom-html'] });
    assert.equal(swept.kind, 'done');
    const result = await ccci(['status', 'custom-html', '--config', s.configFile]);
    assert.match(result.stdout, /moved tag {3}tag 1\.0\.0\+1\.0 now names [0-9a-f]{12}, but the canonical was tested at [0-9a-f]{12}\n/);
  });
});
