import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveUpgradeBase, type UpgradeBaseInput } from '../../src/core/upgrade-base.js';
import { compareTags, isPublishedRelease, newestOlderThan, parseTag } from '../../src/core/versions.js';
import { tagList, validTag } from './arbitraries.js';

// plausible-like history: 3.0.0 could never start, so the second-newest tag is not a safe base.
const TAGS = ['2.0.0+v1.5.0', '3.0.0+v2.0.0', '3.0.1+v2.0.0', '3.1.0-rc.1+v2.1.0', 'latest'];

function input(overrides: Partial<UpgradeBaseInput> = {}): UpgradeBaseInput {
  return { tags: TAGS, head: '3.0.1+v2.0.0', canonicalVersion: null, pin: null, allowPrereleases: false, ...overrides };
}

describe('resolveUpgradeBase: each rule', () => {
  test('1 pin: a published release older than head', () => {
    assert.deepEqual(resolveUpgradeBase(input({ pin: '2.0.0+v1.5.0', canonicalVersion: '3.0.0+v2.0.0' })), {
      base: '2.0.0+v1.5.0',
      rule: 'pin',
      reason: 'pinned upgrade base 2.0.0+v1.5.0 (head 3.0.1+v2.0.0)',
    });
  });

  test('1 pin that is not a tag, not a version, a prerelease, or not older than head -> invalid-pin', () => {
    const cases: [string, string][] = [
      ['2.5.0', 'upgrade base pin: 2.5.0 is not a published tag'],
      ['latest', 'upgrade base pin: "latest" is not a release version: '],
      ['3.1.0-rc.1+v2.1.0', 'upgrade base pin: 3.1.0-rc.1+v2.1.0 is a prerelease and the recipe does not allow prereleases'],
      ['3.0.1+v2.0.0', 'upgrade base pin 3.0.1+v2.0.0 is not older than head 3.0.1+v2.0.0'],
      ['', 'upgrade base pin: "" is not a release version: empty tag'],
    ];
    for (const [pin, reason] of cases) {
      const result = resolveUpgradeBase(input({ pin, canonicalVersion: '2.0.0+v1.5.0' }));
      assert.equal(result.rule, 'invalid-pin', pin);
      assert.equal(result.base, null);
      assert.ok(result.reason.startsWith(reason), `${pin}: ${result.reason}`);
    }
    const newer = resolveUpgradeBase(input({ head: '3.0.0+v2.0.0', pin: '3.0.1+v2.0.0' }));
    assert.deepEqual(newer, {
      base: null,
      rule: 'invalid-pin',
      reason: 'upgrade base pin 3.0.1+v2.0.0 is not older than head 3.0.0+v2.0.0',
    });
  });

  test('1 a prerelease pin is fine when the recipe opts in', () => {
    const result = resolveUpgradeBase(input({ head: '3.1.0+v2.1.0', pin: '3.1.0-rc.1+v2.1.0', allowPrereleases: true }));
    assert.equal(result.rule, 'pin');
    assert.equal(result.base, '3.1.0-rc.1+v2.1.0');
  });

  test('2 canonical older than head (not the second-newest tag)', () => {
    assert.deepEqual(resolveUpgradeBase(input({ canonicalVersion: '2.0.0+v1.5.0' })), {
      base: '2.0.0+v1.5.0',
      rule: 'canonical',
      reason: 'canonical 2.0.0+v1.5.0 is older than head 3.0.1+v2.0.0',
    });
  });

  test('2 canonical older than an untagged head', () => {
    const result = resolveUpgradeBase(input({ head: '3.0.2+v2.0.1', canonicalVersion: '3.0.1+v2.0.0' }));
    assert.equal(result.rule, 'canonical');
    assert.equal(result.base, '3.0.1+v2.0.0');
  });

  test('3 canonical == head: step back to the newest release strictly older', () => {
    assert.deepEqual(resolveUpgradeBase(input({ canonicalVersion: '3.0.1+v2.0.0' })), {
      base: '3.0.0+v2.0.0',
      rule: 'step-back',
      reason: 'canonical equals head 3.0.1+v2.0.0, stepping back: newest release older than head is 3.0.0+v2.0.0',
    });
  });

  test('3 canonical == head with nothing older -> none', () => {
    assert.deepEqual(resolveUpgradeBase(input({ head: '2.0.0+v1.5.0', canonicalVersion: '2.0.0+v1.5.0' })), {
      base: null,
      rule: 'none',
      reason:
        'no upgrade target: canonical equals head 2.0.0+v1.5.0, stepping back, and no release is older than head 2.0.0+v1.5.0',
    });
  });

  test('4 no canonical: newest release older than head (prereleases skipped unless allowed)', () => {
    assert.deepEqual(resolveUpgradeBase(input({ head: '3.2.0+v2.2.0' })), {
      base: '3.0.1+v2.0.0',
      rule: 'newest-older',
      reason: 'no canonical: newest release older than head is 3.0.1+v2.0.0',
    });
    const allowed = resolveUpgradeBase(input({ head: '3.2.0+v2.2.0', allowPrereleases: true }));
    assert.equal(allowed.base, '3.1.0-rc.1+v2.1.0');
  });

  test('4 canonical newer than head: newest release older than head', () => {
    assert.deepEqual(resolveUpgradeBase(input({ head: '3.0.0+v2.0.0', canonicalVersion: '3.0.1+v2.0.0' })), {
      base: '2.0.0+v1.5.0',
      rule: 'newest-older',
      reason: 'canonical 3.0.1+v2.0.0 is newer than head 3.0.0+v2.0.0: newest release older than head is 2.0.0+v1.5.0',
    });
  });

  test('4 a canonical that is not a version is ignored, and said so', () => {
    const result = resolveUpgradeBase(input({ canonicalVersion: 'v3.0.0' }));
    assert.equal(result.rule, 'newest-older');
    assert.equal(result.base, '3.0.0+v2.0.0');
    assert.match(result.reason, /^canonical "v3\.0\.0" ignored \(not a release version: leading 'v'.*\): newest release older/);
  });

  test('5 nothing older -> none, "no upgrade target"', () => {
    for (const overrides of [
      { head: '1.0.0' },
      { tags: [], head: '1.0.0' },
      { head: '1.0.0', canonicalVersion: '2.0.0+v1.5.0' },
    ] satisfies Partial<UpgradeBaseInput>[]) {
      const result = resolveUpgradeBase(input(overrides));
      assert.equal(result.rule, 'none', JSON.stringify(overrides));
      assert.equal(result.base, null);
      assert.match(result.reason, /^no upgrade target: .*no release is older than head 1\.0\.0$/);
    }
  });

  test('invalid head -> invalid-head, whatever else is set', () => {
    for (const head of ['', 'latest', 'df2e273+U', 'v3.0.1']) {
      const result = resolveUpgradeBase(input({ head, pin: '2.0.0+v1.5.0', canonicalVersion: '2.0.0+v1.5.0' }));
      assert.equal(result.rule, 'invalid-head', head);
      assert.equal(result.base, null);
      assert.ok(result.reason.startsWith(`head version ${JSON.stringify(head)} is not a release version: `), result.reason);
    }
  });

  test('property: a base is always a release strictly older than head, chosen by the rules in order', () => {
    fc.assert(
      fc.property(
        tagList,
        validTag,
        fc.option(validTag),
        fc.option(fc.oneof(validTag, fc.constant('latest'))),
        fc.boolean(),
        (tags, head, canonicalVersion, pin, allowPrereleases) => {
          const options = { allowPrereleases };
          const result = resolveUpgradeBase({ tags, head, canonicalVersion, pin, allowPrereleases });
          if (result.base !== null) assert.equal(compareTags(result.base, head), -1, result.reason);
          assert.equal(result.base === null, ['none', 'invalid-pin', 'invalid-head'].includes(result.rule));
          assert.ok(result.reason.length > 0);
          const newestOlder = newestOlderThan(tags, head, options)?.tag ?? null;
          if (pin !== null) {
            const ok = isPublishedRelease(tags, pin, options) && parseTag(pin).ok && compareTags(pin, head) < 0;
            assert.equal(result.rule, ok ? 'pin' : 'invalid-pin');
            if (ok) assert.equal(result.base, pin);
          } else if (canonicalVersion !== null && compareTags(canonicalVersion, head) < 0) {
            assert.deepEqual([result.rule, result.base], ['canonical', canonicalVersion]);
          } else {
            const rule = canonicalVersion === head ? 'step-back' : 'newest-older';
            assert.deepEqual([result.rule, result.base], [newestOlder === null ? 'none' : rule, newestOlder]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
