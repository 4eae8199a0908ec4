// Mirror sync against real bare repositories: upstream and mirror under file:// URLs.
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../src/config/errors.js';
import { observeArgv } from '../../src/effects/exec.js';
import { listTags, mainCommit, remoteUrl } from '../../src/effects/git.js';
import { MirrorSyncError, mirrorSyncReportSchema } from '../../src/mirror/report.js';
import { syncMirror } from '../../src/mirror/sync.js';
import { git, installHook, makeWorld, type World } from './fixtures.js';

const quiet = { dryRun: false, canonicalVersion: null };

/** Upstream with two releases (annotated 1.0.0, lightweight 1.1.0) and main one commit ahead. */
async function seeded(): Promise<{ world: World; c1: string; c2: string; c3: string }> {
  const world = await makeWorld();
  const c1 = await world.commit('first');
  await world.tag('1.0.0+1.0');
  const c2 = await world.commit('second');
  await world.tag('1.1.0+1.0', { lightweight: true });
  const c3 = await world.commit('untagged work');
  await world.publish();
  return { world, c1, c2, c3 };
}

async function sortedTags(dir: string): Promise<{ tag: string; commit: string }[]> {
  return (await listTags(dir)).sort((a, b) => a.tag.localeCompare(b.tag));
}

describe('first sync', () => {
  let world: World;
  let c1: string;
  let c2: string;
  let c3: string;
  before(async () => ({ world, c1, c2, c3 } = await seeded()));
  after(() => world.cleanup());

  test('pushes main and every tag, and the mirror then equals upstream', async () => {
    const report = await syncMirror(world.config(), world.recipe, quiet);
    mirrorSyncReportSchema.parse(report);
    assert.equal(report.upstreamMain, c3);
    assert.deepEqual(
      report.pushed.map((p) => [p.ref, p.from, p.forced]),
      [
        ['refs/heads/main', null, false],
        ['refs/tags/1.0.0+1.0', null, false],
        ['refs/tags/1.1.0+1.0', null, false],
      ],
    );
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.rejectedTags, []);
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('the cache clone answers the sweep: peeled tags and main', async () => {
    const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
    assert.deepEqual(await sortedTags(cache), [
      { tag: '1.0.0+1.0', commit: c1 },
      { tag: '1.1.0+1.0', commit: c2 },
    ]);
    assert.equal(await mainCommit(cache), c3);
    assert.equal(await remoteUrl(cache, 'upstream'), `file://${world.upstreamBase}/${world.recipe}.git`);
    assert.equal(await remoteUrl(cache, 'origin'), `file://${world.mirrorBase}/${world.recipe}.git`);
  });

  test('a second sync with nothing new pushes nothing and leaves the mirror untouched', async () => {
    const before = await world.refs(world.mirrorDir);
    const marker = path.join(world.root, 'push-happened');
    await installHook(world.mirrorDir, 'pre-receive', `touch '${marker}'`);
    const argvs: string[][] = [];
    const stop = observeArgv((argv) => argvs.push([...argv]));
    let report;
    try {
      report = await syncMirror(world.config(), world.recipe, quiet);
    } finally {
      stop();
    }
    assert.deepEqual(report.pushed, []);
    assert.deepEqual(report.warnings, []);
    assert.equal(await world.refs(world.mirrorDir), before);
    assert.ok(!argvs.some((argv) => argv.includes('push')), 'no git push was started');
    await assert.rejects(access(marker), 'the mirror never received a push');
  });
});

describe('following upstream', () => {
  let world: World;
  let cache: string;
  before(async () => {
    ({ world } = await seeded());
    cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
    await syncMirror(world.config(), world.recipe, quiet);
  });
  after(() => world.cleanup());

  test('new untagged commits: main fast-forwards, no tag changes, no warning', async () => {
    const head = await world.commit('more work');
    await world.publish();
    const tagsBefore = await sortedTags(cache);
    const report = await syncMirror(world.config(), world.recipe, quiet);
    assert.equal(report.pushed.length, 1);
    assert.equal(report.pushed[0]?.ref, 'refs/heads/main');
    assert.equal(report.pushed[0]?.to, head);
    assert.equal(report.pushed[0]?.forced, false);
    assert.deepEqual(report.warnings, []);
    assert.equal(await mainCommit(cache), head);
    assert.deepEqual(await sortedTags(cache), tagsBefore);
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('a new tag is pushed with the commits it needs', async () => {
    const head = await world.commit('release work');
    await world.tag('1.2.0+1.1');
    await world.publish();
    const report = await syncMirror(world.config(), world.recipe, quiet);
    assert.deepEqual(
      report.pushed.map((p) => [p.ref, p.forced, p.from === null]),
      [
        ['refs/heads/main', false, false],
        ['refs/tags/1.2.0+1.1', false, true],
      ],
    );
    assert.deepEqual(report.warnings, []);
    assert.ok((await sortedTags(cache)).some((t) => t.tag === '1.2.0+1.1' && t.commit === head));
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('a force-pushed main is followed, with a warning', async () => {
    const old = await git(['rev-parse', 'HEAD'], world.work);
    await git(['reset', '--quiet', '--hard', 'HEAD~1'], world.work);
    const rewritten = await world.commit('rewritten history');
    await world.publish();
    const report = await syncMirror(world.config(), world.recipe, quiet);
    assert.deepEqual(report.pushed, [{ ref: 'refs/heads/main', from: old, to: rewritten, forced: true }]);
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['main-force-pushed'],
    );
    assert.equal(await mainCommit(cache), rewritten);
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('a moved tag is followed with a tag-moved warning (not the canonical: no alarm)', async () => {
    const moved = await world.commit('retagged');
    await world.tag('1.1.0+1.0', { lightweight: true });
    await world.publish();
    const report = await syncMirror(world.config(), world.recipe, { dryRun: false, canonicalVersion: '1.0.0+1.0' });
    const tagPush = report.pushed.find((p) => p.ref === 'refs/tags/1.1.0+1.0');
    assert.equal(tagPush?.forced, true);
    assert.equal(tagPush?.to, moved);
    const warnings = report.warnings.filter((w) => w.code === 'tag-moved');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.message ?? '', /1\.1\.0\+1\.0 moved upstream/);
    assert.doesNotMatch(warnings[0]?.message ?? '', /CANONICAL/);
    assert.ok((await sortedTags(cache)).some((t) => t.tag === '1.1.0+1.0' && t.commit === moved));
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('a moved canonical tag is warned about loudly', async () => {
    const moved = await world.commit('canonical retagged');
    await world.tag('1.0.0+1.0');
    await world.publish();
    const report = await syncMirror(world.config(), world.recipe, { dryRun: false, canonicalVersion: '1.0.0+1.0' });
    const warning = report.warnings.find((w) => w.code === 'tag-moved');
    assert.match(warning?.message ?? '', /CANONICAL/);
    assert.match(warning?.message ?? '', /1\.0\.0\+1\.0/);
    assert.ok((await sortedTags(cache)).some((t) => t.tag === '1.0.0+1.0' && t.commit === moved));
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('a tag deleted upstream is kept on the mirror and in the cache, with a warning every sync', async () => {
    const mirrorBefore = await world.refs(world.mirrorDir);
    const kept = (await sortedTags(cache)).find((t) => t.tag === '1.1.0+1.0');
    await world.deleteUpstreamTag('1.1.0+1.0');
    for (let round = 0; round < 2; round += 1) {
      const report = await syncMirror(world.config(), world.recipe, { dryRun: false, canonicalVersion: '1.1.0+1.0' });
      assert.deepEqual(report.pushed, []);
      assert.deepEqual(
        report.warnings.map((w) => w.code),
        ['tag-deleted-upstream'],
      );
      assert.match(report.warnings[0]?.message ?? '', /CANONICAL/);
      // Kept, but no longer published: the sweep does not decide from it (round 2 takes the fast path).
      assert.equal(report.tags.some((t) => t.tag === '1.1.0+1.0'), false, JSON.stringify(report.tags));
      assert.ok(report.tags.some((t) => t.tag === '1.0.0+1.0'));
      assert.equal(await world.refs(world.mirrorDir), mirrorBefore);
      assert.deepEqual(
        (await sortedTags(cache)).find((t) => t.tag === '1.1.0+1.0'),
        kept,
      );
    }
  });
});

describe('dry run', () => {
  test('reports the pushes it would make and changes neither the mirror nor the cache record', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
      // main rewound to a commit the cache has: a dry run can tell the force push
      // without fetching anything.
      await git(['reset', '--quiet', '--hard', 'HEAD~1'], world.work);
      await world.tag('2.0.0+2.0');
      await world.publish();
      const mirrorBefore = await world.refs(world.mirrorDir);
      const cacheTagsBefore = await sortedTags(cache);
      const cacheMainBefore = await mainCommit(cache);
      const argvs: string[][] = [];
      const stop = observeArgv((argv) => argvs.push([...argv]));
      let report;
      try {
        report = await syncMirror(world.config(), world.recipe, { dryRun: true, canonicalVersion: null });
      } finally {
        stop();
      }
      assert.equal(report.dryRun, true);
      assert.deepEqual(
        report.pushed.map((p) => [p.ref, p.forced]),
        [
          ['refs/heads/main', true],
          ['refs/tags/2.0.0+2.0', false],
        ],
      );
      assert.deepEqual(
        report.warnings.map((w) => w.code),
        ['main-force-pushed'],
      );
      assert.ok(!argvs.some((argv) => argv.includes('push') || argv.includes('update-ref') || argv.includes('fetch')));
      assert.equal(await world.refs(world.mirrorDir), mirrorBefore);
      assert.deepEqual(await sortedTags(cache), cacheTagsBefore);
      assert.equal(await mainCommit(cache), cacheMainBefore);
    } finally {
      await world.cleanup();
    }
  });

  test('a main rewritten to a commit the cache lacks is not called a fast-forward: unknown until fetched', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      // Rewound and built on again: upstream's new main is a commit nothing here has fetched.
      await git(['reset', '--quiet', '--hard', 'HEAD~1'], world.work);
      await world.commit('history rewritten');
      await world.publish();
      const lines: string[] = [];
      const report = await syncMirror(world.config(), world.recipe, {
        dryRun: true,
        canonicalVersion: null,
        log: (line) => lines.push(line),
      });
      const main = report.pushed.find((p) => p.ref === 'refs/heads/main');
      assert.ok(main, JSON.stringify(report.pushed));
      assert.ok(
        lines.some((line) => /whether that is a fast-forward is not known without fetching/.test(line)),
        lines.join('\n'),
      );
      // Nothing claims a fast-forward the dry run could not check.
      assert.ok(!lines.some((line) => /fast-forward\b(?! is not known)/.test(line)), lines.join('\n'));
      // The real sync then finds the force push.
      const real = await syncMirror(world.config(), world.recipe, quiet);
      assert.deepEqual(
        real.warnings.map((w) => w.code),
        ['main-force-pushed'],
      );
    } finally {
      await world.cleanup();
    }
  });
});

describe('failures', () => {
  test('an unreachable upstream fails at fetch-upstream, naming the recipe; the mirror is untouched', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      const before = await world.refs(world.mirrorDir);
      const config = world.config({ upstream: `file://${world.root}/no-such-forge` });
      await assert.rejects(syncMirror(config, world.recipe, quiet), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'fetch-upstream');
        assert.equal(error.recipe, world.recipe);
        assert.match(error.message, /mirror sync of custom-html failed at fetch-upstream/);
        return true;
      });
      assert.equal(await world.refs(world.mirrorDir), before);
    } finally {
      await world.cleanup();
    }
  });

  test('an unreachable mirror fails at read-mirror', async () => {
    const { world } = await seeded();
    try {
      const config = world.config();
      config.mirror = { ...(config.mirror as NonNullable<typeof config.mirror>), url: `file://${world.root}/no-such-mirror` };
      await assert.rejects(syncMirror(config, world.recipe, quiet), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'read-mirror');
        return true;
      });
    } finally {
      await world.cleanup();
    }
  });

  test('a push the mirror refuses for one tag lands nothing at all (atomic), and fails at push', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      await world.commit('next');
      await world.tag('1.2.0+1.0');
      await world.commit('next again');
      await world.tag('1.3.0+1.0');
      await world.publish();
      // The update hook runs per ref: refuse only one tag of the set.
      await installHook(world.mirrorDir, 'update', 'if [ "$1" = "refs/tags/1.3.0+1.0" ]; then echo refused >&2; exit 1; fi');
      const before = await world.refs(world.mirrorDir);
      const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
      const cacheTagsBefore = await sortedTags(cache);
      await assert.rejects(syncMirror(world.config(), world.recipe, quiet), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'push');
        return true;
      });
      assert.equal(await world.refs(world.mirrorDir), before, 'no partial tag set on the mirror');
      assert.deepEqual(await sortedTags(cache), cacheTagsBefore, 'the cache still records the old mirror');
    } finally {
      await world.cleanup();
    }
  });

  test('a cache directory that is not a git repository is refused, not replaced', async () => {
    const { world } = await seeded();
    try {
      const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
      await git(['init', '--quiet', cache]);
      await git(['--git-dir', path.join(cache, '.git'), 'config', 'core.bare', 'false']);
      await assert.rejects(syncMirror(world.config(), world.recipe, quiet), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'cache');
        return true;
      });
    } finally {
      await world.cleanup();
    }
  });
});

