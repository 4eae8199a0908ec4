// The no-op night: with a sync record that still matches upstream and the mirror, a sync
// is one `git ls-remote` per remote and gives the report the full sync would give; any
// change (upstream, mirror, configuration, record, clone) sends it down the full sync.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { setBeforeRenameHook, tempFileWriter } from '../../src/effects/atomic-file.js';
import { observeArgv } from '../../src/effects/exec.js';
import { listTags } from '../../src/effects/git.js';
import { MirrorSyncError, mirrorSyncReportSchema, type MirrorSyncReport } from '../../src/mirror/report.js';
import { readSyncRecord, syncRecordPath } from '../../src/mirror/sync-record.js';
import { syncMirror, type SyncOptions } from '../../src/mirror/sync.js';
import { listAhead } from '../../src/mirror/listings-ahead.js';
import { git, makeWorld, type World } from './fixtures.js';
import { startGiteaStandIn } from './gitea-stand-in.js';

const quiet: SyncOptions = { dryRun: false, canonicalVersion: null };

/** The git subcommand of an argv: the first argument after the --git-dir=… option. */
function subcommand(argv: readonly string[]): string {
  return argv.slice(1).find((arg) => !arg.startsWith('--git-dir=')) ?? '';
}

/** Runs one sync and records every program it started. */
async function observed(
  config: Config,
  recipe: string,
  options: SyncOptions = quiet,
): Promise<{ report: MirrorSyncReport; argvs: string[][]; subcommands: string[] }> {
  const argvs: string[][] = [];
  const stop = observeArgv((argv) => argvs.push([...argv]));
  try {
    const report = await syncMirror(config, recipe, options);
    mirrorSyncReportSchema.parse(report);
    return { report, argvs, subcommands: argvs.map(subcommand) };
  } finally {
    stop();
  }
}

function recordFile(world: World): string {
  return syncRecordPath(world.cacheDir, world.recipe);
}

function cacheOf(world: World): string {
  return path.join(world.cacheDir, 'mirrors', `${world.recipe}.git`);
}

function upstreamUrl(world: World): string {
  return `file://${world.upstreamBase}/${world.recipe}.git`;
}

function mirrorUrl(world: World): string {
  return `file://${world.mirrorBase}/${world.recipe}.git`;
}

/** The fast path's whole footprint: exactly these ls-remotes, nothing else. */
function assertFastPath(argvs: string[][], urls: string[]): void {
  assert.deepEqual(
    argvs.map((argv) => [subcommand(argv), argv.at(-1)]).sort(),
    urls.map((url) => ['ls-remote', url]).sort(),
    `expected only ls-remote of ${urls.join(', ')}, got ${JSON.stringify(argvs)}`,
  );
}

/**
 * A dry run without the record: the listings, and at most one read-only look into the
 * cache (`cat-file --batch-check`, for tags naming a tree or a blob); nothing fetched.
 */
function assertDryRunFootprint(argvs: string[][], urls: string[]): void {
  const local = argvs.filter((argv) => subcommand(argv) === 'cat-file');
  assert.ok(local.length <= 1 && local.every((argv) => argv.includes('--batch-check=%(objectname) %(objecttype)')), JSON.stringify(local));
  assertFastPath(argvs.filter((argv) => subcommand(argv) !== 'cat-file'), urls);
}

function assertFullPath(subcommands: string[]): void {
  assert.ok(subcommands.includes('fetch'), `the full sync fetched (ran ${subcommands.join(' ')})`);
}

/**
 * The report a sync without the record gives for the same state: the full sync, or for a
 * dry run the listings alone (a dry run never fetches), which must agree with the record.
 */
async function fullReport(config: Config, world: World, options: SyncOptions = quiet): Promise<MirrorSyncReport> {
  await rm(recordFile(world), { force: true });
  const { report, subcommands, argvs } = await observed(config, world.recipe, options);
  if (options.dryRun) assertDryRunFootprint(argvs, [upstreamUrl(world), mirrorUrl(world)]);
  else assertFullPath(subcommands);
  return report;
}

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

