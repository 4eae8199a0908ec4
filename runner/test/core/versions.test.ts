import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import semver from 'semver';
import {
  compareAppVersions,
  compareTags,
  compareVersions,
  isPublishedRelease,
  isRelease,
  latestRelease,
  newestOlderThan,
  parseTag,
  parseTagOrThrow,
  publishedReleaseProblem,
  sortedReleases,
  sortTags,
  type ReleaseVersion,
} from '../../src/core/versions.js';
import { anyTag, tagList, validTag } from './arbitraries.js';

const RUNS = { numRuns: 500 };

describe('parseTag accepts release tags and keeps the tag as given', () => {
  const accepted: [string, Omit<ReleaseVersion, 'tag'>][] = [
    ['1.7.1+1.27.2', { major: 1, minor: 7, patch: 1, prerelease: [], app: '1.27.2', legacy: null }],
    ['3.0.1+v2.0.0', { major: 3, minor: 0, patch: 1, prerelease: [], app: 'v2.0.0', legacy: null }],
    ['5.0.3+27.0.1-fpm', { major: 5, minor: 0, patch: 3, prerelease: [], app: '27.0.1-fpm', legacy: null }],
    [
      '2.0.0+1.0.5-social-amd64',
      { major: 2, minor: 0, patch: 0, prerelease: [], app: '1.0.5-social-amd64', legacy: null },
    ],
    ['1.13.0+1.31.1', { major: 1, minor: 13, patch: 0, prerelease: [], app: '1.31.1', legacy: null }],
    ['0.0.0', { major: 0, minor: 0, patch: 0, prerelease: [], app: null, legacy: null }],
    ['2.0.0-rc.1+x', { major: 2, minor: 0, patch: 0, prerelease: ['rc', 1], app: 'x', legacy: null }],
    ['1.0.0-alpha-1.0.x-y', { major: 1, minor: 0, patch: 0, prerelease: ['alpha-1', 0, 'x-y'], app: null, legacy: null }],
    ['1.0.0+2.3+dfsg', { major: 1, minor: 0, patch: 0, prerelease: [], app: '2.3+dfsg', legacy: null }],
    ['1.0.0+1.0_1', { major: 1, minor: 0, patch: 0, prerelease: [], app: '1.0_1', legacy: null }],
    ['1.13.4_1', { major: 1, minor: 13, patch: 4, prerelease: [], app: null, legacy: 1 }],
    ['1.13.4~2', { major: 1, minor: 13, patch: 4, prerelease: [], app: null, legacy: 2 }],
    ['1.13.4_0', { major: 1, minor: 13, patch: 4, prerelease: [], app: null, legacy: 0 }],
    [
      '9007199254740991.0.0',
      { major: Number.MAX_SAFE_INTEGER, minor: 0, patch: 0, prerelease: [], app: null, legacy: null },
    ],
  ];
  for (const [tag, fields] of accepted) {
    test(tag, () => {
      assert.deepEqual(parseTag(tag), { ok: true, version: { tag, ...fields } });
    });
  }
});

