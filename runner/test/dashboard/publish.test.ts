// The dashboard's pages are replaced in one step (a reader sees the old build or the new
// one, never a mix), the shared files one by one; a failed build leaves the live pages;
// a directory not ours is refused.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { beginPublication, BUILDS, CURRENT, DashboardBusyError, DashboardDirectoryError, MARKER, publishDirectory, SYNC_FS_FROM } from '../../src/dashboard/publish.js';
import { observeArgv } from '../../src/effects/exec.js';
import { tryAcquireLock } from '../../src/effects/lock-file.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-publish-'));
after(() => rmSync(root, { recursive: true, force: true }));
const layout = { built: ['index.html', 'recipes'], shared: ['runs'] };
let n = 0;
const fresh = () => path.join(root, `d${(n += 1)}`);

function site(version: string, runs: string[] = []): Map<string, string> {
  return new Map([
    ['index.html', `<p>${version}</p>`],
    ['recipes/a.html', `a ${version}`],
    ...runs.map((r): [string, string] => [`runs/${r}.log`, `log of ${r}`]),
  ]);
}

describe('publishDirectory', () => {
  test('a new directory: marker, one build, current and the stable links, the shared directory', async () => {
    const dir = fresh();
    const result = await publishDirectory(dir, site('v1', ['r1']), layout);
    assert.equal(result.files, 3);
    assert.equal(result.bytes, Buffer.byteLength('<p>v1</p>') + Buffer.byteLength('a v1') + Buffer.byteLength('log of r1'));
    assert.ok(lstatSync(path.join(dir, MARKER)).isFile());
    assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, result.build));
    assert.equal(readlinkSync(path.join(dir, 'index.html')), path.join(CURRENT, 'index.html'));
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), '<p>v1</p>');
    assert.equal(readFileSync(path.join(dir, 'recipes', 'a.html'), 'utf8'), 'a v1');
    assert.ok(lstatSync(path.join(dir, 'runs')).isDirectory(), 'shared: a real directory, not in the build');
    assert.equal(readFileSync(path.join(dir, 'runs', 'r1.log'), 'utf8'), 'log of r1');
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)).sort(), [result.build, `${result.build}.json`], 'the build and its manifest');
  });

  test('a second build replaces the pages whole; the old build and unnamed shared files are removed', async () => {
    const dir = fresh();
    await publishDirectory(dir, site('v1', ['r1', 'r2']), layout);
    const second = await publishDirectory(dir, new Map([['index.html', 'v2'], ['runs/r2.log', 'log of r2'], ['runs/r3.log', 'log of r3']]), layout);
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), 'v2');
    assert.throws(() => statSync(path.join(dir, 'recipes', 'a.html')), /ENOENT/, 'nothing of the old build shows through');
    assert.deepEqual(readdirSync(path.join(dir, 'recipes')), [], 'a built directory exists even empty: no dangling link');
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)).sort(), [second.build, `${second.build}.json`]);
    assert.deepEqual(readdirSync(path.join(dir, 'runs')).sort(), ['r2.log', 'r3.log']);
  });

  test('unchanged files are not written again: a page is linked from the live build, a shared file kept', async () => {
    const dir = fresh();
    await publishDirectory(dir, site('v1', ['r1', 'r2']), layout);
    const ino = (name: string) => statSync(path.join(dir, name)).ino;
    const before = { index: ino('index.html'), page: ino('recipes/a.html'), r1: ino('runs/r1.log'), r2: ino('runs/r2.log') };
    const next = new Map([
      ['index.html', '<p>v1</p>'],
      ['recipes/a.html', 'a v2'],
      ['runs/r1.log', 'log of r1'],
      ['runs/r2.log', 'log of r2, redacted anew'],
    ]);
    const second = await publishDirectory(dir, next, layout);
    assert.equal(second.unchanged, 2);
    assert.equal(ino('index.html'), before.index, 'the same page: linked');
    assert.notEqual(ino('recipes/a.html'), before.page, 'a changed page: written');
    assert.equal(ino('runs/r1.log'), before.r1, 'the same shared file: left alone');
    assert.notEqual(ino('runs/r2.log'), before.r2, 'a changed shared file: replaced');
    assert.equal(readFileSync(path.join(dir, 'runs', 'r2.log'), 'utf8'), 'log of r2, redacted anew');
    assert.equal(second.bytes, [...next.values()].reduce((n, v) => n + Buffer.byteLength(v), 0));
  });

  test('a file declared unchanged is linked or kept; produced only when the live dashboard lacks it', async () => {
    const dir = fresh();
    await publishDirectory(dir, site('v1', ['r1']), layout);
    let produced = 0;
    const produce = async () => {
      produced += 1;
      return 'made';
    };
    const third = await publishDirectory(
      dir,
      new Map<string, string | { produce: () => Promise<string> }>([
        ['index.html', { produce }],
        ['runs/r1.log', { produce }],
        ['recipes/new.html', { produce }],
        ['runs/new.log', { produce }],
      ]),
      layout,
    );
    assert.equal(produced, 2, 'only for the two files the live dashboard did not have');
    assert.equal(third.unchanged, 2);
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), '<p>v1</p>');
    assert.equal(readFileSync(path.join(dir, 'runs', 'r1.log'), 'utf8'), 'log of r1');
    assert.equal(readFileSync(path.join(dir, 'recipes', 'new.html'), 'utf8'), 'made');
    assert.equal(readFileSync(path.join(dir, 'runs', 'new.log'), 'utf8'), 'made');
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
    // (the shared files of a failed build may be there: each stands alone, and no live page names them)
    await assert.rejects(publishDirectory(dir, broken, layout));
    assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, first.build));
    assert.equal(readFileSync(path.join(dir, 'recipes', 'a.html'), 'utf8'), 'a v1');
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)).sort(), [first.build, `${first.build}.json`]);
  });

  test('files are world-readable and directories traversable even under umask 077 (the web server reads them)', async () => {
    const dir = fresh();
    const old = process.umask(0o077);
    try {
      await publishDirectory(dir, site('v1', ['r1']), layout);
    } finally {
      process.umask(old);
    }
    const build = path.join(dir, readlinkSync(path.join(dir, CURRENT)));
    assert.equal(statSync(path.join(build, 'index.html')).mode & 0o777, 0o644);
    assert.equal(statSync(path.join(dir, 'runs', 'r1.log')).mode & 0o777, 0o644);
    assert.equal(statSync(path.join(dir, 'runs')).mode & 0o777, 0o755);
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
    await assert.rejects(publishDirectory(dir, new Map([['elsewhere.html', 'x']]), layout), /or its layout/);
    assert.throws(() => statSync(path.join(root, 'escape')), /ENOENT/);
    assert.throws(() => statSync(dir), /ENOENT/, 'refused before anything was made');
  });
});