describe('a no-op resync takes the fast path', () => {
  let world: World;
  let c1: string;
  let c2: string;
  let c3: string;
  let first: MirrorSyncReport;
  before(async () => {
    ({ world, c1, c2, c3 } = await seeded());
    first = await syncMirror(world.config(), world.recipe, quiet);
  });
  after(() => world.cleanup());

  test('the first sync writes a private, valid record of what it saw and left', async () => {
    const read = await readSyncRecord(recordFile(world));
    assert.equal(read.state, 'present');
    if (read.state !== 'present') return;
    assert.equal(read.record.upstreamUrl, upstreamUrl(world));
    assert.equal(read.record.mirrorUrl, mirrorUrl(world));
    assert.deepEqual(
      read.record.upstream.map((r) => r.ref),
      ['refs/heads/main', 'refs/tags/1.0.0+1.0', 'refs/tags/1.1.0+1.0'],
    );
    assert.deepEqual(read.record.published, read.record.upstream, 'the mirror now equals upstream');
    assert.deepEqual(read.record.tags, [
      { tag: '1.0.0+1.0', commit: c1 },
      { tag: '1.1.0+1.0', commit: c2 },
    ]);
    assert.deepEqual(first.tags, read.record.tags);
    assert.equal((await stat(recordFile(world))).mode & 0o777, 0o600);
  });

  test('one ls-remote per remote and nothing else: no fetch, no push, no cache change', async () => {
    const mirrorBefore = await world.refs(world.mirrorDir);
    const cacheBefore = await world.refs(cacheOf(world));
    const { report, argvs } = await observed(world.config(), world.recipe);
    assertFastPath(argvs, [upstreamUrl(world), mirrorUrl(world)]);
    assert.equal(report.upstreamMain, c3);
    assert.deepEqual(report.pushed, []);
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.tags, first.tags);
    assert.equal(await world.refs(world.mirrorDir), mirrorBefore);
    assert.equal(await world.refs(cacheOf(world)), cacheBefore);
  });

  test('its report is the one the full sync gives, and a dry run answers upstream tags the same way', async () => {
    const fast = (await observed(world.config(), world.recipe)).report;
    assert.deepEqual(fast, await fullReport(world.config(), world));
    const fastDry = await observed(world.config(), world.recipe, { ...quiet, dryRun: true });
    assertFastPath(fastDry.argvs, [upstreamUrl(world), mirrorUrl(world)]);
    assert.deepEqual(fastDry.report, await fullReport(world.config(), world, { ...quiet, dryRun: true }));
  });
});

