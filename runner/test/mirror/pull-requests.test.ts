// Mirror PRs against a local Gitea API stand-in: merged-upstream PRs are closed with a
// comment naming the upstream commit, every other PR is left alone, all pages are read.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { formatMirrorSyncReport } from '../../src/mirror/format.js';
import { MirrorSyncError } from '../../src/mirror/report.js';
import { syncMirror } from '../../src/mirror/sync.js';
import { git, makeWorld, type World } from './fixtures.js';
import { startGiteaStandIn, type GiteaStandIn, type StandInPull } from './gitea-stand-in.js';

const MERGED = [3, 51, 54];
const TOTAL = 55;

interface Scene {
  world: World;
  api: GiteaStandIn;
  upstreamMain: string;
}

/**
 * Upstream main c1 - c2 - c3 (force-pushed over an older c3'), 55 open PRs: #3, #51 and
 * #54 have heads in upstream main (#54 is main itself); #7 a branch only the mirror
 * has; #10 the commit upstream force-pushed away (present in the cache, not in main);
 * the rest a head no repository has.
 */
async function scene(): Promise<Scene> {
  const world = await makeWorld();
  const c1 = await world.commit('first');
  await world.tag('1.0.0+1.0');
  const c2 = await world.commit('second');
  const abandoned = await world.commit('soon force-pushed away');
  await world.publish();
  const api = await startGiteaStandIn({ token: world.token, owner: 'ci', repo: world.recipe });
  const config = world.config();
  await syncMirror(config, world.recipe, { dryRun: false, canonicalVersion: null });
  await git(['reset', '--quiet', '--hard', c2], world.work);
  const c3 = await world.commit('third');
  await world.publish();

  await git(['checkout', '--quiet', '-b', 'feature', c1], world.work);
  const feature = await world.commit('feature work');
  await git(['checkout', '--quiet', 'main'], world.work);
  await git(['push', '--quiet', world.mirrorDir, `${feature}:refs/pull/7/head`], world.work);

  const heads: Record<number, string> = { 3: c1, 51: c2, 54: c3, 7: feature, 10: abandoned };
  for (let number = 1; number <= TOTAL; number += 1) {
    const sha = heads[number] ?? `${number.toString(16).padStart(2, '0')}`.repeat(20);
    const pull: StandInPull = { number, state: 'open', head: { sha, ref: `branch-${number}` }, title: `PR ${number}` };
    api.pulls.push(pull);
  }
  return { world, api, upstreamMain: c3 };
}

function apiConfig(s: Scene) {
  const config = s.world.config();
  config.mirror = { ...(config.mirror as NonNullable<typeof config.mirror>), api: s.api.api };
  return config;
}

