import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { appendAttempt, attemptsPath, readAttempts, redRuns, type Attempt } from '../../src/registry/attempts.js';

function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    at: '2026-11-26T03:00:00.000Z',
    sweepId: 's1',
    recipe: 'ghost',
    decision: 'run',
    tag: '1.0.0+5.0',
    commit: 'a'.repeat(40),
    runId: 'r1',
    verdict: 'red',
    level: 1,
    promoted: false,
    outcome: 'red',
    durationMs: 1000,
    ...overrides,
  };
}

test('attempts append in order and read back', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccci-attempts-'));
  await appendAttempt(dir, attempt());
  await appendAttempt(dir, attempt({ tag: '1.1.0+5.1', verdict: 'green', promoted: true, outcome: 'promoted' }));
  const { attempts, badLines } = await readAttempts(dir, 'ghost');
  assert.equal(badLines, 0);
  assert.deepEqual(attempts.map((a) => a.tag), ['1.0.0+5.0', '1.1.0+5.1']);
  assert.deepEqual(redRuns(attempts), [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
});

test('a torn last line is counted and skipped, earlier lines survive', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccci-attempts-'));
  await appendAttempt(dir, attempt());
  appendFileSync(attemptsPath(dir, 'ghost'), '{"at":"2026-11-26T');
  const { attempts, badLines } = await readAttempts(dir, 'ghost');
  assert.equal(attempts.length, 1);
  assert.equal(badLines, 1);
});

test('no file: no attempts', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccci-attempts-'));
  assert.deepEqual(await readAttempts(dir, 'ghost'), { attempts: [], badLines: 0 });
});

test('skipped recipes are not red runs', () => {
  assert.deepEqual(redRuns([attempt({ verdict: null, decision: 'skip:no-new-version', outcome: 'skipped' })]), []);
});

test('an interrupted run is never a red run, whatever verdict its line carries', () => {
  const interrupted = attempt({ outcome: 'interrupted', verdict: null });
  const interruptedRed = attempt({ outcome: 'interrupted', verdict: 'red', tag: '1.1.0+5.1' });
  assert.deepEqual(redRuns([interrupted, interruptedRed]), []);
  assert.deepEqual(redRuns([interrupted, attempt()]), [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
});
