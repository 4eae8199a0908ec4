import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gate, type GateInput } from '../../src/core/gate.js';

const TAG_COMMIT = 'df2e273'.padEnd(40, '0');
const MAIN_HEAD = '2b82eba'.padEnd(40, '0');

function promotable(overrides: Partial<GateInput> = {}): GateInput {
  return {
    enrolled: true,
    verdict: 'green',
    mode: 'cold',
    prRef: null,
    testedVersion: '1.13.0+1.31.1',
    testedCommit: TAG_COMMIT,
    stagedTag: '1.13.0+1.31.1',
    tags: ['1.12.0+1.29.0', '1.13.0+1.31.1', '2.0.0-rc.1+1.32.0', 'latest'],
    tagCommits: { '1.12.0+1.29.0': MAIN_HEAD, '1.13.0+1.31.1': TAG_COMMIT, '2.0.0-rc.1+1.32.0': TAG_COMMIT },
    allowPrereleases: false,
    ...overrides,
  };
}

// Each condition of the gate, with one input that fails it and only it.
const SINGLE_FAILURES: [string, Partial<GateInput>, string][] = [
  ['not enrolled', { enrolled: false }, 'the recipe is not enrolled'],
  ['red', { verdict: 'red' }, 'the verdict is red, not green'],
  ['quick', { mode: 'quick' }, 'the run was quick, only a cold run promotes'],
  ['PR run', { prRef: 'refs/pull/7/head' }, 'the run tested PR ref "refs/pull/7/head"'],
  [
    'untagged head (version label not a tag), commit known',
    { tags: ['1.12.0+1.29.0'] },
    'the tested version 1.13.0+1.31.1 is not a published tag',
  ],
  [
    'prerelease not allowed',
    { testedVersion: '2.0.0-rc.1+1.32.0', stagedTag: '2.0.0-rc.1+1.32.0' },
    'the tested version 2.0.0-rc.1+1.32.0 is a prerelease and the recipe does not allow prereleases',
  ],
  [
    'tag points elsewhere (main ahead of the tag was tested)',
    { testedCommit: MAIN_HEAD },
    `tag 1.13.0+1.31.1 points at ${TAG_COMMIT}, not at the tested commit ${MAIN_HEAD}`,
  ],
  [
    'no commit known for the tag',
    { tagCommits: {} },
    'no commit is known for tag "1.13.0+1.31.1", so it cannot be shown to be the tested commit',
  ],
  [
    'the staged tag says another version (its compose label is an older release)',
    { stagedTag: '1.14.0+1.32.0' },
    "the run staged tag 1.14.0+1.32.0, but its checkout's version (the compose label) is 1.13.0+1.31.1: a tag is promoted only as itself",
  ],
];

describe('gate', () => {
  test('all conditions met -> promote, with a readable reason', () => {
    assert.deepEqual(gate(promotable()), {
      promote: true,
      reason: `promote: green cold run of published release 1.13.0+1.31.1 at its tag commit ${TAG_COMMIT}`,
      failed: [],
    });
  });

  test('a prerelease promotes when the recipe opts in', () => {
    const result = gate(
      promotable({ testedVersion: '2.0.0-rc.1+1.32.0', stagedTag: '2.0.0-rc.1+1.32.0', allowPrereleases: true }),
    );
    assert.equal(result.promote, true, result.reason);
  });

  for (const [name, overrides, message] of SINGLE_FAILURES) {
    test(`${name} alone -> no promote`, () => {
      const result = gate(promotable(overrides));
      assert.equal(result.promote, false);
      assert.deepEqual(result.failed, [message]);
      assert.equal(result.reason, `no promote: ${message}`);
    });
  }

  test('a junk tested version (no label, chaos label) is named with why', () => {
    const result = gate(
      promotable({ testedVersion: 'chaos-df2e273+U', stagedTag: null, tagCommits: { 'chaos-df2e273+U': TAG_COMMIT } }),
    );
    assert.equal(result.promote, false);
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0]!, /^the tested version "chaos-df2e273\+U" is not a release version: /);
  });

  test('an untagged version: both the tag and its commit are missing', () => {
    const result = gate(promotable({ testedVersion: '1.14.0+1.32.0', stagedTag: null }));
    assert.deepEqual(result.failed, [
      'the tested version 1.14.0+1.32.0 is not a published tag',
      'no commit is known for tag "1.14.0+1.32.0", so it cannot be shown to be the tested commit',
    ]);
  });

  test('every unmet condition is reported, and any one unmet blocks the promote', () => {
    const everything = gate(
      promotable({
        enrolled: false,
        verdict: 'red',
        mode: 'quick',
        prRef: 'pr/1',
        testedCommit: MAIN_HEAD,
        tags: [],
        stagedTag: '1.14.0+1.32.0',
      }),
    );
    assert.equal(everything.promote, false);
    assert.equal(everything.failed.length, 7);
    fc.assert(
      fc.property(fc.subarray(SINGLE_FAILURES.map((_, i) => i)), (chosen) => {
        // any combination of single failures: none of them can repair another
        const overrides = Object.assign({}, ...chosen.map((i) => SINGLE_FAILURES[i]![1])) as Partial<GateInput>;
        const result = gate(promotable(overrides));
        assert.equal(result.promote, chosen.length === 0);
        assert.equal(result.promote, result.failed.length === 0);
        assert.ok(result.failed.length >= Math.min(1, chosen.length));
        assert.ok(result.reason.startsWith(result.promote ? 'promote: ' : 'no promote: '));
      }),
      { numRuns: 300 },
    );
  });
});
