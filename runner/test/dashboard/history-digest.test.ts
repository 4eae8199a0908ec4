// The dashboard's fold of a recipe's history: folding in parts gives what folding whole
// gives, and the fold says what the plain definitions over the whole history say.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { digestMore, digestOf, EMPTY_DIGEST, RECENT_ROWS, type RecentRow } from '../../src/dashboard/history-digest.js';
import type { Attempt } from '../../src/registry/attempts.js';
import { attempt, COMMIT, night, OTHER_COMMIT } from './inputs.js';

/** A short history over few tags, commits and outcomes, so that rows merge and tallies repeat. */
const history: fc.Arbitrary<Attempt[]> = fc.array(
  fc
    .record({
      daysAgo: fc.nat({ max: 40 }),
      tag: fc.constantFrom(null, '1.0.0+1', '1.1.0+1', '2.0.0+1'),
      commit: fc.constantFrom(null, COMMIT, OTHER_COMMIT),
      runId: fc.constantFrom(null, null, 'run-a', 'run-b'),
      verdict: fc.constantFrom(null, 'green' as const, 'red' as const),
      outcome: fc.constantFrom('skipped', 'skipped', 'red', 'promoted', 'interrupted', 'error'),
      decision: fc.constantFrom('skip:no-new-version', 'skip:known-red', 'run'),
      promoted: fc.boolean(),
    })
    .map(({ daysAgo, ...fields }) => attempt('r', night(daysAgo), fields)),
  { maxLength: 30 },
);

/** The recent-sweeps rows by their plain definition: newest first, equal runs without a run merged. */
function recentRowsOf(attempts: readonly Attempt[]): RecentRow[] {
  const rows: RecentRow[] = [];
  for (let i = attempts.length - 1; i >= 0; i -= 1) {
    const a = attempts[i] as Attempt;
    const row = rows.at(-1);
    const b = row?.attempt;
    if (row && b && a.runId === null && b.runId === null && a.outcome === b.outcome && a.decision === b.decision && a.tag === b.tag && a.commit === b.commit) {
      row.count += 1;
      row.since = a.at;
    } else if (rows.length < RECENT_ROWS) rows.push({ attempt: a, since: a.at, count: 1 });
    else break;
  }
  return rows;
}

describe('history digest', () => {
  test('property: folding a history in two parts gives the digest of folding it whole', () => {
    fc.assert(
      fc.property(history, fc.nat(), (attempts, at) => {
        const cut = attempts.length === 0 ? 0 : at % (attempts.length + 1);
        const inParts = digestMore(digestOf(attempts.slice(0, cut)), attempts.slice(cut));
        assert.deepEqual(inParts, digestOf(attempts));
      }),
    );
  });

  test('property: the folded rows, last attempt, newest tag and newest run are those of the whole history', () => {
    fc.assert(
      fc.property(history, (attempts) => {
        const digest = digestOf(attempts);
        assert.deepEqual(digest.recent, recentRowsOf(attempts));
        assert.equal(digest.last, attempts.at(-1) ?? null);
        const tagged = [...attempts].reverse().find((a) => a.tag !== null);
        assert.deepEqual(digest.lastTagged, tagged ? { tag: tagged.tag, commit: tagged.commit } : null);
        assert.equal(digest.lastRunId, [...attempts].reverse().find((a) => a.runId !== null)?.runId ?? null);
        assert.deepEqual(digest.promoted, [...new Set(attempts.filter((a) => a.promoted && a.tag !== null).map((a) => a.tag))]);
      }),
    );
  });

  test('property: each red tally counts the red runs of its tag at its commit; interrupted runs never', () => {
    fc.assert(
      fc.property(history, (attempts) => {
        const digest = digestOf(attempts);
        for (const tally of digest.red) {
          const runs = attempts.filter(
            (a) => a.tag === tally.tag && a.commit === tally.commit && (a.outcome === 'red' || (a.verdict === 'red' && a.outcome !== 'interrupted')),
          );
          assert.equal(tally.count, runs.length);
          assert.equal(tally.firstAt, runs.map((a) => a.at).sort()[0]);
          assert.equal(tally.lastAt, runs.map((a) => a.at).sort().at(-1));
        }
        const red = attempts.filter((a) => a.tag !== null && (a.outcome === 'red' || (a.verdict === 'red' && a.outcome !== 'interrupted')));
        assert.equal(digest.red.length, new Set(red.map((a) => `${a.tag} ${a.commit}`)).size);
      }),
    );
  });

  test('folding nothing returns the digest unchanged, and a fold never changes the digest it starts from', () => {
    const before = digestOf([attempt('r', night(3), { outcome: 'red', verdict: 'red', runId: 'run-a' })]);
    const copy = structuredClone(before);
    assert.equal(digestMore(before, []), before);
    digestMore(before, [attempt('r', night(2), { outcome: 'red', verdict: 'red', runId: 'run-b' })]);
    assert.deepEqual(before, copy);
    assert.deepEqual(digestOf([]), EMPTY_DIGEST);
  });

  test('a long quiet streak stays one row however far back it began', () => {
    const streak = Array.from({ length: 400 }, (_, i) => attempt('r', night(400 - i)));
    const digest = digestOf([attempt('r', night(401), { runId: 'run-a', outcome: 'promoted', promoted: true }), ...streak]);
    assert.equal(digest.recent.length, 2);
    assert.equal(digest.recent[0]?.count, 400);
    assert.equal(digest.recent[0]?.since, night(400));
  });
});
