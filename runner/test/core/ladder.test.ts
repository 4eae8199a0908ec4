import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LADDER, levelOf, verdictOf, type RungStatus, type RungStatuses } from '../../src/core/ladder.js';

const STATUSES: readonly RungStatus[] = ['pass', 'fail', 'skip', 'unver'];

/** Every one of the 4^5 combinations of rung statuses. */
function allCombinations(): RungStatuses[] {
  const out: RungStatuses[] = [];
  for (let n = 0; n < 4 ** 5; n++) {
    const digits = [0, 1, 2, 3, 4].map((i) => Math.floor(n / 4 ** i) % 4);
    out.push({
      install: STATUSES[digits[0]!]!,
      upgrade: STATUSES[digits[1]!]!,
      backup: STATUSES[digits[2]!]!,
      functional: STATUSES[digits[3]!]!,
      lint: STATUSES[digits[4]!]!,
    });
  }
  return out;
}

// The oracle, written from DESIGN.md independently of the implementation.
function oracleLevel(s: RungStatuses): number {
  const order = [s.install, s.upgrade, s.backup, s.functional, s.lint];
  const firstBad = order.findIndex((x) => x === 'fail' || x === 'unver');
  return firstBad === -1 ? 5 : firstBad;
}
function oracleGreen(s: RungStatuses): boolean {
  const ok = (x: RungStatus) => x === 'pass' || x === 'skip';
  return s.install === 'pass' && ok(s.upgrade) && ok(s.backup) && ok(s.functional);
}

describe('ladder', () => {
  test('LADDER is L1..L5 in order', () => {
    assert.deepEqual([...LADDER], ['install', 'upgrade', 'backup', 'functional', 'lint']);
  });

  test('level and verdict agree with the oracle for all 4^5 combinations', () => {
    const combinations = allCombinations();
    assert.equal(combinations.length, 1024);
    assert.equal(new Set(combinations.map((c) => JSON.stringify(c))).size, 1024);
    for (const s of combinations) {
      const label = JSON.stringify(s);
      const level = levelOf(s);
      assert.equal(level, oracleLevel(s), label);
      const { verdict, reason } = verdictOf(s);
      assert.equal(verdict, oracleGreen(s) ? 'green' : 'red', label);
      assert.ok(reason.startsWith(`${verdict} at level ${level}: `), `${label}: ${reason}`);
      // the reason names every rung that made it red, and an advisory lint problem
      for (const rung of ['upgrade', 'backup', 'functional'] as const) {
        const bad = s[rung] === 'fail' || s[rung] === 'unver';
        assert.equal(reason.includes(`${rung} ${s[rung]}`), bad || verdict === 'green', `${label}: ${reason}`);
      }
      if (s.install !== 'pass') assert.ok(reason.includes(`install ${s.install} (install must pass)`), reason);
      const lintBad = s.lint === 'fail' || s.lint === 'unver';
      assert.equal(reason.includes(`lint ${s.lint} (advisory)`), lintBad, `${label}: ${reason}`);
    }
  });

  test('readable reasons', () => {
    assert.deepEqual(
      verdictOf({ install: 'pass', upgrade: 'pass', backup: 'skip', functional: 'pass', lint: 'fail' }),
      {
        verdict: 'green',
        reason: 'green at level 4: install pass, upgrade pass, backup skip, functional pass; lint fail (advisory)',
      },
    );
    assert.equal(levelOf({ install: 'pass', upgrade: 'pass', backup: 'skip', functional: 'pass', lint: 'fail' }), 4);
    assert.deepEqual(
      verdictOf({ install: 'pass', upgrade: 'unver', backup: 'pass', functional: 'fail', lint: 'pass' }),
      { verdict: 'red', reason: 'red at level 1: upgrade unver; functional fail' },
    );
    assert.deepEqual(
      verdictOf({ install: 'skip', upgrade: 'skip', backup: 'skip', functional: 'skip', lint: 'skip' }),
      { verdict: 'red', reason: 'red at level 5: install skip (install must pass)' },
    );
    assert.deepEqual(
      verdictOf({ install: 'pass', upgrade: 'pass', backup: 'pass', functional: 'pass', lint: 'pass' }),
      { verdict: 'green', reason: 'green at level 5: install pass, upgrade pass, backup pass, functional pass' },
    );
  });

  test('a status outside the four is refused loudly, naming the rung', () => {
    const bad = { install: 'pass', upgrade: 'ok', backup: 'pass', functional: 'pass', lint: 'pass' } as unknown as RungStatuses;
    assert.throws(() => levelOf(bad), /rung upgrade has status "ok", expected one of pass, fail, skip, unver/);
    assert.throws(() => verdictOf(bad), /rung upgrade has status "ok"/);
    const missing = { install: 'pass' } as unknown as RungStatuses;
    assert.throws(() => levelOf(missing), /rung upgrade has status undefined/);
  });
});