describe('hostile input', () => {
  test('an option-like tag upstream is refused and reported, never passed to git', async () => {
    const { world, c1 } = await seeded();
    try {
      await git(['update-ref', 'refs/tags/--upload-pack=touch-pwned', c1], world.work);
      await git(['update-ref', 'refs/tags/-q', c1], world.work);
      await world.publish();
      const argvs: string[][] = [];
      const stop = observeArgv((argv) => argvs.push([...argv]));
      let report;
      try {
        report = await syncMirror(world.config(), world.recipe, quiet);
      } finally {
        stop();
      }
      assert.deepEqual(
        report.rejectedTags.map((r) => r.tag).sort(),
        ['--upload-pack=touch-pwned', '-q'],
      );
      assert.ok(report.rejectedTags.every((r) => /starts with '-'/.test(r.reason)));
      assert.equal(report.warnings.filter((w) => w.code === 'tag-rejected').length, 2);
      assert.ok(!report.pushed.some((p) => p.ref.includes('upload-pack') || p.ref === 'refs/tags/-q'));
      for (const argv of argvs) {
        assert.ok(!argv.some((arg) => arg.includes('upload-pack') || arg.endsWith('/-q')), `argv ${JSON.stringify(argv)}`);
      }
      const mirrorRefs = await world.refs(world.mirrorDir);
      assert.doesNotMatch(mirrorRefs, /upload-pack|refs\/tags\/-q/);
      const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
      assert.ok(!(await listTags(cache)).some((t) => t.tag.startsWith('-')));
    } finally {
      await world.cleanup();
    }
  });

  test('an option-like tag already on the mirror is reported and left alone', async () => {
    const { world, c1 } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      await git(['--git-dir', world.mirrorDir, 'update-ref', 'refs/tags/--exec=evil', c1]);
      const report = await syncMirror(world.config(), world.recipe, quiet);
      assert.deepEqual(
        report.rejectedTags.map((r) => r.tag),
        ['--exec=evil'],
      );
      assert.match(report.rejectedTags[0]?.reason ?? '', /^mirror:/);
      assert.deepEqual(report.pushed, []);
    } finally {
      await world.cleanup();
    }
  });

  test('a hostile or unenrolled recipe name is bad input and reaches no git', async () => {
    const world = await makeWorld();
    try {
      const argvs: string[][] = [];
      const stop = observeArgv((argv) => argvs.push([...argv]));
      try {
        for (const name of ['../etc', '--upload-pack=x', 'Custom', '', 'not-enrolled']) {
          await assert.rejects(syncMirror(world.config(), name, quiet), InputError, name);
        }
      } finally {
        stop();
      }
      assert.deepEqual(argvs, []);
    } finally {
      await world.cleanup();
    }
  });
});