describe('pull requests', () => {
  // One world for all: building it is the slow part. Each test starts from every PR
  // open, a clean request log and the right token.
  let s: Scene;
  before(async () => {
    s = await scene();
  });
  beforeEach(async () => {
    for (const pull of s.api.pulls) pull.state = 'open';
    s.api.requests.length = 0;
    s.api.comments.length = 0;
    s.api.failWith = null;
    s.api.maxPageSize = 50;
    await writeFile(s.world.tokenFile, `${s.world.token}\n`);
  });
  after(async () => {
    await s.api.close();
    await s.world.cleanup();
  });

  test('closes exactly the PRs merged upstream, across pages, each with a comment naming the upstream commit', async () => {
    const report = await syncMirror(apiConfig(s), s.world.recipe, { dryRun: false, canonicalVersion: null });
    assert.deepEqual(
      report.closedPrs.map((pr) => pr.number),
      MERGED,
    );
    assert.ok(report.closedPrs.every((pr) => pr.upstreamCommit === s.upstreamMain));
    assert.equal(report.openPrsKept, TOTAL - MERGED.length);
    assert.equal(report.openPrsUnjudged, 0);
    assert.deepEqual(
      s.api.pulls.filter((p) => p.state === 'closed').map((p) => p.number),
      MERGED,
    );
    assert.deepEqual(
      s.api.comments.map((c) => c.index),
      MERGED,
    );
    for (const comment of s.api.comments) {
      assert.match(comment.body, new RegExp(s.upstreamMain));
      const pr = report.closedPrs.find((p) => p.number === comment.index);
      assert.match(comment.body, new RegExp(pr?.headSha ?? 'missing'));
    }
    const pages = s.api.requests.filter((r) => r.method === 'GET').map((r) => [r.query.page, r.query.limit, r.query.state]);
    assert.deepEqual(pages, [
      ['1', '50', 'open'],
      ['2', '50', 'open'],
      ['3', '50', 'open'],
    ]);
    // Every mutation is a comment or a close of a merged PR; the others saw no request.
    const mutations = s.api.requests.filter((r) => r.method !== 'GET');
    assert.equal(mutations.length, MERGED.length * 2);
    assert.ok(mutations.every((r) => r.method === 'POST' || (r.method === 'PATCH' && JSON.stringify(r.body) === '{"state":"closed"}')));
  });

  test('a server capping pages below the asked limit is still read to the end', async () => {
    s.api.maxPageSize = 20;
    const report = await syncMirror(apiConfig(s), s.world.recipe, { dryRun: false, canonicalVersion: null });
    assert.deepEqual(
      report.closedPrs.map((pr) => pr.number),
      MERGED,
    );
    assert.equal(s.api.requests.filter((r) => r.method === 'GET').length, 4);
  });

  test('dry run lists the PRs it would close and sends no change to the API', async () => {
    const report = await syncMirror(apiConfig(s), s.world.recipe, { dryRun: true, canonicalVersion: null });
    assert.deepEqual(
      report.closedPrs.map((pr) => pr.number),
      MERGED,
    );
    assert.deepEqual(
      s.api.requests.filter((r) => r.method !== 'GET'),
      [],
    );
    assert.ok(s.api.pulls.every((p) => p.state === 'open'));
  });

  test('a dry run with upstream main not fetched yet says its PRs are not judged, never that they stay open', async () => {
    const config = apiConfig(s);
    // A cache that has never synced: a dry run fetches nothing, so it cannot tell a merged PR.
    config.cacheDir = await mkdtemp(path.join(os.tmpdir(), 'ccci-unjudged-'));
    try {
      const report = await syncMirror(config, s.world.recipe, { dryRun: true, canonicalVersion: null });
      assert.deepEqual(report.closedPrs, []);
      assert.equal(report.openPrsKept, 0);
      assert.equal(report.openPrsUnjudged, TOTAL);
      const text = formatMirrorSyncReport(report).join('\n');
      assert.match(text, new RegExp(`open PRs not judged: ${TOTAL} \\(upstream main is not fetched yet`));
      assert.doesNotMatch(text, /left as they are/);
      assert.ok(s.api.pulls.every((p) => p.state === 'open'));
    } finally {
      await rm(config.cacheDir, { recursive: true, force: true });
    }
  });

  test('API 401 fails the sync at list-prs with a clear message and no token in it', async () => {
    await writeFile(s.world.tokenFile, 'wrong-token-value\n');
    await assert.rejects(syncMirror(apiConfig(s), s.world.recipe, { dryRun: false, canonicalVersion: null }), (error: unknown) => {
      assert.ok(error instanceof MirrorSyncError);
      assert.equal(error.step, 'list-prs');
      assert.match(error.message, /custom-html/);
      assert.match(error.message, /401/);
      assert.doesNotMatch(error.message, /wrong-token-value/);
      return true;
    });
    assert.ok(s.api.pulls.every((p) => p.state === 'open'));
  });

  test('API 500 on listing fails at list-prs; nothing is closed', async () => {
    s.api.failWith = { status: 500 };
    await assert.rejects(syncMirror(apiConfig(s), s.world.recipe, { dryRun: false, canonicalVersion: null }), (error: unknown) => {
      assert.ok(error instanceof MirrorSyncError);
      assert.equal(error.step, 'list-prs');
      assert.match(error.message, /HTTP 500/);
      assert.doesNotMatch(error.message, new RegExp(s.world.token));
      return true;
    });
    assert.deepEqual(
      s.api.requests.filter((r) => r.method !== 'GET'),
      [],
    );
  });

  test('API 500 on closing fails at close-pr naming the PR', async () => {
    s.api.failWith = { status: 500, match: (method) => method === 'PATCH' };
    await assert.rejects(syncMirror(apiConfig(s), s.world.recipe, { dryRun: false, canonicalVersion: null }), (error: unknown) => {
      assert.ok(error instanceof MirrorSyncError);
      assert.equal(error.step, 'close-pr');
      assert.match(error.message, /PR #3/);
      return true;
    });
  });

  test('an answer that is not a PR list is refused', async () => {
    s.api.pulls.push({ number: 0, state: 'open', head: { sha: 'not-a-sha', ref: 'x' }, title: 'broken' });
    try {
      await assert.rejects(syncMirror(apiConfig(s), s.world.recipe, { dryRun: false, canonicalVersion: null }), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'list-prs');
        assert.match(error.message, /unexpected answer/);
        return true;
      });
    } finally {
      s.api.pulls.pop();
    }
  });
});
