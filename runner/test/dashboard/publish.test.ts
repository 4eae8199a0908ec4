// The dashboard directory is replaced in one step: a reader sees the old build or the new
// one, never a mix; a failed build changes nothing; a directory not ours is refused.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BUILDS, CURRENT, DashboardBusyError, DashboardDirectoryError, MARKER, publishDirectory } from '../../src/dashboard/publish.js';
import { tryAcquireLock } from '../../src/effects/lock-file.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-publish-'));
after(() => rmSync(root, { recursive: true, force: true }));
const layout = { topLevel: ['index.html', 'recipes', 'runs'], directories: ['recipes', 'runs'] };
let n = 0;
const fresh = () => path.join(root, `d${(n += 1)}`);

function site(version: string): Map<string, string> {
  return new Map([
    ['index.html', `<p>${version}</p>`],
    ['recipes/a.html', `a ${version}`],
  ]);
}

describe('publishDirectory', () => {
  test('a new directory: marker, one build, current and the stable links, readable through them', async () => {
    const dir = fresh();
    const result = await publishDirectory(dir, site('v1'), layout);
    assert.equal(result.files, 2);
    assert.equal(result.bytes, Buffer.byteLength('<p>v1</p>') + Buffer.byteLength('a v1'));
    assert.ok(lstatSync(path.join(dir, MARKER)).isFile());
    assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, result.build));
    assert.equal(readlinkSync(path.join(dir, 'index.html')), path.join(CURRENT, 'index.html'));
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), '<p>v1</p>');
    assert.equal(readFileSync(path.join(dir, 'recipes', 'a.html'), 'utf8'), 'a v1');
    assert.deepEqual(readdirSync(path.join(dir, 'runs')), [], 'an empty directory of the layout exists: no dangling link');
  });

  test('a second build replaces the first whole; the old build is removed', async () => {
    const dir = fresh();
    const first = await publishDirectory(dir, site('v1'), layout);
    const second = await publishDirectory(dir, new Map([['index.html', 'v2']]), layout);
    assert.notEqual(first.build, second.build);
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), 'v2');
    assert.throws(() => statSync(path.join(dir, 'recipes', 'a.html')), /ENOENT/, 'nothing of the old build shows through');
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)), [second.build]);
  });

  test('a build that fails half-way leaves the live one exactly as it was, and no partial build', async () => {
    const dir = fresh();
    const first = await publishDirectory(dir, site('v1'), layout);
    // index.html both a file and a directory: the second write fails after others succeeded.
    const broken = new Map([
      ['recipes/a.html', 'v2'],
      ['index.html', 'v2'],
      ['index.html/x', 'v2'],
    ]);
    await assert.rejects(publishDirectory(dir, broken, layout));
    assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, first.build));
    assert.equal(readFileSync(path.join(dir, 'recipes', 'a.html'), 'utf8'), 'a v1');
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)), [first.build]);
  });

  test('files are world-readable and directories traversable even under umask 077 (the web server reads them)', async () => {
    const dir = fresh();
    const old = process.umask(0o077);
    try {
      await publishDirectory(dir, site('v1'), layout);
    } finally {
      process.umask(old);
    }
    const build = path.join(dir, readlinkSync(path.join(dir, CURRENT)));
    assert.equal(statSync(path.join(build, 'index.html')).mode & 0o777, 0o644);
    assert.equal(statSync(path.join(build, 'recipes')).mode & 0o777, 0o755);
    assert.equal(statSync(dir).mode & 0o777, 0o755);
    assert.equal(statSync(path.join(dir, BUILDS)).mode & 0o777, 0o755);
  });

  test('an existing empty directory is taken; one holding other files is refused and left alone', async () => {
    const empty = fresh();
    mkdirSync(empty);
    await publishDirectory(empty, site('v1'), layout);
    assert.ok(lstatSync(path.join(empty, MARKER)).isFile());

    const foreign = fresh();
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    await assert.rejects(publishDirectory(foreign, site('v1'), layout), (error: Error) => {
      assert.ok(error instanceof DashboardDirectoryError);
      assert.match(error.message, /holds files that are not a ccci dashboard/);
      return true;
    });
    assert.deepEqual(readdirSync(foreign), ['notes.txt']);
  });

  test('a path that is a file, or under a file, is refused', async () => {
    const file = fresh();
    writeFileSync(file, 'x');
    await assert.rejects(publishDirectory(file, site('v1'), layout), /not a directory/);
    await assert.rejects(publishDirectory(path.join(file, 'sub'), site('v1'), layout), /ENOTDIR|not a directory/);
    assert.equal(readFileSync(file, 'utf8'), 'x');
  });

  test('another writer holding the directory: refused, nothing changed', async () => {
    const dir = fresh();
    const first = await publishDirectory(dir, site('v1'), layout);
    const held = await tryAcquireLock(path.join(dir, '.lock'), 'test');
    assert.ok(held.acquired);
    try {
      await assert.rejects(publishDirectory(dir, site('v2'), layout), (error: Error) => error instanceof DashboardBusyError);
      assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, first.build));
    } finally {
      if (held.acquired) await held.lock.release();
    }
  });

  test('a file name leaving the directory is an internal error, not a write outside', async () => {
    const dir = fresh();
    await assert.rejects(publishDirectory(dir, new Map([['../escape', 'x']]), layout), /leaves the directory/);
    assert.throws(() => statSync(path.join(root, 'escape')), /ENOENT/);
  });
});