describe('parseTag rejects everything else, with a reason', () => {
  const rejected: [string, RegExp][] = [
    ['latest', /"latest" has 1 dot-separated part, a release needs <major>\.<minor>\.<patch>/],
    ['main', /has 1 dot-separated part/],
    ['v1', /leading 'v'/],
    ['v1.2.3', /leading 'v': Co-op Cloud release tags have none/],
    ['V1.2.3', /leading 'v'/],
    ['1.2', /"1\.2" has 2 dot-separated parts/],
    ['1.2.3.4', /has 4 dot-separated parts/],
    ['01.2.3', /major "01" has a leading zero/],
    ['1.02.3', /minor "02" has a leading zero/],
    ['1.2.03', /patch "03" has a leading zero/],
    ['1.x.3', /minor "x" is not a number/],
    ['1..3', /minor "" is not a number/],
    ['--upload-pack=x', /starts with '-'/],
    ['-1.2.3', /starts with '-'/],
    ['', /^empty tag$/],
    [' ', /whitespace/],
    ['1.2.3 ', /whitespace/],
    ['1.2.3\n', /whitespace/],
    ['1.2.3\t+x', /whitespace/],
    ['1'.repeat(256), /longer than 255 characters/],
    ['99999999999999999.0.0', /major 99999999999999999 is larger than 9007199254740991/],
    ['1.2.3-', /prerelease "" has an empty identifier/],
    ['1.2.3-rc..1', /empty identifier/],
    ['1.2.3-rc.01', /prerelease identifier "01" has a leading zero/],
    ['1.2.3-rc.99999999999999999', /larger than/],
    ['1.2.3-rc!', /prerelease identifier "rc!" may only use/],
    ['1.2.3+', /nothing after '\+'/],
    ['1.2.3+-fpm', /app version "-fpm" must start and end with a letter or digit/],
    ['1.2.3+1.0.', /must start and end with a letter or digit/],
    ['1.2.3+a b', /whitespace/],
    ['1.2.3+1..0', /app version "1\.\.0" contains '\.\.'/],
    ['1.2.3+x/y', /must start and end/],
    ['1.13.4_1+x', /legacy form .* takes no '\+' part/],
    ['1.13.4_01', /legacy counter "01" has a leading zero/],
    ['1.13.4_', /legacy counter "" is not a number/],
    ['1.13_1', /legacy form: "1\.13" has 2 dot-separated parts/],
    ['1.13.4_1_2', /'_' or '~' only as in the legacy form/],
    ['1.2.3-rc_1', /'_' or '~' only as in the legacy form/],
    ['1.2.3-rc~1', /'_' or '~' only as in the legacy form/],
  ];
  for (const [tag, reason] of rejected) {
    test(JSON.stringify(tag.length > 40 ? `${tag.slice(0, 10)}…` : tag), () => {
      const parsed = parseTag(tag);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.tag, tag);
      assert.match(parsed.reason, reason);
    });
  }

  test('a value that is not a string (from untyped JSON) is rejected, not thrown on', () => {
    const parsed = parseTag(42 as unknown as string);
    assert.deepEqual(parsed, { ok: false, tag: '42', reason: 'not a string (number)' });
  });
});

