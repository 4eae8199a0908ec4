// The old sweep reports summarised on a thread: the same answers as on the caller's
// thread, file for file and in order, and the same when no thread can be had.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { summarizeOnThread } from '../../src/dashboard/summary-thread.js';
import { summarizeHere } from '../../src/status/sweep-reports.js';

describe('summarizeOnThread', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-summary-thread-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const report = (id: string, recipes: number, layout: 'writer' | 'compact') => {
    const value = {
      schema: 1,
      sweepId: id,
      startedAt: '2026-12-01T02:00:00.000Z',
      durationMs: recipes * 10,
      result: 'ok',
      exitCode: 0,
      recipes: Array.from({ length: recipes }, (_, i) => ({ recipe: `r${i}`, outcome: 'skipped', reason: '<b>"x"</b>' })),
      warnings: ['dashboard: not written'],
    };
    const file = path.join(root, `${id}.json`);
    writeFileSync(file, layout === 'writer' ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value));
    return file;
  };
  const files = [
    report('2026-12-01T02-00-00-000Z-0001', 3, 'writer'),
    report('2026-12-02T02-00-00-000Z-0002', 0, 'compact'),
    (() => {
      const file = path.join(root, 'torn.json');
      writeFileSync(file, '{\n  "schema": 1,\n  "sweepId": "x", "recipes": [');
      return file;
    })(),
    path.join(root, 'missing.json'),
    report('2026-12-03T02-00-00-000Z-0003', 40, 'writer'),
  ];

  test('a thread gives what the caller would: summaries and problems, in the order asked', async () => {
    const expected = await summarizeHere(files);
    assert.equal(expected.filter((o) => 'problem' in o).length, 2, 'the torn and the missing file have problems');
    assert.deepEqual(
      expected.map((o) => ('summary' in o ? o.summary.recipeCount : null)),
      [3, 0, null, null, 40],
    );
    const failures: Error[] = [];
    assert.deepEqual(await summarizeOnThread({ threadFrom: 1, onThreadFailure: (e) => failures.push(e) })(files), expected);
    assert.deepEqual(failures, [], 'the thread answered');
  });

  test('no thread to be had (its module missing): the summaries are made here, the same', async () => {
    const failures: Error[] = [];
    const summarize = summarizeOnThread({
      threadFrom: 1,
      workerUrl: new URL('file:///nonexistent/ccci-summary-worker.js'),
      onThreadFailure: (e) => failures.push(e),
    });
    assert.deepEqual(await summarize(files), await summarizeHere(files));
    assert.equal(failures.length, 1, 'the thread failed, and was told of');
    assert.match(failures[0]?.message ?? '', /ccci-summary-worker|Cannot find|not found/i);
  });

  test('fewer files than threadFrom: made here, no thread started', async () => {
    const failures: Error[] = [];
    const summarize = summarizeOnThread({ threadFrom: 99, workerUrl: new URL('file:///nonexistent/x.js'), onThreadFailure: (e) => failures.push(e) });
    assert.deepEqual(await summarize(files), await summarizeHere(files));
    assert.deepEqual(failures, [], 'no thread was tried');
  });
});
