import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  hasKeys,
  isFiniteNumberIn,
  isIntegerIn,
  isIsoInstant,
  isNonEmptyPlainString,
  isPlainObject,
  isPlainString,
  isSafeName,
  isStringArray,
} from '../../src/core/record-checks.js';

test('plain objects: records from JSON, nothing else', () => {
  assert.equal(isPlainObject({}), true);
  assert.equal(isPlainObject(Object.create(null)), true);
  for (const value of [null, [], 'x', 1, new Date(), new Map()]) assert.equal(isPlainObject(value), false);
});

test('keys: all allowed, all required present', () => {
  assert.equal(hasKeys({ a: 1, b: 2 }, ['a', 'b']), true);
  assert.equal(hasKeys({ a: 1 }, ['a', 'b']), false, 'b is required');
  assert.equal(hasKeys({ a: 1 }, ['a', 'b'], ['a']), true);
  assert.equal(hasKeys({ a: 1, c: 3 }, ['a', 'b'], []), false, 'c is not allowed');
});

test('strings, names and numbers', () => {
  assert.equal(isPlainString('a b'), true);
  assert.equal(isPlainString('a\nb'), false);
  assert.equal(isPlainString('x'.repeat(5), 4), false);
  assert.equal(isPlainString(3), false);
  assert.equal(isNonEmptyPlainString(''), false);
  assert.equal(isSafeName('run-1.x_y'), true);
  for (const name of ['', '.', '..', '-x', '.hidden', 'a/b', 'a b', 3]) assert.equal(isSafeName(name), false, String(name));
  assert.equal(isIntegerIn(3, 0, 5), true);
  assert.equal(isIntegerIn(3.5, 0, 5), false);
  assert.equal(isIntegerIn(6, 0, 5), false);
  assert.equal(isFiniteNumberIn(2.5, 0, 5), true);
  assert.equal(isFiniteNumberIn(Infinity, 0, Infinity), false);
  assert.equal(isFiniteNumberIn('1', 0, 5), false);
  assert.equal(isStringArray(['a', 'b'], isSafeName), true);
  assert.equal(isStringArray(['a', '..'], isSafeName), false);
  assert.equal(isStringArray('a', isSafeName), false);
});

test('instants: exactly what Date#toISOString writes, of a real date', () => {
  assert.equal(isIsoInstant('2026-11-26T03:00:00.000Z'), true);
  assert.equal(isIsoInstant('2024-02-29T00:00:00.000Z'), true);
  for (const text of ['2026-02-29T00:00:00.000Z', '2026-11-26T03:00:00Z', '2026-11-26T03:00:00.000+01:00', '2026-13-01T00:00:00.000Z', '', 5]) {
    assert.equal(isIsoInstant(text), false, String(text));
  }
});

/** The definition the check stands for: what Date reads and writes back unchanged. */
function roundTrips(text: string): boolean {
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString() === text;
}

test('instants: the field-by-field check says what a round trip through Date says, for every day of leap and common years', () => {
  for (const year of ['0000', '0004', '1900', '2000', '2023', '2024', '2100', '2400', '9999']) {
    for (let month = 0; month <= 13; month += 1) {
      for (let day = 0; day <= 32; day += 1) {
        const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T00:00:00.000Z`;
        assert.equal(isIsoInstant(text), roundTrips(text), text);
      }
    }
  }
});

test('instants: the field-by-field check says what a round trip through Date says, for any digits in the shape', () => {
  const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
  // Fields drawn mostly near their limits, so that the edges come up often.
  const near = (n: number, values: string[]) => fc.oneof(digits(n), fc.constantFrom(...values));
  const instant = fc
    .tuple(
      digits(4),
      near(2, ['00', '01', '02', '12', '13']),
      near(2, ['00', '01', '28', '29', '30', '31', '32']),
      near(2, ['00', '23', '24']),
      near(2, ['00', '59', '60']),
      near(2, ['00', '59', '60']),
      digits(3),
    )
    .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  fc.assert(
    fc.property(instant, (text) => isIsoInstant(text) === roundTrips(text)),
    { numRuns: 20_000 },
  );
});