describe('listings read ahead (the sweep starts them all in one batch)', () => {
  let world: World;
  before(async () => {
    ({ world } = await seeded());
    await syncMirror(world.config(), world.recipe, quiet);
  });
  after(() => world.cleanup());

  /** listAhead for the world's recipe, with the argv of every program it started. */
  async function readAhead(config: Config = world.config(), recipes = [world.recipe]) {
    const argvs: string[][] = [];
    const stop = observeArgv((argv) => argvs.push([...argv]));
    try {
      const ahead = await listAhead(config, recipes, { concurrency: 4 });
      return { ahead, argvs };
    } finally {
      stop();
    }
  }

  test('the no-op sync starts no program itself, and its report is the one it gives listing for itself', async () => {
    const { ahead, argvs: batchArgvs } = await readAhead();
    const { report, argvs } = await observed(world.config(), world.recipe, { ...quiet, listingsAhead: ahead });
    await ahead.close();
    assert.deepEqual(argvs, [], 'the listings came from the batch');
    // One batch per environment (upstream's, and the mirror's with its token), each a bash
    // listing its URL; the token never in an argv.
    assert.deepEqual(batchArgvs.map((argv) => [argv[0], argv.at(-1)]), [
      ['bash', upstreamUrl(world)],
      ['bash', mirrorUrl(world)],
    ]);
    assert.ok(batchArgvs.flat().every((arg) => !arg.includes(world.token)));
    assert.deepEqual(report, (await observed(world.config(), world.recipe)).report);
  });

  test("the listings' outputs are kept beside the sync records under temp names of this process, and gone once closed", async () => {
    const mirrors = path.join(world.config().cacheDir, 'mirrors');
    const temps = () => readdirSync(mirrors).filter((name) => name.startsWith('.listings.'));
    const { ahead } = await readAhead();
    // Named as the leftover cleanup knows dead writers' temp files: a killed sweep's are removed.
    assert.deepEqual(temps().map((name) => tempFileWriter(name)), [process.pid, process.pid]);
    await ahead.close();
    assert.deepEqual(temps(), []);
  });

  test('a dry run lists ahead without writing into the cache directory', async () => {
    const mirrors = path.join(world.config().cacheDir, 'mirrors');
    const before = (await stat(mirrors)).mtimeMs;
    const ahead = await listAhead(world.config(), [world.recipe], { concurrency: 4, dryRun: true });
    assert.deepEqual(readdirSync(mirrors).filter((name) => name.startsWith('.listings.')), []);
    assert.notEqual(ahead.take(upstreamUrl(world)), null);
    await ahead.close();
    assert.equal((await stat(mirrors)).mtimeMs, before, 'not even the directory changed');
  });

  test('each listing is taken once: a second sync lists for itself', async () => {
    const { ahead } = await readAhead();
    await observed(world.config(), world.recipe, { ...quiet, listingsAhead: ahead });
    const again = await observed(world.config(), world.recipe, { ...quiet, listingsAhead: ahead });
    await ahead.close();
    assertFastPath(again.argvs, [upstreamUrl(world), mirrorUrl(world)]);
  });

  test('a recipe without a sync record is not listed ahead (its full sync lists for itself)', async () => {
    const { ahead, argvs } = await readAhead(world.config({ recipes: { [world.recipe]: {}, 'no-record': {} } }), ['no-record']);
    assert.deepEqual(argvs, []);
    assert.equal(ahead.take(`file://${world.upstreamBase}/no-record.git`), null);
    await ahead.close();
  });

  test('a listing that fails read ahead fails the sync as listing for itself would, at the same step', async () => {
    const moved = `${world.upstreamDir}.away`;
    await rename(world.upstreamDir, moved);
    try {
      const direct = await syncMirror(world.config(), world.recipe, quiet).then(
        () => null,
        (error: unknown) => error,
      );
      const { ahead } = await readAhead();
      const viaBatch = await syncMirror(world.config(), world.recipe, { ...quiet, listingsAhead: ahead }).then(
        () => null,
        (error: unknown) => error,
      );
      await ahead.close();
      assert.ok(direct instanceof MirrorSyncError && viaBatch instanceof MirrorSyncError);
      assert.equal(viaBatch.step, 'fetch-upstream');
      assert.equal(viaBatch.message, direct.message);
    } finally {
      await rename(moved, world.upstreamDir);
    }
  });

  test('without a readable token the mirror is not listed ahead; upstream still is', async () => {
    const { ahead, argvs } = await readAhead(world.config({ mirror: { url: `file://${world.mirrorBase}`, api: null, owner: 'ci', tokenFile: path.join(world.root, 'no-such-token') } }));
    assert.deepEqual(argvs.map((argv) => argv.at(-1)), [upstreamUrl(world)]);
    assert.equal(ahead.take(mirrorUrl(world)), null);
    assert.notEqual(ahead.take(upstreamUrl(world)), null);
    await ahead.close();
  });
});

