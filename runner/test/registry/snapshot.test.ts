// Volume snapshots against the docker test double: real directories as volume mountpoints.
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSandbox, type Sandbox } from '../../src/demo/sandbox.js';
import { createHash } from 'node:crypto';
import { createStackVolume, volumeMountpoint } from '../../src/effects/docker.js';
import { observeArgv } from '../../src/effects/exec.js';
import {
  confirmSnapshot,
  createSnapshot,
  publishSnapshotLink,
  pruneSnapshots,
  restoreSnapshot,
  snapshotDir,
  SnapshotError,
  verifySnapshot,
} from '../../src/registry/snapshot.js';
import { tempDir } from '../support/temp-dirs.js';

const STACK = 'warm-custom-html_ci_example_org';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      const mode = (statSync(full).mode & 0o777).toString(8);
      if (entry.isDirectory()) {
        out[`${prefix}${entry.name}/`] = mode;
        walk(full, `${prefix}${entry.name}/`);
      } else out[`${prefix}${entry.name}`] = `${mode} ${readFileSync(full, 'base64')}`;
    }
  };
  walk(dir, '');
  return out;
}

describe('volume snapshots', () => {
  let sandbox: Sandbox;
  let stateDir: string;
  let content: string;
  let db: string;
  before(async () => {
    sandbox = await createSandbox(mkdtempSync(path.join(os.tmpdir(), 'ccci-snapshot-')));
    stateDir = sandbox.stateDir;
    await createStackVolume(STACK, `${STACK}_content`);
    await createStackVolume(STACK, `${STACK}_db`);
    content = await volumeMountpoint(`${STACK}_content`);
    db = await volumeMountpoint(`${STACK}_db`);
    mkdirSync(path.join(content, 'site'), { recursive: true });
    writeFileSync(path.join(content, 'site', 'index.html'), '<h1>known good</h1>\n');
    writeFileSync(path.join(content, 'secret.key'), Buffer.from([0, 1, 2, 255]));
    chmodSync(path.join(content, 'secret.key'), 0o600);
    writeFileSync(path.join(db, 'data.db'), 'rows\n'.repeat(1000));
  });
  after(async () => {
    await sandbox.stop();
    rmSync(sandbox.root, { recursive: true, force: true });
  });

  test('create, verify, and restore byte for byte', async () => {
    const original = { content: tree(content), db: tree(db) };
    const { meta, bytes } = await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-1' });
    assert.deepEqual(meta.volumes.map((v) => v.name), ['content', 'db']);
    assert.ok(bytes > 5000);
    await verifySnapshot(stateDir, 'custom-html', 'snap-1');

    // A quick run or a failed upgrade changes the data ...
    appendFileSync(path.join(content, 'site', 'index.html'), 'changed by an upgrade\n');
    writeFileSync(path.join(content, 'new-file'), 'x');
    rmSync(path.join(db, 'data.db'));
    // ... and the restore puts back exactly what was snapshotted.
    await restoreSnapshot(stateDir, 'custom-html', { snapshot: { id: 'snap-1', volumes: ['content', 'db'], bytes } }, STACK);
    assert.deepEqual({ content: tree(content), db: tree(db) }, original);
  });

  test('a damaged archive fails verification and is not restored', async () => {
    await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-2' });
    appendFileSync(path.join(snapshotDir(stateDir, 'custom-html', 'snap-2'), 'volumes', 'db.tar'), 'garbage');
    await assert.rejects(verifySnapshot(stateDir, 'custom-html', 'snap-2'), SnapshotError);
    const before = tree(db);
    await assert.rejects(restoreSnapshot(stateDir, 'custom-html', { snapshot: { id: 'snap-2', volumes: [], bytes: 0 } }, STACK), SnapshotError);
    assert.deepEqual(tree(db), before);
  });

  test('one pass: one tar per volume, read behind it; its checksum is that of the file', async () => {
    const seen: string[][] = [];
    const stop = observeArgv((argv) => seen.push([...argv]));
    let meta;
    try {
      ({ meta } = await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-one-pass' }));
    } finally {
      stop();
    }
    const tars = seen.filter((argv) => argv[0] === 'tar');
    assert.equal(tars.length, 2, 'one tar per volume, and no other (no tar --list)');
    assert.ok(tars.every((argv) => argv.includes('--create')));
    for (const volume of meta.volumes) {
      const bytes = readFileSync(path.join(snapshotDir(stateDir, 'custom-html', 'snap-one-pass'), volume.archive));
      assert.equal(volume.bytes, bytes.length);
      assert.equal(volume.sha256, createHash('sha256').update(bytes).digest('hex'));
    }
    await verifySnapshot(stateDir, 'custom-html', 'snap-one-pass');
  });

  test('damage inside an archive (same size) and a cut-off archive fail the full check', async () => {
    await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-flip' });
    const archive = path.join(snapshotDir(stateDir, 'custom-html', 'snap-flip'), 'volumes', 'db.tar');
    const bytes = readFileSync(archive);
    bytes[700] = (bytes[700] as number) ^ 1;
    writeFileSync(archive, bytes);
    await assert.rejects(verifySnapshot(stateDir, 'custom-html', 'snap-flip'), /checksum/);
    // The cheap check (sizes) is for a snapshot verified as it was written: it does not read the bytes.
    await confirmSnapshot(stateDir, 'custom-html', 'snap-flip');
    writeFileSync(archive, bytes.subarray(0, 1024));
    await assert.rejects(verifySnapshot(stateDir, 'custom-html', 'snap-flip'), SnapshotError);
    await assert.rejects(confirmSnapshot(stateDir, 'custom-html', 'snap-flip'), /bytes, meta\.json says/);
  });

  test('a restore touches no volume unless every archive reads back whole', async () => {
    const { bytes } = await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-second-bad' });
    // The second volume's archive (db) is damaged, the first (content) is fine.
    const archive = path.join(snapshotDir(stateDir, 'custom-html', 'snap-second-bad'), 'volumes', 'db.tar');
    const damaged = readFileSync(archive);
    damaged[2000] = (damaged[2000] as number) ^ 1;
    writeFileSync(archive, damaged);
    writeFileSync(path.join(content, 'written-after'), 'a quick run changed this');
    const before = { content: tree(content), db: tree(db) };
    await assert.rejects(
      restoreSnapshot(stateDir, 'custom-html', { snapshot: { id: 'snap-second-bad', volumes: ['content', 'db'], bytes } }, STACK),
      /db\.tar: checksum does not match/,
    );
    assert.deepEqual({ content: tree(content), db: tree(db) }, before, 'neither volume changed');
    assert.deepEqual(readdirSync(content).filter((n) => n.startsWith('.ccci-restore-')), [], 'no staging directory left');
    rmSync(path.join(content, 'written-after'));
  });

  test('a restore puts back the volume root\'s mode, and a crashed restore\'s leftovers are neither kept nor archived', async () => {
    chmodSync(content, 0o750);
    const { bytes } = await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-mode' });
    const original = tree(content);
    chmodSync(content, 0o777);
    mkdirSync(path.join(content, '.ccci-restore-crashed', 'half'), { recursive: true });
    await restoreSnapshot(stateDir, 'custom-html', { snapshot: { id: 'snap-mode', volumes: ['content', 'db'], bytes } }, STACK);
    assert.equal(statSync(content).mode & 0o777, 0o750);
    assert.deepEqual(tree(content), original);
    // A leftover is never part of a snapshot.
    mkdirSync(path.join(content, '.ccci-restore-crashed2'));
    await createSnapshot({ stateDir, recipe: 'custom-html', stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: 'snap-no-leftover' });
    rmSync(path.join(content, '.ccci-restore-crashed2'), { recursive: true });
    const target = tempDir('ccci-extract-');
    const { extractArchive } = await import('../../src/effects/tar.js');
    await extractArchive(path.join(snapshotDir(stateDir, 'custom-html', 'snap-no-leftover'), 'volumes', 'content.tar'), target);
    assert.deepEqual(tree(target), original);
    chmodSync(content, 0o755);
  });

  test('a stack without volumes cannot be snapshotted, and leaves no directory behind', async () => {
    await assert.rejects(
      createSnapshot({ stateDir, recipe: 'custom-html', stack: 'nothing_here', version: '1', commit: 'a'.repeat(40), id: 'snap-3' }),
      /no volumes/,
    );
    assert.ok(!readdirSync(path.join(stateDir, 'custom-html', 'snapshots')).some((n) => n.includes('snap-3')));
  });

  test('the snapshot link follows, and pruning keeps only the named snapshot', async () => {
    await publishSnapshotLink(stateDir, 'custom-html', 'snap-1');
    assert.equal(readlinkSync(path.join(stateDir, 'custom-html', 'snapshot')), path.join('snapshots', 'snap-1'));
    const removed = await pruneSnapshots(stateDir, 'custom-html', 'snap-1');
    assert.ok(removed.includes('snap-2'));
    assert.ok(removed.includes('snap-one-pass'));
    assert.deepEqual(readdirSync(path.join(stateDir, 'custom-html', 'snapshots')), ['snap-1']);
  });
});