describe('order of real tags', () => {
  const ascending: [string, string, string][] = [
    ['1.13.0+1.9.0', '1.13.0+1.31.1', 'app part numeric-aware: 9 < 31'],
    ['1.0.0+a', '1.0.0+b', 'build-only tie broken by the app part'],
    ['1.0.0', '1.0.0+a', 'no app part before any app part'],
    ['2.0.0-rc.1+x', '2.0.0+x', 'prerelease before release'],
    ['2.0.0-rc.1+z', '2.0.0+a', 'prerelease before release, whatever the app part'],
    ['2.0.0-alpha', '2.0.0-alpha.1', 'semver: shorter prerelease first'],
    ['2.0.0-alpha.1', '2.0.0-alpha.beta', 'semver: numeric identifier before word'],
    ['2.0.0-beta.2', '2.0.0-beta.11', 'semver: numeric identifiers by value'],
    ['2.0.0-beta', '2.0.0-rc', 'semver: words in ASCII order'],
    ['2.0.0-rc.1', '2.0.0-rc.1+x', 'same prerelease: app part decides'],
    ['1.9.0', '1.10.0', 'minor by value'],
    ['1.0.9', '1.0.10', 'patch by value'],
    ['9.0.0', '10.0.0', 'major by value'],
    ['5.0.3+27.0.1-fpm', '6.0.0+28.0.0-fpm', 'version, not publication date'],
    ['3.0.0+v2.0.0', '3.0.1+v2.0.0', 'plausible'],
    ['1.13.4', '1.13.4+1.0', 'base version, then with app part'],
    ['1.13.4+99.0', '1.13.4_1', 'legacy after every form of its base version'],
    ['1.13.4_1', '1.13.4_2', 'legacy counter by value'],
    ['1.13.4_2', '1.13.4_10', 'legacy counter by value, not text'],
    ['1.13.4_1', '1.13.4~1', 'same legacy counter: raw tag decides'],
    ['1.13.4~1', '1.13.4_2', 'legacy counter before separator'],
    ['1.13.4_9', '1.13.5', 'legacy before the next patch'],
    ['1.13.4-rc.1', '1.13.4_1', 'prerelease before legacy'],
    ['1.0.0+1.0', '1.0.0+1.0-fpm', 'longer app part after its prefix'],
    ['1.0.0+007', '1.0.0+7', 'equal app numbers: raw tag decides'],
    ['1.0.0+2.0', '1.0.0+v1.0', 'digit run before a word'],
    ['1.0.0+a', '1.0.0+a1', 'app run lists: shorter first'],
  ];
  for (const [lower, higher, why] of ascending) {
    test(`${lower} < ${higher} (${why})`, () => {
      assert.equal(compareTags(lower, higher), -1);
      assert.equal(compareTags(higher, lower), 1);
    });
  }

  test('a nextcloud-like history sorts by version, not by the order it was published', () => {
    const published = [
      '5.0.0+27.0.0-fpm',
      '6.0.0+28.0.0-fpm',
      '6.0.1+28.0.1-fpm',
      '5.0.3+27.0.1-fpm', // a backport published after 6.x
      'latest',
      '6.1.0-rc.1+29.0.0-fpm',
      '5.0.3+27.0.1-fpm', // listed twice
    ];
    const { sorted, rejected } = sortTags(published);
    assert.deepEqual(
      sorted.map((v) => v.tag),
      ['5.0.0+27.0.0-fpm', '5.0.3+27.0.1-fpm', '6.0.0+28.0.0-fpm', '6.0.1+28.0.1-fpm', '6.1.0-rc.1+29.0.0-fpm'],
    );
    assert.deepEqual(rejected, [{ tag: 'latest', reason: parseTagOrThrowReason('latest') }]);
    assert.equal(latestRelease(published)?.tag, '6.0.1+28.0.1-fpm');
    assert.equal(latestRelease(published, { allowPrereleases: true })?.tag, '6.1.0-rc.1+29.0.0-fpm');
    assert.equal(newestOlderThan(published, '6.0.0+28.0.0-fpm')?.tag, '5.0.3+27.0.1-fpm');
    assert.equal(newestOlderThan(published, '5.0.0+27.0.0-fpm'), null);
    assert.deepEqual(
      sortedReleases(published).map((v) => v.tag),
      ['5.0.0+27.0.0-fpm', '5.0.3+27.0.1-fpm', '6.0.0+28.0.0-fpm', '6.0.1+28.0.1-fpm'],
    );
  });

  test('identical tags compare equal, and only they', () => {
    assert.equal(compareTags('1.0.0+a', '1.0.0+a'), 0);
    assert.equal(compareTags('1.0.0+01', '1.0.0+1'), -1);
    assert.equal(compareTags('1.0.0+1', '1.0.0+01'), 1);
  });

  test('compareTags throws on a non-version, naming it and why', () => {
    assert.throws(() => compareTags('1.0.0', 'latest'), /"latest" is not a release version: .*dot-separated part/);
    assert.throws(() => compareTags('v1.0.0', '1.0.0'), /"v1\.0\.0" is not a release version: leading 'v'/);
    assert.throws(() => newestOlderThan(['1.0.0'], 'junk'), /"junk" is not a release version/);
  });

  test('compareAppVersions is numeric-aware', () => {
    assert.equal(compareAppVersions('1.9.0', '1.31.1'), -1);
    assert.equal(compareAppVersions('27.0.1', '27.0.1-fpm'), -1);
    assert.equal(compareAppVersions('007', '7'), 0);
    assert.equal(compareAppVersions('2', 'v2'), -1);
    assert.equal(compareAppVersions('v2', '2'), 1);
    assert.equal(compareAppVersions('fpm', 'apache'), 1);
    assert.equal(compareAppVersions('12345678901234567890', '12345678901234567891'), -1);
    assert.equal(compareAppVersions('', '1'), -1);
    assert.equal(compareAppVersions('', ''), 0);
  });
});

function parseTagOrThrowReason(tag: string): string {
  const parsed = parseTag(tag);
  assert.equal(parsed.ok, false);
  return parsed.ok ? '' : parsed.reason;
}