describe('anything that changed takes the full sync', () => {
  let world: World;
  let c1: string;
  let cache: string;
  before(async () => {
    ({ world, c1 } = await seeded());
    cache = cacheOf(world);
    await syncMirror(world.config(), world.recipe, quiet);
  });
  after(() => world.cleanup());

  /** A sync that must do the full work and leave a record the next (fast) sync agrees with. */
  async function fullThenFast(config: Config = world.config(), options: SyncOptions = quiet): Promise<MirrorSyncReport> {
    const { report, subcommands } = await observed(config, world.recipe, options);
    assertFullPath(subcommands);
    const again = await observed(config, world.recipe, options);
    assert.ok(!again.subcommands.includes('fetch'), 'the next sync is a no-op again');
    assert.deepEqual(again.report.pushed, []);
    return report;
  }

  test('a new upstream tag', async () => {
    await world.commit('release');
    await world.tag('1.2.0+1.0');
    await world.publish();
    const report = await fullThenFast();
    assert.deepEqual(
      report.pushed.map((p) => p.ref),
      ['refs/heads/main', 'refs/tags/1.2.0+1.0'],
    );
    assert.ok(report.tags.some((t) => t.tag === '1.2.0+1.0'));
    assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
  });

  test('a moved tag (the same commits, one tag renamed to another object)', async () => {
    await world.tag('1.0.0+1.0', { lightweight: true, at: 'HEAD' });
    await world.publish();
    const report = await fullThenFast(world.config(), { ...quiet, canonicalVersion: '1.0.0+1.0' });
    assert.deepEqual(
      report.pushed.map((p) => [p.ref, p.forced]),
      [['refs/tags/1.0.0+1.0', true]],
    );
    assert.match(report.warnings.find((w) => w.code === 'tag-moved')?.message ?? '', /CANONICAL/);
  });

  test('a force-pushed main', async () => {
    await git(['reset', '--quiet', '--hard', 'HEAD~1'], world.work);
    const rewritten = await world.commit('rewritten');
    await world.publish();
    const report = await fullThenFast();
    assert.deepEqual(
      report.pushed.map((p) => [p.ref, p.to, p.forced]),
      [['refs/heads/main', rewritten, true]],
    );
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['main-force-pushed'],
    );
  });

  test('someone pushed a tag to the mirror: kept, recorded in the cache, warned about', async () => {
    await git(['--git-dir', world.mirrorDir, 'update-ref', 'refs/tags/0.9.0+0.9', c1]);
    const report = await fullThenFast();
    assert.deepEqual(report.pushed, []);
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['tag-deleted-upstream'],
    );
    assert.ok((await listTags(cache)).some((t) => t.tag === '0.9.0+0.9' && t.commit === c1));
    // Upstream never published it: no release to decide from.
    assert.equal(report.tags.some((t) => t.tag === '0.9.0+0.9'), false);
  });

  test("someone moved the mirror's main: the mirror follows upstream again", async () => {
    const upstreamMain = await git(['--git-dir', world.upstreamDir, 'rev-parse', 'refs/heads/main']);
    await git(['--git-dir', world.mirrorDir, 'update-ref', 'refs/heads/main', c1]);
    const report = await fullThenFast();
    assert.deepEqual(
      report.pushed.map((p) => [p.ref, p.from, p.to]),
      [['refs/heads/main', c1, upstreamMain]],
    );
    assert.equal(await git(['--git-dir', world.mirrorDir, 'rev-parse', 'refs/heads/main']), upstreamMain);
  });

  test('a changed mirror URL: everything is pushed to the new mirror', async () => {
    const newBase = path.join(world.root, 'mirror2');
    const newMirror = path.join(newBase, `${world.recipe}.git`);
    await git(['init', '--quiet', '--bare', '--initial-branch=main', newMirror]);
    const config = world.config();
    config.mirror = { ...(config.mirror as NonNullable<Config['mirror']>), url: `file://${newBase}` };
    const report = await fullThenFast(config);
    assert.ok(report.pushed.length > 0);
    // Upstream's refs; the tag kept on the old mirror was never upstream's to copy.
    assert.equal(await world.refs(newMirror), await world.refs(world.upstreamDir));
    // Back to the first mirror: the record is for the other URL, so the full sync runs.
    await fullThenFast();
  });

  test('a changed upstream URL, even to a copy with the same refs', async () => {
    const copyBase = path.join(world.root, 'upstream-copy');
    await git(['clone', '--quiet', '--bare', world.upstreamDir, path.join(copyBase, `${world.recipe}.git`)]);
    const report = await fullThenFast(world.config({ upstream: `file://${copyBase}` }));
    assert.deepEqual(report.pushed, []);
    await fullThenFast();
  });

  test('a deleted record', async () => {
    await rm(recordFile(world));
    const report = await fullThenFast();
    assert.deepEqual(report.pushed, []);
  });

  test('a corrupt or invalid record is ignored (and said so), then replaced', async () => {
    const good = JSON.parse(await readFile(recordFile(world), 'utf8')) as { tags: { tag: string }[] };
    const strayTag = { ...good, tags: [...good.tags, { tag: 'not-published', commit: c1 }] };
    for (const bad of ['{"schema":1', JSON.stringify({ ...good, schema: 2 }), JSON.stringify(strayTag)]) {
      await writeFile(recordFile(world), bad);
      const logs: string[] = [];
      const report = await fullThenFast(world.config(), { ...quiet, log: (line) => logs.push(line) });
      assert.deepEqual(report.pushed, []);
      assert.ok(logs.some((line) => /sync record ignored: .*sync\.json/.test(line)), logs.join('\n'));
      assert.equal((await readSyncRecord(recordFile(world))).state, 'present');
    }
  });

  test('a record whose mirror lacks a tag its upstream has is not trusted, even when the mirror agrees', async () => {
    const record = JSON.parse(await readFile(recordFile(world), 'utf8')) as {
      published: { ref: string }[];
      tags: { tag: string }[];
    };
    record.published = record.published.filter((r) => r.ref !== 'refs/tags/1.1.0+1.0');
    record.tags = record.tags.filter((t) => t.tag !== '1.1.0+1.0');
    await writeFile(recordFile(world), JSON.stringify(record));
    await git(['--git-dir', world.mirrorDir, 'update-ref', '-d', 'refs/tags/1.1.0+1.0']);
    const logs: string[] = [];
    const report = await fullThenFast(world.config(), { ...quiet, log: (line) => logs.push(line) });
    assert.ok(logs.some((line) => /mirror refs do not equal its upstream refs/.test(line)), logs.join('\n'));
    assert.deepEqual(
      report.pushed.map((p) => p.ref),
      ['refs/tags/1.1.0+1.0'],
    );
    const tagOn = (dir: string) => git(['--git-dir', dir, 'rev-parse', 'refs/tags/1.1.0+1.0']);
    assert.equal(await tagOn(world.mirrorDir), await tagOn(world.upstreamDir));
  });

  test('a cache clone removed under the record is made again', async () => {
    await rm(cache, { recursive: true, force: true });
    const report = await fullThenFast();
    assert.deepEqual(report.pushed, []);
    assert.ok((await listTags(cache)).length > 0);
  });
});

