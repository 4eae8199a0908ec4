// What `ccci run` says and exits with for a result: an interrupted run (SIGTERM, SIGINT)
// says so where the verdict would be and exits 1, even when the rungs that ran were green
// (a signal during lint, which is advisory, or during teardown); a deadline is red.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runMain } from '../support/main-output.js';
import { exitStatusOf, renderRunSummary } from '../../src/cli/commands/run.js';
import { LADDER } from '../../src/core/ladder.js';
import { runResultSchema, type RunResult } from '../../src/run/result.js';

function result(overrides: Partial<RunResult>): RunResult {
  return runResultSchema.parse({
    schema: 1,
    runId: '20250101T000000Z-demo-abcdef',
    recipe: 'demo',
    version: '1.1.0+a',
    versionFromLabel: true,
    commit: 'a'.repeat(40),
    ref: 'refs/tags/1.1.0+a',
    prRef: null,
    source: { kind: 'git', url: 'file:///upstream/demo.git' },
    mode: 'cold',
    fellBackToCold: null,
    domain: 'demo-abcdef.ci.example.org',
    base: { version: '1.0.0+a', rule: 'newest-older', reason: 'no canonical' },
    rungs: LADDER.map((rung) => ({ rung, status: 'pass', reason: `${rung} ok`, durationMs: 1000 })),
    level: 5,
    verdict: 'green',
    verdictReason: 'install passed and no rung of L1-L4 failed or is unverified',
    outcome: 'green',
    teardown: { ok: true, problems: [] },
    interrupted: null,
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:05:00.000Z',
    durationMs: 300_000,
    runDir: '/runs/20250101T000000Z-demo-abcdef',
    ...overrides,
  });
}

/** A run SIGTERM stopped during lint: L1-L4 passed, so its verdict reads green. */
const stoppedDuringLint = result({
  rungs: LADDER.map((rung) =>
    rung === 'lint'
      ? { rung, status: 'unver', reason: 'run interrupted (SIGTERM) during lint', durationMs: 10 }
      : { rung, status: 'pass', reason: `${rung} ok`, durationMs: 1000 },
  ),
  level: 4,
  verdict: 'green',
  outcome: 'interrupted',
  interrupted: 'run interrupted (SIGTERM)',
});

describe('ccci run: an interrupted run', () => {
  test('exits 1 whatever its verdict says; only a green outcome exits 0', () => {
    assert.equal(exitStatusOf(stoppedDuringLint), 1, 'green rungs, but the run did not finish');
    assert.equal(exitStatusOf(result({ outcome: 'interrupted', verdict: 'red', level: 0, interrupted: 'run interrupted (SIGINT)' })), 1);
    assert.equal(exitStatusOf(result({ outcome: 'red', verdict: 'red', level: 2 })), 1);
    assert.equal(exitStatusOf(result({})), 0);
  });

  test('its summary ends saying interrupted, by what, and that it is neither green nor red', () => {
    const lines = renderRunSummary(stoppedDuringLint).split('\n');
    assert.match(lines.find((line) => line.startsWith('L5 lint')) ?? '', /unver .*run interrupted \(SIGTERM\) during lint/);
    assert.equal(
      lines.at(-2),
      'interrupted: run interrupted (SIGTERM); neither green nor red (level 4 so far, the rungs that ran: install passed and no rung of L1-L4 failed or is unverified)',
    );
    assert.ok(!lines.some((line) => /^level \d+, green/.test(line)), 'no line calls the run green');
    assert.equal(lines.at(-1), 'results: /runs/20250101T000000Z-demo-abcdef/results.json');
  });

  test('a run cut short by its own deadline is red, and its summary says so (not interrupted)', () => {
    const red = result({
      rungs: LADDER.map((rung) => ({ rung, status: 'unver', reason: 'run deadline of 3 s reached during install', durationMs: 0 })),
      level: 0,
      verdict: 'red',
      verdictReason: 'install is unverified',
      outcome: 'red',
      interrupted: 'run deadline of 3 s reached',
    });
    const summary = renderRunSummary(red);
    assert.match(summary, /^cut short: run deadline of 3 s reached$/m);
    assert.match(summary, /^level 0, red: install is unverified$/m);
    assert.doesNotMatch(summary, /^interrupted/m);
    assert.equal(exitStatusOf(red), 1);
  });

  test('ccci run --help names the exit statuses, interrupted among them', async () => {
    const { code, stdout: out } = await runMain(['run', '--help'], {});
    assert.equal(code, 0);
    assert.match(out, /^Usage: ccci run RECIPE /m);
    assert.match(out, /exit 0 green, 1 red or interrupted/);
    assert.match(out.replace(/\n/g, ' '), /1 red, or interrupted \(SIGTERM or SIGINT: .*"interrupted".*\); 2 bad input \(.*compose\.yml.*\); 75 another run or promote holds the app domain/);
    assert.match(out.replace(/\n/g, ' '), /leaves no run directory behind/);
  });
});
