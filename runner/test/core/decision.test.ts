import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, type CanonicalView, type DecisionInput } from '../../src/core/decision.js';
import { compareTags, latestRelease, parseTag } from '../../src/core/versions.js';
import { tagList } from './arbitraries.js';

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const C3 = '3'.repeat(40);

// custom-html-like history: 1.13.0+1.31.1 is the newest release, a prerelease and junk beside it.
const TAGS = ['1.12.0+1.29.0', '1.13.0+1.9.0', '1.13.0+1.31.1', '1.14.0-rc.1+1.32.0', 'latest', 'v1.0.0'];
const COMMITS: Record<string, string> = {
  '1.12.0+1.29.0': C1,
  '1.13.0+1.9.0': C2,
  '1.13.0+1.31.1': C3,
  '1.14.0-rc.1+1.32.0': C1,
  latest: C3,
  'v1.0.0': C1,
};

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    tags: TAGS,
    tagCommits: COMMITS,
    canonical: { state: 'absent' },
    redAttempts: [],
    retryRed: false,
    allowPrereleases: false,
    ...overrides,
  };
}

const present = (version: string, commit = C1): CanonicalView => ({ state: 'present', version, commit });

describe('decide: every row of the decision table', () => {
  test('no release tag -> skip:never-released', () => {
    const d = decide(input({ tags: ['latest', 'v1', '2.0.0-rc.1'], tagCommits: {} }));
    assert.equal(d.code, 'skip:never-released');
    assert.equal(d.action, 'skip');
    assert.equal(d.tag, null);
    assert.equal(d.commit, null);
    assert.equal(d.reason, 'skip:never-released (no release tag among 3 tags, 2 not a version, 1 prerelease not allowed)');
    assert.deepEqual(
      d.rejectedTags.map((r) => r.tag),
      ['latest', 'v1', '2.0.0-rc.1'],
    );
  });

  test('no tags at all -> skip:never-released', () => {
    const d = decide(input({ tags: [], tagCommits: {} }));
    assert.equal(d.code, 'skip:never-released');
    assert.equal(d.reason, 'skip:never-released (no release tag among 0 tags)');
    assert.deepEqual(d.rejectedTags, []);
    assert.equal(decide(input({ tags: ['1.0.0-rc.1'], tagCommits: {} })).reason,
      'skip:never-released (no release tag among 1 tag, 1 prerelease not allowed)');
  });

  test('canonical invalid -> error:registry, before anything else, even with no release tags', () => {
    const canonical: CanonicalView = { state: 'invalid', problem: 'canonical.json: version: required' };
    for (const tags of [TAGS, [], ['latest']]) {
      const d = decide(input({ tags, canonical }));
      assert.equal(d.code, 'error:registry');
      assert.equal(d.action, 'error');
      assert.equal(d.tag, null);
      assert.equal(d.commit, null);
      assert.equal(d.reason, 'error:registry (canonical record is invalid: canonical.json: version: required; left as it is)');
    }
  });

  test('canonical version that is not a version -> error:registry', () => {
    const d = decide(input({ canonical: present('v1.13.0') }));
    assert.equal(d.code, 'error:registry');
    assert.match(d.reason, /^error:registry \(canonical version "v1\.13\.0" is not a release version: leading 'v'.*; left as it is\)$/);
  });

  test('no canonical -> run on the newest tag, at its commit', () => {
    const d = decide(input());
    assert.equal(d.code, 'run');
    assert.equal(d.action, 'run');
    assert.equal(d.tag, '1.13.0+1.31.1', 'numeric-aware app part: 1.31.1 > 1.9.0');
    assert.equal(d.commit, C3);
    assert.equal(d.reason, `run (no canonical; newest 1.13.0+1.31.1 at ${C3})`);
  });

  test('newest tag > canonical -> run', () => {
    for (const canonical of ['1.12.0+1.29.0', '1.13.0+1.9.0', '1.13.0', '0.1.0']) {
      const d = decide(input({ canonical: present(canonical) }));
      assert.equal(d.code, 'run', canonical);
      assert.equal(d.tag, '1.13.0+1.31.1');
      assert.equal(d.commit, C3);
      assert.equal(d.reason, `run (newest 1.13.0+1.31.1 > canonical ${canonical} at ${C3})`);
    }
  });

  test('newest tag == canonical -> skip:no-new-version', () => {
    const d = decide(input({ canonical: present('1.13.0+1.31.1', C3) }));
    assert.equal(d.code, 'skip:no-new-version');
    assert.equal(d.action, 'skip');
    assert.equal(d.tag, '1.13.0+1.31.1');
    assert.equal(d.commit, C3);
    assert.equal(d.reason, 'skip:no-new-version (latest 1.13.0+1.31.1 <= canonical 1.13.0+1.31.1)');
  });

  test('newest tag < canonical (a lower version published later, or an untagged canonical) -> skip:no-new-version', () => {
    for (const canonical of ['1.13.1', '2.0.0+1.0', '1.13.0+1.31.1_1', '1.13.0_1']) {
      const d = decide(input({ canonical: present(canonical) }));
      assert.equal(d.code, 'skip:no-new-version', canonical);
      assert.equal(d.reason, `skip:no-new-version (latest 1.13.0+1.31.1 <= canonical ${canonical})`);
    }
  });

  test('newest tag already red at the same commit -> skip:known-red', () => {
    const d = decide(input({ redAttempts: [{ tag: '1.13.0+1.31.1', commit: C3 }] }));
    assert.equal(d.code, 'skip:known-red');
    assert.equal(d.action, 'skip');
    assert.equal(d.tag, '1.13.0+1.31.1');
    assert.equal(d.commit, C3);
    assert.equal(d.reason, `skip:known-red (1.13.0+1.31.1 at ${C3} already ran red; --retry-red retries it)`);
  });

  test('known red, with --retry-red -> run', () => {
    const d = decide(input({ redAttempts: [{ tag: '1.13.0+1.31.1', commit: C3 }], retryRed: true }));
    assert.equal(d.code, 'run');
    assert.equal(d.reason, `run (no canonical; newest 1.13.0+1.31.1 at ${C3}; retrying a known red)`);
  });

  test('red at another commit (the tag was moved) or of another tag -> run', () => {
    for (const red of [
      { tag: '1.13.0+1.31.1', commit: C1 },
      { tag: '1.13.0+1.9.0', commit: C3 },
    ]) {
      assert.equal(decide(input({ redAttempts: [red] })).code, 'run', JSON.stringify(red));
    }
  });

  test('no-new-version wins over known-red', () => {
    const d = decide(input({ canonical: present('1.13.0+1.31.1'), redAttempts: [{ tag: '1.13.0+1.31.1', commit: C3 }] }));
    assert.equal(d.code, 'skip:no-new-version');
  });

  test('prereleases: ignored and reported unless the recipe opts in', () => {
    const d = decide(input());
    assert.deepEqual(d.rejectedTags, [
      { tag: 'latest', reason: d.rejectedTags[0]!.reason },
      { tag: 'v1.0.0', reason: "leading 'v': Co-op Cloud release tags have none" },
      { tag: '1.14.0-rc.1+1.32.0', reason: 'prerelease (the recipe does not allow prereleases)' },
    ]);
    const opted = decide(input({ allowPrereleases: true, canonical: present('1.13.0+1.31.1') }));
    assert.equal(opted.code, 'run');
    assert.equal(opted.tag, '1.14.0-rc.1+1.32.0');
    assert.equal(opted.commit, C1);
    assert.deepEqual(
      opted.rejectedTags.map((r) => r.tag),
      ['latest', 'v1.0.0'],
    );
  });

  test('a prerelease canonical of a recipe that does not allow prereleases -> error:registry', () => {
    const d = decide(input({ canonical: present('1.14.0-rc.1+1.32.0') }));
    assert.equal(d.code, 'error:registry');
    assert.equal(d.action, 'error');
    assert.equal(
      d.reason,
      'error:registry (canonical version 1.14.0-rc.1+1.32.0 is a prerelease and the recipe does not allow prereleases; left as it is)',
    );
    // Even with nothing newer to run: a broken registry is never quiet.
    assert.equal(decide(input({ tags: [], tagCommits: {}, canonical: present('2.0.0-rc.1') })).code, 'error:registry');
    // A recipe that opts in keeps its prerelease canonical.
    assert.equal(decide(input({ allowPrereleases: true, canonical: present('1.14.0-rc.1+1.32.0') })).code, 'skip:no-new-version');
  });

  test('a missing commit for the tag to run is a loud error, not a run of the wrong tree', () => {
    assert.throws(() => decide(input({ tagCommits: {} })), /decide: no commit given for release tag 1\.13\.0\+1\.31\.1/);
    // a tag literally named like an Object.prototype key is not found there either
    assert.throws(() => decide(input({ tags: ['1.0.0'], tagCommits: { toString: C1 } })), /no commit given/);
    // but a skip needs no commit
    const d = decide(input({ tagCommits: {}, canonical: present('1.13.0+1.31.1') }));
    assert.equal(d.code, 'skip:no-new-version');
    assert.equal(d.commit, null);
  });

  test('property: the decision follows the table for any tags and canonical', () => {
    fc.assert(
      fc.property(
        tagList,
        fc.option(fc.oneof(fc.constantFrom('0.0.0', '1.0.0', '2.0.0+x', 'junk'), fc.constantFrom(...TAGS)), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (tags, canonicalVersion, allowPrereleases, redNewest, retryRed) => {
          const tagCommits = Object.fromEntries(tags.map((t) => [t, C2]));
          const canonical: CanonicalView = canonicalVersion === undefined ? { state: 'absent' } : present(canonicalVersion);
          const newest = latestRelease(tags, { allowPrereleases });
          const redAttempts = redNewest && newest ? [{ tag: newest.tag, commit: C2 }] : [];
          const d = decide({ tags, tagCommits, canonical, redAttempts, retryRed, allowPrereleases });
          let expected: string;
          const parsedCanonical = canonicalVersion === undefined ? null : parseTag(canonicalVersion);
          if (parsedCanonical && !parsedCanonical.ok) expected = 'error:registry';
          else if (parsedCanonical?.ok && parsedCanonical.version.prerelease.length > 0 && !allowPrereleases) expected = 'error:registry';
          else if (newest === null) expected = 'skip:never-released';
          else if (canonicalVersion !== undefined && compareTags(newest.tag, canonicalVersion) <= 0) expected = 'skip:no-new-version';
          else if (redNewest && !retryRed) expected = 'skip:known-red';
          else expected = 'run';
          assert.equal(d.code, expected);
          assert.ok(d.reason.startsWith(`${expected} (`));
          if (expected === 'run') {
            assert.equal(d.tag, newest?.tag);
            assert.equal(d.commit, C2);
          }
          for (const r of d.rejectedTags) assert.ok(tags.includes(r.tag) && r.reason.length > 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