describe('warnings on fast-path nights', () => {
  test('a tag deleted upstream is warned about every night, loudly when canonical, without a fetch', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      await world.deleteUpstreamTag('1.1.0+1.0');
      const canonical: SyncOptions = { ...quiet, canonicalVersion: '1.1.0+1.0' };
      const night1 = await observed(world.config(), world.recipe, canonical);
      assertFullPath(night1.subcommands);
      for (let night = 2; night <= 3; night += 1) {
        const { report, argvs } = await observed(world.config(), world.recipe, canonical);
        assertFastPath(argvs, [upstreamUrl(world), mirrorUrl(world)]);
        assert.deepEqual(report, night1.report, `night ${night}`);
        assert.deepEqual(
          report.warnings.map((w) => w.code),
          ['tag-deleted-upstream'],
        );
        assert.match(report.warnings[0]?.message ?? '', /CANONICAL VERSION TAG DELETED UPSTREAM/);
        // Kept on the mirror, but no release any more: the sweep does not decide from it.
        assert.equal(report.tags.some((t) => t.tag === '1.1.0+1.0'), false, 'the kept tag is not offered');
        assert.ok(report.tags.some((t) => t.tag === '1.0.0+1.0'));
      }
      // The canonical is not part of the record: another canonical, another wording.
      const plain = await observed(world.config(), world.recipe, quiet);
      assertFastPath(plain.argvs, [upstreamUrl(world), mirrorUrl(world)]);
      assert.doesNotMatch(plain.report.warnings[0]?.message ?? '', /CANONICAL/);
      // A dry run decides from upstream's tags too.
      const dry = await observed(world.config(), world.recipe, { ...quiet, dryRun: true });
      assertFastPath(dry.argvs, [upstreamUrl(world), mirrorUrl(world)]);
      assert.ok(!dry.report.tags.some((t) => t.tag === '1.1.0+1.0'));
      assert.deepEqual(dry.report, await fullReport(world.config(), world, { ...quiet, dryRun: true }));
    } finally {
      await world.cleanup();
    }
  });

  test('a release-named tag of a tree is mirrored but no release: refused every night, by the full sync, the fast path and a dry run', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      const tree = await git(['--git-dir', world.upstreamDir, 'rev-parse', 'refs/heads/main^{tree}']);
      await git(['--git-dir', world.upstreamDir, 'tag', '1.9.0+1.9', tree]);
      const refused = (report: MirrorSyncReport, what: string) => {
        assert.equal(report.tags.some((t) => t.tag === '1.9.0+1.9'), false, `${what}: no release to decide from`);
        assert.deepEqual(report.rejectedTags, [{ tag: '1.9.0+1.9', reason: 'upstream: it names no commit (a tree or a blob); not a release' }], what);
        assert.ok(report.warnings.some((w) => w.code === 'tag-rejected' && w.message.includes('"1.9.0+1.9"')), what);
      };
      const full = await observed(world.config(), world.recipe, quiet);
      assertFullPath(full.subcommands);
      refused(full.report, 'full sync');
      const fast = await observed(world.config(), world.recipe, quiet);
      assertFastPath(fast.argvs, [upstreamUrl(world), mirrorUrl(world)]);
      refused(fast.report, 'fast path');
      assert.deepEqual({ ...fast.report, pushed: [] }, { ...full.report, pushed: [] }, 'the same night after night, but the push');
      refused((await observed(world.config(), world.recipe, { ...quiet, dryRun: true })).report, 'dry run from the record');
      refused(await fullReport(world.config(), world, { ...quiet, dryRun: true }), 'dry run from the listings');
    } finally {
      await world.cleanup();
    }
  });

  test('a moved canonical tag is warned about the night it moves; after that both paths agree', async () => {
    const { world } = await seeded();
    try {
      const canonical: SyncOptions = { ...quiet, canonicalVersion: '1.0.0+1.0' };
      await syncMirror(world.config(), world.recipe, canonical);
      await world.commit('retagged');
      await world.tag('1.0.0+1.0');
      await world.publish();
      const moved = await observed(world.config(), world.recipe, canonical);
      assertFullPath(moved.subcommands);
      assert.match(moved.report.warnings.find((w) => w.code === 'tag-moved')?.message ?? '', /CANONICAL VERSION TAG MOVED/);
      const next = await observed(world.config(), world.recipe, canonical);
      assertFastPath(next.argvs, [upstreamUrl(world), mirrorUrl(world)]);
      assert.deepEqual(next.report, await fullReport(world.config(), world, canonical));
    } finally {
      await world.cleanup();
    }
  });

  test('refused tag names, upstream and on the mirror, are reported every night', async () => {
    const { world, c1 } = await seeded();
    try {
      await git(['update-ref', 'refs/tags/--upload-pack=touch-pwned', c1], world.work);
      await world.publish();
      await syncMirror(world.config(), world.recipe, quiet);
      await git(['--git-dir', world.mirrorDir, 'update-ref', 'refs/tags/--exec=evil', c1]);
      const changed = await observed(world.config(), world.recipe);
      assertFullPath(changed.subcommands);
      const fast = await observed(world.config(), world.recipe);
      assertFastPath(fast.argvs, [upstreamUrl(world), mirrorUrl(world)]);
      assert.deepEqual(
        fast.report.rejectedTags.map((r) => r.tag),
        ['--upload-pack=touch-pwned', '--exec=evil'],
      );
      assert.deepEqual(fast.report, changed.report);
      for (const argv of fast.argvs) assert.ok(!argv.some((arg) => arg.includes('upload-pack') || arg.includes('--exec')));
    } finally {
      await world.cleanup();
    }
  });
});