describe('releases', () => {
  test('isRelease excludes prereleases unless allowed', () => {
    const rc = parseTagOrThrow('2.0.0-rc.1+x');
    const final = parseTagOrThrow('2.0.0+x');
    assert.equal(isRelease(rc), false);
    assert.equal(isRelease(rc, {}), false);
    assert.equal(isRelease(rc, { allowPrereleases: false }), false);
    assert.equal(isRelease(rc, { allowPrereleases: true }), true);
    assert.equal(isRelease(final), true);
    assert.equal(isRelease(parseTagOrThrow('1.13.4_1')), true);
  });

  test('latestRelease and newestOlderThan with no releases', () => {
    assert.equal(latestRelease([]), null);
    assert.equal(latestRelease(['latest', 'v1', '2.0.0-rc.1']), null);
    assert.equal(latestRelease(['latest', '2.0.0-rc.1'], { allowPrereleases: true })?.tag, '2.0.0-rc.1');
    assert.equal(newestOlderThan(['2.0.0-rc.1', '3.0.0'], '3.0.0'), null);
    assert.equal(newestOlderThan(['2.0.0-rc.1', '3.0.0'], '3.0.0', { allowPrereleases: true })?.tag, '2.0.0-rc.1');
    assert.equal(newestOlderThan(['1.0.0+a', '1.0.0+b'], '1.0.0+b')?.tag, '1.0.0+a');
  });

  test('isPublishedRelease / publishedReleaseProblem', () => {
    const tags = ['1.0.0+a', '2.0.0-rc.1', 'latest'];
    assert.equal(isPublishedRelease(tags, '1.0.0+a'), true);
    assert.equal(publishedReleaseProblem(tags, '1.0.0+a'), null);
    assert.equal(isPublishedRelease(tags, '1.0.0'), false, 'a different tag of the same semver is not published');
    assert.equal(publishedReleaseProblem(tags, '1.0.0'), '1.0.0 is not a published tag');
    assert.equal(isPublishedRelease(tags, '2.0.0-rc.1'), false);
    assert.equal(
      publishedReleaseProblem(tags, '2.0.0-rc.1'),
      '2.0.0-rc.1 is a prerelease and the recipe does not allow prereleases',
    );
    assert.equal(isPublishedRelease(tags, '2.0.0-rc.1', { allowPrereleases: true }), true);
    assert.equal(isPublishedRelease(tags, 'latest'), false);
    assert.match(publishedReleaseProblem(tags, 'latest') ?? '', /^"latest" is not a release version: /);
  });
});

describe('properties of the order', () => {
  test('reflexive: a tag equals itself', () => {
    fc.assert(fc.property(validTag, (a) => compareTags(a, a) === 0), RUNS);
  });

  test('antisymmetric and total: compare(a,b) = -compare(b,a), 0 only for identical tags', () => {
    fc.assert(
      fc.property(validTag, validTag, (a, b) => {
        const ab = compareTags(a, b);
        assert.equal(ab, -compareTags(b, a) || 0);
        assert.equal(ab === 0, a === b);
      }),
      { numRuns: 2000 },
    );
  });

  test('transitive on triples', () => {
    fc.assert(
      fc.property(validTag, validTag, validTag, (a, b, c) => {
        if (compareTags(a, b) <= 0 && compareTags(b, c) <= 0) assert.ok(compareTags(a, c) <= 0);
        if (compareTags(a, b) >= 0 && compareTags(b, c) >= 0) assert.ok(compareTags(a, c) >= 0);
      }),
      { numRuns: 2000 },
    );
  });

  test('consistent: after sorting, every earlier tag is less than every later one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(validTag, { maxLength: 30 }), (tags) => {
        const sorted = tags.map(parseTagOrThrow).sort(compareVersions);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) {
            assert.equal(compareVersions(sorted[i]!, sorted[j]!), -1, `${sorted[i]!.tag} < ${sorted[j]!.tag}`);
          }
        }
      }),
      RUNS,
    );
  });

  test('agrees with semver precedence wherever semver tells two non-legacy tags apart', () => {
    fc.assert(
      fc.property(validTag, validTag, (a, b) => {
        const va = parseTagOrThrow(a);
        const vb = parseTagOrThrow(b);
        if (va.legacy !== null || vb.legacy !== null) return;
        // semver's build metadata allows fewer characters than an app part ('_', '+')
        if (semver.valid(a) === null || semver.valid(b) === null) return;
        const expected = semver.compare(a, b);
        if (expected !== 0) assert.equal(compareTags(a, b), expected);
      }),
      { numRuns: 2000 },
    );
  });

  test('a legacy tag sits after every other form of its base version and before the next patch', () => {
    fc.assert(
      fc.property(validTag, fc.constantFrom('_', '~'), fc.nat({ max: 5 }), (other, sep, n) => {
        const v = parseTagOrThrow(other);
        const legacy = `${v.major}.${v.minor}.${v.patch}${sep}${n}`;
        if (v.legacy === null) assert.equal(compareTags(other, legacy), -1);
        assert.equal(compareTags(legacy, `${v.major}.${v.minor}.${v.patch + 1}`), -1);
      }),
      RUNS,
    );
  });
});