describe('publishDirectory: making a build durable', () => {
  const many = (count: number) =>
    new Map<string, string>([
      ['index.html', '<p>many</p>'],
      ...Array.from({ length: count }, (_, i): [string, string] => [`recipes/r${i}.html`, `page ${i}`]),
      ['runs/r1.log', 'log of r1'],
    ]);
  const publishWatched = async (dir: string, files: Map<string, string>) => {
    const seen: string[][] = [];
    const stop = observeArgv((argv) => seen.push([...argv]));
    try {
      return { result: await publishDirectory(dir, files, layout), seen };
    } finally {
      stop();
    }
  };

  test('many new files: the file system is synced (before the renames and after), not each file', async () => {
    const dir = fresh();
    const { result, seen } = await publishWatched(dir, many(SYNC_FS_FROM));
    assert.equal(result.files, SYNC_FS_FROM + 2);
    const syncs = seen.filter((argv) => argv[0] === 'sync');
    assert.equal(syncs.length, 2, `two syncs: ${JSON.stringify(seen)}`);
    // One path per file system: the directory and its parts are on one here.
    for (const argv of syncs) assert.deepEqual(argv, ['sync', '--file-system', '--', path.resolve(dir)]);
    assert.equal(readFileSync(path.join(dir, 'recipes', `r${SYNC_FS_FROM - 1}.html`), 'utf8'), `page ${SYNC_FS_FROM - 1}`);
    assert.equal(readFileSync(path.join(dir, 'runs', 'r1.log'), 'utf8'), 'log of r1');
  });

  test('a few new files are fsynced one by one: no program is started', async () => {
    const dir = fresh();
    const { seen } = await publishWatched(dir, many(3));
    assert.deepEqual(seen, []);
  });

  test('no sync program to be had: the files are fsynced one by one, and the build goes live all the same', async () => {
    const dir = fresh();
    const empty = mkdtempSync(path.join(root, 'no-programs-'));
    const oldPath = process.env.PATH;
    process.env.PATH = empty;
    let watched;
    try {
      watched = await publishWatched(dir, many(SYNC_FS_FROM + 10));
    } finally {
      process.env.PATH = oldPath;
    }
    assert.equal(watched.seen.filter((argv) => argv[0] === 'sync').length, 1, 'tried once, then the fallback for the rest');
    assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, watched.result.build));
    assert.equal(readFileSync(path.join(dir, 'recipes', 'r5.html'), 'utf8'), 'page 5');
    assert.equal(readFileSync(path.join(dir, 'runs', 'r1.log'), 'utf8'), 'log of r1');
  });
});

describe('beginPublication', () => {
  test('abandoned half-way (a produced file failing, more files coming): the live build as it was, nothing of the new one, the lock free', async () => {
    const dir = fresh();
    const first = await publishDirectory(dir, site('v1', ['r1']), layout);
    const publication = await beginPublication(dir, layout);
    publication.add('runs/r2.log', 'log of r2');
    publication.add('recipes/b.html', 'b v2');
    // Not in the live build, so it must be made: its content fails.
    publication.add('recipes/new.html', { produce: () => Promise.reject(new Error('the run log is gone')) });
    await assert.rejects(publication.commit(), /the run log is gone/);
    assert.equal(readlinkSync(path.join(dir, CURRENT)), path.join(BUILDS, first.build));
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)).sort(), [first.build, `${first.build}.json`]);
    assert.deepEqual(readdirSync(path.join(dir, 'runs')), ['r1.log'], 'no temp file of the shared ones is left');
    assert.throws(() => publication.add('recipes/c.html', 'c'), /after the build was committed or abandoned/);
    const again = await beginPublication(dir, layout);
    await again.abandon();
    assert.deepEqual(readdirSync(path.join(dir, BUILDS)).sort(), [first.build, `${first.build}.json`]);
  });

  test('a file added twice is refused at once', async () => {
    const publication = await beginPublication(fresh(), layout);
    publication.add('index.html', 'one');
    assert.throws(() => publication.add('index.html', 'two'), /added twice/);
    await publication.abandon();
  });
});