describe('an unreachable remote on a fast-path night', () => {
  test('fails at the step the full sync would name, and leaves the record and the mirror alone', async () => {
    const { world } = await seeded();
    try {
      await syncMirror(world.config(), world.recipe, quiet);
      const record = await readFile(recordFile(world), 'utf8');
      const mirrorBefore = await world.refs(world.mirrorDir);
      const away = `${world.upstreamDir}.away`;
      await rename(world.upstreamDir, away);
      await assert.rejects(syncMirror(world.config(), world.recipe, quiet), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'fetch-upstream');
        return true;
      });
      await rename(away, world.upstreamDir);
      await rename(world.mirrorDir, `${world.mirrorDir}.away`);
      await assert.rejects(syncMirror(world.config(), world.recipe, quiet), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'read-mirror');
        return true;
      });
      await rename(`${world.mirrorDir}.away`, world.mirrorDir);
      assert.equal(await readFile(recordFile(world), 'utf8'), record);
      assert.equal(await world.refs(world.mirrorDir), mirrorBefore);
      assertFastPath((await observed(world.config(), world.recipe)).argvs, [upstreamUrl(world), mirrorUrl(world)]);
    } finally {
      await world.cleanup();
    }
  });
});

describe('no mirror configured', () => {
  test('the fast path is one ls-remote of upstream', async () => {
    const { world } = await seeded();
    try {
      const config = world.config({ mirror: null });
      const first = await syncMirror(config, world.recipe, quiet);
      const { report, argvs } = await observed(config, world.recipe);
      assertFastPath(argvs, [upstreamUrl(world)]);
      assert.deepEqual(report, first);
      // Configuring a mirror later is a changed URL: the full sync pushes to it.
      const mirrored = await observed(world.config(), world.recipe);
      assertFullPath(mirrored.subcommands);
      assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
    } finally {
      await world.cleanup();
    }
  });
});