describe('properties of sortTags, latestRelease, newestOlderThan, isPublishedRelease', () => {
  test('sortTags: strictly ascending, a permutation of the valid unique input; rejected are the rest', () => {
    fc.assert(
      fc.property(tagList, (tags) => {
        const { sorted, rejected } = sortTags(tags);
        for (let i = 1; i < sorted.length; i++) assert.equal(compareVersions(sorted[i - 1]!, sorted[i]!), -1);
        const unique = [...new Set(tags)];
        const valid = unique.filter((t) => parseTag(t).ok);
        assert.deepEqual(sorted.map((v) => v.tag).sort(), [...valid].sort());
        assert.deepEqual(
          rejected.map((r) => r.tag),
          unique.filter((t) => !parseTag(t).ok),
        );
        for (const r of rejected) assert.ok(r.reason.length > 0);
        for (const v of sorted) assert.deepEqual(parseTag(v.tag), { ok: true, version: v });
      }),
      RUNS,
    );
  });

  test('sortTags does not depend on the input order', () => {
    fc.assert(
      fc.property(
        tagList.chain((tags) => fc.tuple(fc.constant(tags), fc.shuffledSubarray(tags, { minLength: tags.length }))),
        ([tags, shuffled]) => {
          assert.deepEqual(
            sortTags(shuffled).sorted.map((v) => v.tag),
            sortTags(tags).sorted.map((v) => v.tag),
          );
        },
      ),
      RUNS,
    );
  });

  test('latestRelease is the last release of the sorted tags', () => {
    fc.assert(
      fc.property(tagList, fc.boolean(), (tags, allowPrereleases) => {
        const releases = sortTags(tags).sorted.filter((v) => allowPrereleases || v.prerelease.length === 0);
        assert.equal(latestRelease(tags, { allowPrereleases })?.tag ?? null, releases.at(-1)?.tag ?? null);
      }),
      RUNS,
    );
  });

  test('newestOlderThan(tags, v) is the greatest release strictly less than v', () => {
    fc.assert(
      fc.property(tagList, validTag, fc.boolean(), (tags, than, allowPrereleases) => {
        const older = sortTags(tags)
          .sorted.filter((v) => allowPrereleases || v.prerelease.length === 0)
          .filter((v) => compareTags(v.tag, than) < 0);
        const found = newestOlderThan(tags, than, { allowPrereleases });
        assert.equal(found?.tag ?? null, older.at(-1)?.tag ?? null);
        if (found) assert.equal(compareTags(found.tag, than), -1);
      }),
      RUNS,
    );
  });

  test('newestOlderThan a tag in the list is its predecessor among the releases', () => {
    fc.assert(
      fc.property(fc.uniqueArray(validTag, { minLength: 1, maxLength: 20 }), (tags) => {
        const releases = sortTags(tags).sorted.filter((v) => v.prerelease.length === 0);
        releases.forEach((v, i) => assert.equal(newestOlderThan(tags, v.tag)?.tag ?? null, releases[i - 1]?.tag ?? null));
      }),
      RUNS,
    );
  });

  test('isPublishedRelease agrees with membership and release-ness', () => {
    fc.assert(
      fc.property(tagList, anyTag, fc.boolean(), (tags, version, allowPrereleases) => {
        const parsed = parseTag(version);
        const expected = tags.includes(version) && parsed.ok && (allowPrereleases || parsed.version.prerelease.length === 0);
        assert.equal(isPublishedRelease(tags, version, { allowPrereleases }), expected);
        assert.equal(publishedReleaseProblem(tags, version, { allowPrereleases }) === null, expected);
        // and for a tag drawn from the list itself
        if (tags.length > 0) {
          const member = tags[0]!;
          const m = parseTag(member);
          assert.equal(
            isPublishedRelease(tags, member, { allowPrereleases }),
            m.ok && (allowPrereleases || m.version.prerelease.length === 0),
          );
        }
      }),
      RUNS,
    );
  });
});
