import assert from 'node:assert/strict';
import { test } from 'node:test';
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