describe('mirror PRs on fast-path nights', () => {
  test('open PRs are still reconciled: a PR merged upstream is closed without any fetch', async () => {
    const { world, c1 } = await seeded();
    const api = await startGiteaStandIn({ token: world.token, owner: 'ci', repo: world.recipe });
    try {
      const config = world.config();
      config.mirror = { ...(config.mirror as NonNullable<Config['mirror']>), api: api.api };
      await syncMirror(config, world.recipe, quiet);
      api.pulls.push({ number: 4, state: 'open', head: { sha: c1, ref: 'merged' }, title: 'merged upstream' });
      const { report, subcommands } = await observed(config, world.recipe);
      assert.deepEqual(subcommands.sort(), ['ls-remote', 'ls-remote', 'rev-list']);
      assert.deepEqual(
        report.closedPrs.map((pr) => pr.number),
        [4],
      );
      assert.equal(api.pulls[0]?.state, 'closed');
      // No open PR: no walk of main either.
      const quietNight = await observed(config, world.recipe);
      assert.deepEqual(quietNight.subcommands, ['ls-remote', 'ls-remote']);
    } finally {
      await api.close();
      await world.cleanup();
    }
  });
});

describe('a sync that stops half-way leaves no record', () => {
  /** Makes the first git `name` the sync starts fail, as a crash right there would stop it. */
  async function crashingAt(world: World, name: string): Promise<MirrorSyncError> {
    const stop = observeArgv((argv) => {
      if (subcommand(argv) === name) throw new Error(`simulated crash before git ${name}`);
    });
    try {
      let caught: unknown;
      await syncMirror(world.config(), world.recipe, quiet).catch((error: unknown) => (caught = error));
      assert.ok(caught instanceof MirrorSyncError, String(caught));
      return caught;
    } finally {
      stop();
    }
  }

  for (const [name, step] of [
    ['fetch', 'fetch-upstream'],
    ['push', 'push'],
    ['update-ref', 'update-cache'],
  ] as const) {
    test(`stopped at ${name}: no record, and the next sync does the whole work`, async () => {
      const { world } = await seeded();
      try {
        await syncMirror(world.config(), world.recipe, quiet);
        assert.equal((await readSyncRecord(recordFile(world))).state, 'present');
        await world.commit('new work');
        await world.tag('2.0.0+2.0');
        await world.publish();
        const error = await crashingAt(world, name);
        assert.equal(error.step, step);
        assert.equal((await readSyncRecord(recordFile(world))).state, 'absent');
        const next = await observed(world.config(), world.recipe);
        assertFullPath(next.subcommands);
        assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
        assert.ok(next.report.tags.some((t) => t.tag === '2.0.0+2.0'));
        assert.equal((await readSyncRecord(recordFile(world))).state, 'present');
      } finally {
        await world.cleanup();
      }
    });
  }
});

describe('a sync record that cannot be written', () => {
  test('costs the next sync a full sync, and does not fail this one', async () => {
    const { world } = await seeded();
    try {
      const logs: string[] = [];
      setBeforeRenameHook((_temp, target) => {
        if (target === recordFile(world)) throw new Error('disk full (simulated)');
      });
      let report: MirrorSyncReport;
      try {
        report = await syncMirror(world.config(), world.recipe, { ...quiet, log: (line) => logs.push(line) });
      } finally {
        setBeforeRenameHook(null);
      }
      assert.equal(report.pushed.length, 3);
      assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
      assert.ok(logs.some((line) => /could not write the sync record .*disk full/.test(line)), logs.join('\n'));
      assert.equal((await readSyncRecord(recordFile(world))).state, 'absent');
      assertFullPath((await observed(world.config(), world.recipe)).subcommands);
      assertFastPath((await observed(world.config(), world.recipe)).argvs, [upstreamUrl(world), mirrorUrl(world)]);
    } finally {
      await world.cleanup();
    }
  });
});