describe('cache clone remotes and no mirror', () => {
  test('remotes are reset to exactly upstream and origin whatever the clone had', async () => {
    const { world } = await seeded();
    try {
      const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
      await syncMirror(world.config(), world.recipe, quiet);
      await git(['--git-dir', cache, 'remote', 'set-url', 'origin', `file://${world.root}/elsewhere.git`]);
      await git(['--git-dir', cache, 'config', 'remote.origin.pushurl', `file://${world.root}/elsewhere-push.git`]);
      await git(['--git-dir', cache, 'config', 'remote.origin.mirror', 'true']);
      await git(['--git-dir', cache, 'remote', 'set-url', 'upstream', `file://${world.root}/wrong-upstream.git`]);
      await world.commit('new');
      await world.publish();
      const report = await syncMirror(world.config(), world.recipe, quiet);
      assert.equal(report.pushed.length, 1);
      assert.equal(await remoteUrl(cache, 'origin'), `file://${world.mirrorBase}/${world.recipe}.git`);
      assert.equal(await remoteUrl(cache, 'upstream'), `file://${world.upstreamBase}/${world.recipe}.git`);
      const pushUrl = await git(['--git-dir', cache, 'config', '--get-all', 'remote.origin.pushurl']).catch(() => '');
      assert.equal(pushUrl, '');
      assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
    } finally {
      await world.cleanup();
    }
  });

  test('with no mirror configured the cache alone follows upstream (deleted tags kept)', async () => {
    const { world, c1, c2, c3 } = await seeded();
    try {
      const config = world.config({ mirror: null });
      const cache = path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
      const argvs: string[][] = [];
      const stop = observeArgv((argv) => argvs.push([...argv]));
      let first;
      try {
        first = await syncMirror(config, world.recipe, quiet);
      } finally {
        stop();
      }
      assert.equal(first.mirrored, false);
      assert.deepEqual(first.pushed, []);
      assert.ok(!argvs.some((argv) => argv.includes('push')));
      // Upstream is listed before the fetch (only release tags are fetched); no mirror is.
      assert.deepEqual(
        argvs.filter((argv) => argv.includes('ls-remote')).map((argv) => argv.at(-1)),
        [`file://${world.upstreamBase}/${world.recipe}.git`],
      );
      assert.equal(await remoteUrl(cache, 'origin'), null);
      assert.equal(await mainCommit(cache), c3);
      assert.deepEqual(await sortedTags(cache), [
        { tag: '1.0.0+1.0', commit: c1 },
        { tag: '1.1.0+1.0', commit: c2 },
      ]);
      assert.equal(await world.refs(world.mirrorDir), '', 'the configured-away mirror saw nothing');

      await world.deleteUpstreamTag('1.0.0+1.0');
      const moved = await world.commit('moved');
      await world.tag('1.1.0+1.0');
      await world.publish();
      const second = await syncMirror(config, world.recipe, quiet);
      assert.deepEqual(second.warnings.map((w) => w.code).sort(), ['tag-deleted-upstream', 'tag-moved']);
      assert.deepEqual(await sortedTags(cache), [
        { tag: '1.0.0+1.0', commit: c1 },
        { tag: '1.1.0+1.0', commit: moved },
      ]);
    } finally {
      await world.cleanup();
    }
  });
});
