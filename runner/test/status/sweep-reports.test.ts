// Reading sweep reports back: the summary of a report as the writer lays it out is read
// without parsing its recipes, and must say exactly what the full parse says.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseSweepReport, readSweepSummaries, summarizeHere, summarizeSweepReport, type SummaryOutcome } from '../../src/status/sweep-reports.js';

const tricky = fc.constantFrom('\n    {', '"recipes": [', '\n  "warnings": ', '],', '\n  ]\n}', '{', 'ok', '');
// Any characters (a report's strings are the recipes', tags' and logs' words), and the layout's own.
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }), tricky, fc.tuple(tricky, fc.string({ maxLength: 4 }), tricky).map((t) => t.join('')));
const recipe = fc.record({
  recipe: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  decision: fc.constantFrom('skip:no-new-version', 'run', null),
  reason: text,
  latestTag: fc.option(text),
  canonicalBefore: fc.option(fc.record({ version: text, commit: text })),
  runId: fc.option(text),
  outcome: fc.constantFrom('skipped', 'promoted', 'red', 'error'),
  warnings: fc.array(text, { maxLength: 2 }),
  error: fc.option(text),
  rungs: fc.array(fc.record({ rung: text, status: text }), { maxLength: 2 }),
});
const report = fc.record(
  {
    schema: fc.constant(1),
    sweepId: fc.stringMatching(/^[0-9T:-]{4,20}Z-[0-9a-f]{4}$/),
    startedAt: fc.constant('2026-12-01T02:00:00.000Z'),
    finishedAt: fc.constant('2026-12-01T02:10:00.000Z'),
    durationMs: fc.nat(),
    dryRun: fc.boolean(),
    retryRed: fc.boolean(),
    enrolled: fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 4 }),
    result: fc.constantFrom('ok', 'failed'),
    exitCode: fc.constantFrom(0, 1, 75),
    interrupted: fc.option(fc.constant('SIGTERM')),
    cleanup: fc.record({ removed: fc.array(text, { maxLength: 2 }), problems: fc.array(text, { maxLength: 2 }) }),
    recipes: fc.array(recipe, { maxLength: 5 }),
    // Strings as the writer makes them; an object as a hand or another runner might put there.
    warnings: fc.array(fc.oneof(text, fc.record({ code: text })), { maxLength: 3 }),
  },
  { requiredKeys: ['schema', 'sweepId', 'startedAt', 'finishedAt', 'durationMs', 'dryRun', 'retryRed', 'enrolled', 'result', 'exitCode', 'recipes'] },
);
const full = (file: string, body: string) => {
  const { recipes: _recipes, ...summary } = parseSweepReport(file, body);
  return summary;
};

describe('summarizeSweepReport', () => {
  test('says what the full parse says, for the writer layout and any other (property)', () => {
    fc.assert(
      fc.property(report, fc.constantFrom<0 | 2>(2, 0), (value, indent) => {
        const body = `${JSON.stringify(value, null, indent)}\n`;
        assert.deepEqual(summarizeSweepReport('r.json', body), full('r.json', body));
      }),
      { numRuns: 2000 },
    );
  });

  test('the summary of the writer layout does not parse the recipes (their text may even be torn)', () => {
    const body = `${JSON.stringify({ schema: 1, sweepId: 's', startedAt: '2026-12-01T02:00:00.000Z', durationMs: 5, result: 'ok', exitCode: 0, recipes: [{ recipe: 'a' }, { recipe: 'b' }], warnings: ['w'] }, null, 2)}\n`;
    const torn = body.replace('"recipe": "a"', '"recipe": "a');
    assert.throws(() => parseSweepReport('r.json', torn), /not valid JSON/);
    const summary = summarizeSweepReport('r.json', torn);
    assert.equal(summary.recipeCount, 2);
    assert.deepEqual(summary.warnings, ['w']);
    assert.equal(summary.durationMs, 5);
  });

  test('recipes whose array is not closed at the top level are not the writer layout: the full parse and its error', () => {
    const value = { schema: 1, sweepId: 's', startedAt: 'x', recipes: [{ recipe: 'a', warnings: ['w'] }] };
    for (const warnings of [['late'], undefined]) {
      const body = `${JSON.stringify({ ...value, ...(warnings ? { warnings } : {}) }, null, 2)}\n`;
      assert.equal(summarizeSweepReport('r.json', body).recipeCount, 1);
      // The lines that close the recipe and `recipes` taken out: the last `],` (or `]`) is then the recipe's own.
      const unclosed = warnings
        ? body.replace('\n      ]\n    }\n  ],\n', '\n      ],\n')
        : body.replace('\n      ]\n    }\n  ]\n}', '\n      ]\n}');
      assert.notEqual(unclosed, body);
      assert.throws(() => summarizeSweepReport('r.json', unclosed), /r\.json: not valid JSON/);
    }
  });

  test('a torn file of any other kind gets the full parse and its error', () => {
    const body = JSON.stringify({ schema: 1, sweepId: 's', startedAt: 'x', recipes: [] }, null, 2);
    for (const cut of [10, body.length - 3, body.length - 1]) {
      assert.throws(() => summarizeSweepReport('r.json', body.slice(0, cut)), /r\.json: not valid JSON/);
    }
    assert.throws(() => summarizeSweepReport('r.json', '{\n  "sweepId": 1,\n  "recipes": []\n}'), /not a sweep report/);
  });
});

