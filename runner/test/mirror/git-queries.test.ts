// The read-only queries the sweep runs on the cache clone, and the argument checks of
// the git effects module.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { observeArgv } from '../../src/effects/exec.js';
import { GitError, listRefs, listTags, lsRemote, mainCommit, pushAtomic, revParse, updateRefs } from '../../src/effects/git.js';
import { git, makeWorld, type World } from './fixtures.js';

describe('git queries', () => {
  let world: World;
  let c1: string;
  let c2: string;
  before(async () => {
    world = await makeWorld();
    c1 = await world.commit('one');
    await world.tag('1.0.0');
    c2 = await world.commit('two');
    await world.tag('2.0.0', { lightweight: true });
    // A tag of a tag, and a tag of a tree: only the first leads to a commit.
    await git(['tag', '--annotate', '--message', 'nested', 'nested', '1.0.0'], world.work);
    await git(['tag', 'tree-tag', 'HEAD^{tree}'], world.work);
    await git(['update-ref', 'refs/tags/--upload-pack=x', c1], world.work);
    await world.publish();
  });
  after(() => world.cleanup());

  test('listTags peels annotated and nested tags, skips non-commits and hostile names', async () => {
    const tags = (await listTags(world.upstreamDir)).sort((a, b) => a.tag.localeCompare(b.tag));
    assert.deepEqual(tags, [
      { tag: '1.0.0', commit: c1 },
      { tag: '2.0.0', commit: c2 },
      { tag: 'nested', commit: c1 },
    ]);
  });

  test('revParse gives the commit, peeling tags, and refuses option-like or malformed revisions', async () => {
    assert.equal(await revParse(world.upstreamDir, 'refs/tags/1.0.0'), c1);
    assert.equal(await revParse(world.upstreamDir, '2.0.0'), c2);
    assert.equal(await revParse(world.upstreamDir, c2), c2);
    assert.equal(await mainCommit(world.upstreamDir), c2);
    const argvs: string[][] = [];
    const stop = observeArgv((argv) => argvs.push([...argv]));
    try {
      for (const bad of ['--output=/tmp/x', '-q', 'a..b', 'HEAD~1', 'x^{tree}', '']) {
        await assert.rejects(revParse(world.upstreamDir, bad), /revParse/, bad);
      }
    } finally {
      stop();
    }
    assert.deepEqual(argvs, [], 'nothing reached git');
    await assert.rejects(revParse(world.upstreamDir, 'refs/tags/no-such-tag'), GitError);
  });

  test('lsRemote lists refs unpeeled and refuses what is not a URL', async () => {
    const refs = await lsRemote(`file://${world.upstreamDir}`);
    assert.ok(refs.some((r) => r.ref === 'refs/heads/main' && r.oid === c2));
    assert.ok(refs.some((r) => r.ref === 'refs/tags/--upload-pack=x'), 'names come back raw for the caller to check');
    assert.ok(!refs.some((r) => r.ref.endsWith('^{}')));
    await assert.rejects(lsRemote('--upload-pack=touch /tmp/x'), /not a repository URL/);
    await assert.rejects(lsRemote(`file://${world.root}/missing.git`), GitError);
  });

  test('ref writers refuse bad names before git runs', async () => {
    const bare = path.join(world.root, 'scratch.git');
    await git(['init', '--quiet', '--bare', bare]);
    await assert.rejects(updateRefs(bare, [{ ref: 'refs/tags/-x', oid: c1 }]), /component starting with '-'/);
    await assert.rejects(updateRefs(bare, [{ ref: 'refs/tags/ok', oid: 'HEAD' }]), /not an object id/);
    await assert.rejects(pushAtomic(bare, 'origin', [{ src: '--all', dst: 'refs/heads/main', expectOld: null }]), /starts with '-'/);
    await assert.rejects(pushAtomic(bare, 'origin', [{ src: 'main', dst: 'refs/heads/main', expectOld: null }]), /not a full ref/);
    await assert.rejects(listRefs(bare, '--format=x'), /not a ref prefix/);
    assert.deepEqual(await listRefs(bare, 'refs/'), []);
  });
});
