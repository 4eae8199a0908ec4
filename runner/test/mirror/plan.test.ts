// planSync, the pure part: which refs to push and which warnings to raise.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { planSync } from '../../src/mirror/plan.js';
import { sameRefs, splitRefs, syncedRefs, withUpdates } from '../../src/mirror/refs.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('planSync', () => {
  test('equal states push nothing and warn about nothing', () => {
    const tags = new Map([['1.0.0', A]]);
    const plan = planSync({
      upstream: { main: B, tags },
      previous: { main: B, tags: new Map(tags) },
      mainFastForward: true,
      canonicalVersion: '1.0.0',
    });
    assert.deepEqual(plan.pushes, []);
    assert.deepEqual(plan.warnings, []);
  });

  test('a fast-forward of main is not forced and not warned about', () => {
    const plan = planSync({ upstream: { main: B, tags: new Map() }, previous: { main: A, tags: new Map() }, mainFastForward: true, canonicalVersion: null });
    assert.deepEqual(plan.pushes, [{ ref: 'refs/heads/main', from: A, to: B, forced: false }]);
    assert.deepEqual(plan.warnings, []);
  });

  test('moved, new and deleted tags', () => {
    const plan = planSync({
      upstream: { main: C, tags: new Map([['2.0.0', C], ['1.0.0', B]]) },
      previous: { main: C, tags: new Map([['1.0.0', A], ['0.9.0', A]]) },
      mainFastForward: true,
      canonicalVersion: '0.9.0',
    });
    assert.deepEqual(plan.pushes, [
      { ref: 'refs/tags/1.0.0', from: A, to: B, forced: true },
      { ref: 'refs/tags/2.0.0', from: null, to: C, forced: false },
    ]);
    assert.deepEqual(plan.warnings.map((w) => w.code), ['tag-moved', 'tag-deleted-upstream']);
    assert.match(plan.warnings[1]?.message ?? '', /^CANONICAL VERSION TAG DELETED UPSTREAM/);
    assert.deepEqual(plan.kept, ['0.9.0']);
    assert.deepEqual([...plan.target.tags].sort(), [['0.9.0', A], ['1.0.0', B], ['2.0.0', C]]);
  });

  test('property: applying the pushes to the mirror yields upstream plus the kept tags', () => {
    const oid = fc.constantFrom(A, B, C);
    const tagMap = fc.dictionary(fc.constantFrom('1.0.0', '1.1.0', '2.0.0+x', '3.0.0-rc.1'), oid);
    fc.assert(
      fc.property(oid, fc.option(oid, { nil: null }), tagMap, tagMap, fc.boolean(), (main, previousMain, up, prev, ff) => {
        const upstream = { main, tags: new Map(Object.entries(up)) };
        const previous = { main: previousMain, tags: new Map(Object.entries(prev)) };
        const plan = planSync({ upstream, previous, mainFastForward: ff, canonicalVersion: null });
        const after = new Map<string, string>();
        if (previous.main) after.set('refs/heads/main', previous.main);
        for (const [t, o] of previous.tags) after.set(`refs/tags/${t}`, o);
        for (const push of plan.pushes) {
          assert.equal(push.from, after.get(push.ref) ?? null, 'lease matches what the mirror had');
          after.set(push.ref, push.to);
        }
        assert.equal(after.get('refs/heads/main'), main);
        for (const [t, o] of upstream.tags) assert.equal(after.get(`refs/tags/${t}`), o);
        for (const [t, o] of plan.target.tags) assert.equal(after.get(`refs/tags/${t}`), o);
        assert.equal(plan.warnings.filter((w) => w.code === 'tag-deleted-upstream').length, [...previous.tags.keys()].filter((t) => !upstream.tags.has(t)).length);
        assert.equal(plan.warnings.some((w) => w.code === 'main-force-pushed'), previousMain !== null && previousMain !== main && !ff);
      }),
    );
  });
});

describe('splitRefs', () => {
  test('keeps main and valid tags, rejects odd tag names, ignores other refs', () => {
    const split = splitRefs(
      [
        { ref: 'refs/heads/main', oid: A },
        { ref: 'refs/heads/feature', oid: B },
        { ref: 'refs/pull/3/head', oid: B },
        { ref: 'refs/tags/1.0.0+1.2', oid: C },
        { ref: 'refs/tags/--upload-pack=x', oid: C },
        { ref: 'refs/tags/a..b', oid: C },
        { ref: 'refs/tags/x.lock', oid: C },
      ],
      'refs/heads/main',
      'refs/tags/',
    );
    assert.equal(split.main, A);
    assert.deepEqual([...split.tags], [['1.0.0+1.2', C]]);
    assert.deepEqual(split.rejected.map((r) => r.tag), ['--upload-pack=x', 'a..b', 'x.lock']);
  });
});

describe('ref listings the sync record compares', () => {
  const listing = [
    { ref: 'refs/tags/2.0.0', oid: B },
    { ref: 'refs/pull/3/head', oid: C },
    { ref: 'refs/heads/main', oid: A },
    { ref: 'refs/heads/feature', oid: C },
    { ref: 'refs/tags/--x', oid: C },
  ];

  test('syncedRefs keeps main and every tag (odd names too, so their changes count), sorted', () => {
    assert.deepEqual(syncedRefs(listing), [
      { ref: 'refs/heads/main', oid: A },
      { ref: 'refs/tags/--x', oid: C },
      { ref: 'refs/tags/2.0.0', oid: B },
    ]);
  });

  test('sameRefs ignores order and notices any added, removed or moved ref', () => {
    const synced = syncedRefs(listing);
    assert.ok(sameRefs(synced, [...synced].reverse()));
    assert.ok(!sameRefs(synced, synced.slice(1)));
    assert.ok(!sameRefs(synced, [...synced, { ref: 'refs/tags/3.0.0', oid: A }]));
    assert.ok(!sameRefs(synced, synced.map((r) => (r.ref === 'refs/tags/2.0.0' ? { ...r, oid: C } : r))));
    assert.ok(!sameRefs([{ ref: 'refs/heads/main', oid: A }, { ref: 'refs/heads/main', oid: A }], [{ ref: 'refs/heads/main', oid: A }, { ref: 'refs/tags/x', oid: A }]));
  });

  test('withUpdates moves and adds refs, leaving the rest', () => {
    assert.deepEqual(
      withUpdates(syncedRefs(listing), [
        { ref: 'refs/heads/main', to: B },
        { ref: 'refs/tags/1.0.0', to: A },
      ]),
      [
        { ref: 'refs/heads/main', oid: B },
        { ref: 'refs/tags/--x', oid: C },
        { ref: 'refs/tags/1.0.0', oid: A },
        { ref: 'refs/tags/2.0.0', oid: B },
      ],
    );
  });
});
