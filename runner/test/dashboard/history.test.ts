// The night history: one mark per UTC day, the most serious outcome of the night, runs of
// equal nights merged without losing or inventing a night.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nightCounts, nightDates, nightsOf, segmentsOf, type NightAttempt } from '../../src/dashboard/history.js';
import { LEGEND, outcomeStyle, needsAttention } from '../../src/dashboard/outcomes.js';
import { NOW, night } from './inputs.js';

const a = (at: string, outcome: string, tag: string | null = '1.0.0+1'): NightAttempt => ({ at, outcome, tag, durationMs: 1 });

describe('outcome styles', () => {
  test('known outcomes have their class; anything else is neutral and keeps its name', () => {
    for (const outcome of ['promoted', 'skipped', 'red', 'error', 'interrupted', 'not-promoted', 'promote-failed', 'would-run']) {
      assert.equal(outcomeStyle(outcome).cls, outcome);
    }
    assert.deepEqual(outcomeStyle('quarantined'), { cls: 'other', label: 'quarantined', rank: 3 });
    assert.equal(outcomeStyle('constructor').cls, 'other', 'no prototype property passes for an outcome');
    assert.equal(outcomeStyle('<script>').label, '<script>', 'the label is raw: the renderer escapes it');
    assert.equal(outcomeStyle(null).cls, 'none');
  });

  test('red outranks every other outcome, skipped every outcome but none', () => {
    const ranks = LEGEND.map((s) => s.rank);
    assert.deepEqual(ranks, [...ranks].sort((x, y) => x - y));
    assert.equal(LEGEND.at(-1)?.cls, 'red');
    assert.equal(LEGEND[0]?.cls, 'none');
    assert.equal(LEGEND[1]?.cls, 'skipped');
  });

  test('what needs a look', () => {
    assert.equal(needsAttention('red'), true);
    assert.equal(needsAttention('interrupted'), true);
    assert.equal(needsAttention('something-new'), true);
    assert.equal(needsAttention('promoted'), false);
    assert.equal(needsAttention('skipped'), false);
    assert.equal(needsAttention(null), false);
  });
});

describe('nights', () => {
  test('the 90 UTC days ending with today, oldest first', () => {
    const dates = nightDates(NOW, 90);
    assert.equal(dates.length, 90);
    assert.equal(dates.at(-1), '2026-11-30');
    assert.equal(dates[0], '2026-09-02');
    assert.throws(() => nightDates('yesterday', 3), /not a time/);
  });

  test('a night is marked by its most serious outcome; attempts outside the window are left out', () => {
    const nights = nightsOf(
      [
        a(night(0, '09:00:00.000'), 'skipped'),
        a(night(0, '02:00:00.000'), 'red', '1.1.0+1'),
        a(night(1), 'promoted'),
        a(night(1, '03:00:00.000'), 'skipped'),
        a(night(2), 'interrupted'),
        a(night(200), 'red'),
        a('not a time', 'red'),
      ],
      NOW,
      90,
    );
    assert.equal(nights.length, 90);
    assert.equal(nights.at(-1)?.style.cls, 'red');
    assert.deepEqual(nights.at(-1)?.attempts.map((x) => x.outcome), ['red', 'skipped'], 'the night keeps all, in time order');
    assert.equal(nights.at(-2)?.style.cls, 'promoted');
    assert.equal(nights.at(-3)?.style.cls, 'interrupted');
    assert.equal(nights.at(-4)?.style.cls, 'none');
    assert.equal(nights.flatMap((n) => n.attempts).length, 5);
  });

  const outcomes = fc.constantFrom('promoted', 'skipped', 'red', 'error', 'interrupted', 'not-promoted', 'weird', 'other-weird');
  const attempts = fc.array(
    fc.record({ days: fc.integer({ min: -3, max: 100 }), hour: fc.integer({ min: 0, max: 23 }), outcome: outcomes }),
    { maxLength: 120 },
  );

  test('property: each attempt of the window lands in exactly its day, and the mark is the highest rank', () => {
    fc.assert(
      fc.property(attempts, (list) => {
        const input = list.map((x) => a(night(x.days, `${String(x.hour).padStart(2, '0')}:00:00.000`), x.outcome));
        const nights = nightsOf(input, NOW, 90);
        const inWindow = list.filter((x) => x.days >= 0 && x.days < 90);
        assert.equal(nights.reduce((n, x) => n + x.attempts.length, 0), inWindow.length);
        for (const n of nights) {
          for (const x of n.attempts) assert.equal(x.at.slice(0, 10), n.date);
          const best = Math.max(-1, ...n.attempts.map((x) => outcomeStyle(x.outcome).rank));
          assert.equal(n.style.rank, best);
        }
      }),
    );
  });

  test('property: segments cover every night once, in order, and neighbours differ', () => {
    fc.assert(
      fc.property(attempts, (list) => {
        const nights = nightsOf(list.map((x) => a(night(x.days), x.outcome)), NOW, 90);
        const segments = segmentsOf(nights);
        let next = 0;
        for (const [i, s] of segments.entries()) {
          assert.equal(s.start, next);
          assert.equal(s.nights.length, s.length);
          for (const n of s.nights) assert.equal(n.style.cls, s.cls);
          next += s.length;
          const after = segments[i + 1];
          if (after) {
            const same = after.cls === s.cls && (s.cls !== 'other' || after.nights[0]?.style.label === s.nights[0]?.style.label);
            assert.equal(same, false, 'two equal neighbours would have been one segment');
          }
        }
        assert.equal(next, 90);
        assert.equal(nightCounts(nights).reduce((n, c) => n + c.count, 0), 90);
      }),
    );
  });

  test('a quiet recipe is one segment', () => {
    const nights = nightsOf(Array.from({ length: 90 }, (_, i) => a(night(i), 'skipped')), NOW, 90);
    assert.equal(segmentsOf(nights).length, 1);
    assert.deepEqual(nightCounts(nights), [{ label: 'skipped', cls: 'skipped', count: 90 }]);
  });
});
