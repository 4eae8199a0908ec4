// The dashboard's quick reading of attempts.jsonl agrees with the registry's schema.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { plainAttempt, readAttemptsForDashboard } from '../../src/dashboard/read-attempts.js';
import { attemptSchema, readAttempts } from '../../src/registry/attempts.js';

const value = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(null, true, false, 0, 3, 5, 6, -1, 2.5, 'green', 'red', 'blue'),
  fc.integer(),
  fc.double(),
);
const good = fc.record({
  at: fc.constant('2026-11-30T02:00:00.000Z'),
  sweepId: fc.string(),
  recipe: fc.constantFrom('ghost'),
  decision: fc.string(),
  tag: fc.option(fc.string()),
  commit: fc.option(fc.string()),
  runId: fc.option(fc.string()),
  verdict: fc.constantFrom(null, 'green', 'red'),
  level: fc.option(fc.integer({ min: 0, max: 5 })),
  promoted: fc.boolean(),
  outcome: fc.string(),
  durationMs: fc.nat(),
});
// A good attempt with some fields replaced by anything, some removed, some added.
const mutated = fc
  .tuple(good, fc.dictionary(fc.constantFrom('at', 'tag', 'verdict', 'level', 'promoted', 'durationMs', 'extra', 'outcome'), value), fc.subarray(['runId', 'commit', 'sweepId']))
  .map(([base, changes, removed]) => {
    const out: Record<string, unknown> = { ...base, ...changes };
    for (const key of removed) delete out[key];
    return out;
  });

describe('plainAttempt', () => {
  test('property: whatever it takes, the schema takes too, as the same value', () => {
    fc.assert(
      fc.property(fc.oneof(good, mutated), (made) => {
        // As a line of the file gives it.
        const raw: unknown = JSON.parse(JSON.stringify(made));
        const plain = plainAttempt(raw);
        if (plain === null) return;
        const parsed = attemptSchema.safeParse(raw);
        assert.ok(parsed.success, JSON.stringify(raw));
        assert.deepEqual(plain, parsed.data);
      }),
      { numRuns: 500 },
    );
  });

  test('property: every well-formed attempt is taken without the schema', () => {
    fc.assert(fc.property(good, (made) => assert.ok(plainAttempt(JSON.parse(JSON.stringify(made))) !== null)));
  });

  test('the file reads as the registry reads it (good lines, torn lines, odd but valid lines)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-attempts-'));
    try {
      mkdirSync(path.join(root, 'ghost'));
      const line = (extra: Record<string, unknown> = {}) =>
        JSON.stringify({ at: '2026-11-30T02:00:00.000Z', sweepId: 's', recipe: 'ghost', decision: 'run', tag: '1.0.0', commit: null, runId: null, verdict: null, level: null, promoted: false, outcome: 'skipped', durationMs: 1, ...extra });
      writeFileSync(
        path.join(root, 'ghost', 'attempts.jsonl'),
        [line(), '{"torn', line({ level: 9 }), line({ extra: 'kept by zod? stripped' }), '', line({ outcome: 'interrupted' })].join('\n'),
      );
      assert.deepEqual(await readAttemptsForDashboard(root, 'ghost'), await readAttempts(root, 'ghost'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