describe('readSweepSummaries', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-sweep-reports-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('the newest reports in full until every recipe is covered, the older ones as summaries', async () => {
    const dir = path.join(root, 'sweeps');
    mkdirSync(dir, { recursive: true });
    const write = (id: string, recipes: string[], durationMs: number) =>
      writeFileSync(
        path.join(dir, `${id}.json`),
        `${JSON.stringify({ schema: 1, sweepId: id, startedAt: '2026-12-01T02:00:00.000Z', durationMs, result: 'ok', exitCode: 0, recipes: recipes.map((r) => ({ recipe: r, outcome: 'skipped', reason: '' })), warnings: [] }, null, 2)}\n`,
      );
    write('2026-12-01T02-00-00-000Z-0001', ['a', 'b', 'c'], 10);
    write('2026-12-02T02-00-00-000Z-0002', ['a', 'b'], 20);
    write('2026-12-03T02-00-00-000Z-0003', ['a'], 30);
    const { reports, problems, cache } = await readSweepSummaries(root, 0, ['a', 'b'], {});
    assert.deepEqual(problems, []);
    assert.deepEqual(reports.map((r) => [r.durationMs, r.recipeCount, r.recipes.map((x) => x.recipe)]), [
      [10, 3, []],
      [20, 2, ['a', 'b']],
      [30, 1, ['a']],
    ]);
    assert.equal(Object.keys(cache).length, 3);
  });

  test('the summaries not in the cache are asked of `summarize` at once, and what it answers is used', async () => {
    const top = mkdtempSync(path.join(root, 'asked-'));
    const dir = path.join(top, 'sweeps');
    mkdirSync(dir, { recursive: true });
    const ids = ['2026-11-28T02-00-00-000Z-0001', '2026-11-29T02-00-00-000Z-0002', '2026-11-30T02-00-00-000Z-0003', '2026-12-01T02-00-00-000Z-0004'];
    ids.forEach((id, i) =>
      writeFileSync(
        path.join(dir, `${id}.json`),
        `${JSON.stringify({ schema: 1, sweepId: id, startedAt: '2026-12-01T02:00:00.000Z', durationMs: i, result: 'ok', recipes: [{ recipe: 'a', outcome: 'skipped', reason: '' }], warnings: [] }, null, 2)}\n`,
      ),
    );
    const first = await readSweepSummaries(top, 0, ['a'], {});
    // The oldest one is cached; the two in between are not: only they are asked for.
    const oldest = `${ids[0]}.json`;
    const cache = { [oldest]: first.cache[oldest] as NonNullable<(typeof first.cache)[string]> };
    const asked: string[][] = [];
    const summarize = async (files: readonly string[]): Promise<SummaryOutcome[]> => {
      asked.push([...files]);
      const here = await summarizeHere(files);
      // The first one asked for (the newer) is answered as unreadable.
      return here.map((outcome, i) => (i === 0 ? { problem: `${files[0]}: could not be read` } : outcome));
    };
    const { reports, problems, cache: next } = await readSweepSummaries(top, 0, ['a'], cache, summarize);
    assert.deepEqual(asked, [[path.join(dir, `${ids[2]}.json`), path.join(dir, `${ids[1]}.json`)]], 'newest first, once, only those needed');
    assert.deepEqual(problems, [`${path.join(dir, `${ids[2]}.json`)}: could not be read`]);
    assert.deepEqual(reports.map((r) => [r.sweepId, r.durationMs, r.recipes.length]), [
      [ids[0], 0, 0],
      [ids[1], 1, 0],
      [ids[3], 3, 1],
    ]);
    assert.deepEqual(Object.keys(next).sort(), [ids[0], ids[1], ids[3]].map((id) => `${id}.json`), 'what had no summary is not cached');
  });
});
