// The start-of-sweep look at the snapshot and the domain a record names: cheap (no
// hashing), and every way it can be wrong is named.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { readTrustedCanonical, recordDomainProblem, snapshotRecordProblem } from '../../src/registry/record-check.js';
import { pruneSnapshots, SnapshotError, snapshotDir } from '../../src/registry/snapshot.js';
import { canonicalFixture as record, writeSnapshotFixture } from './snapshot-fixture.js';
import { tempDir } from '../support/temp-dirs.js';


function stateWith(r: CanonicalRecord): string {
  const dir = tempDir('ccci-record-check-');
  writeSnapshotFixture(dir, r);
  return dir;
}

describe('the snapshot a record names', () => {
  test('present and agreeing: no problem', async () => {
    const r = record();
    assert.equal(await snapshotRecordProblem(stateWith(r), r), null);
  });

  test('missing', async () => {
    const r = record();
    const dir = stateWith(r);
    assert.match((await snapshotRecordProblem(dir, record({ snapshot: { ...r.snapshot, id: 'other' } }))) ?? '', /snapshot other .* is missing/);
  });

  test('meta.json unreadable, invalid, or saying something else than the record', async () => {
    const r = record();
    const dir = stateWith(r);
    const meta = path.join(snapshotDir(dir, r.recipe, r.snapshot.id), 'meta.json');
    const good = readFileSync(meta, 'utf8');
    writeFileSync(meta, '{');
    assert.match((await snapshotRecordProblem(dir, r)) ?? '', /meta\.json is not valid JSON/);
    writeFileSync(meta, JSON.stringify({ ...JSON.parse(good), volumes: [{ name: 'x', archive: '../../etc/passwd', bytes: 1, sha256: 'a'.repeat(64) }] }));
    assert.match((await snapshotRecordProblem(dir, r)) ?? '', /volumes\/<volume>\.tar/);
    writeFileSync(meta, good);
    assert.match((await snapshotRecordProblem(dir, record({ version: '2.0.0+1.0' }))) ?? '', /meta\.json says version 1\.0\.0\+1\.0/);
    assert.match((await snapshotRecordProblem(dir, record({ commit: 'd'.repeat(40) }))) ?? '', /commit c{40}/);
    assert.match((await snapshotRecordProblem(dir, record({ snapshot: { ...r.snapshot, bytes: 1 } }))) ?? '', /3000 bytes/);
  });

  test('an archive missing or of another size than recorded (no hashing needed to tell)', async () => {
    const r = record();
    const dir = stateWith(r);
    const db = path.join(snapshotDir(dir, r.recipe, r.snapshot.id), 'volumes', 'db.tar');
    appendFileSync(db, 'x');
    assert.match((await snapshotRecordProblem(dir, r)) ?? '', /db\.tar has 1501 bytes, meta\.json says 1500/);
    rmSync(db);
    assert.match((await snapshotRecordProblem(dir, r)) ?? '', /archive of volume db .* is missing/);
  });
});

describe('the domain a record names', () => {
  test('must be warm-<recipe>.<the configured domain>', () => {
    assert.equal(recordDomainProblem(record(), 'ci.example.org'), null);
    const problem = recordDomainProblem(record(), 'other.example.net');
    assert.match(problem ?? '', /domain warm-custom-html\.ci\.example\.org is not warm-custom-html\.other\.example\.net/);
  });
});

describe('readTrustedCanonical', () => {
  test('a record that fails a check reads as invalid, naming the file and the problem; the files are left alone', async () => {
    const r = record();
    const dir = stateWith(r);
    await writeCanonical(dir, r);
    assert.equal((await readTrustedCanonical(dir, 'custom-html', 'ci.example.org')).state, 'present');
    const wrongDomain = await readTrustedCanonical(dir, 'custom-html', 'elsewhere.org');
    assert.equal(wrongDomain.state, 'invalid');
    assert.match(wrongDomain.state === 'invalid' ? wrongDomain.problem : '', /canonical\.json: domain .* is not warm-custom-html\.elsewhere\.org/);
    await writeCanonical(dir, record({ snapshot: { ...r.snapshot, id: 'gone' } }));
    const missing = await readTrustedCanonical(dir, 'custom-html', null);
    assert.match(missing.state === 'invalid' ? missing.problem : '', /snapshot gone .* is missing/);
  });
});

describe('the prerelease setting, given as a function', () => {
  test('is asked for only when the version is not a plain release, and then judges it as the value would', async () => {
    const r = record();
    const dir = stateWith(r);
    await writeCanonical(dir, r);
    let asked = 0;
    const setting = (value: boolean | undefined) => async () => {
      asked += 1;
      return value;
    };
    assert.equal((await readTrustedCanonical(dir, 'custom-html', null, { allowPrereleases: setting(false) })).state, 'present');
    assert.equal(asked, 0, 'a plain release passes under either setting: nothing is loaded for it');
    const rc = record({ version: '2.0.0-rc.1+1.0' });
    const rcDir = stateWith(rc);
    await writeCanonical(rcDir, rc);
    for (const value of [true, false, undefined]) {
      const lazy = await readTrustedCanonical(rcDir, 'custom-html', null, { allowPrereleases: setting(value) });
      assert.deepEqual(lazy, await readTrustedCanonical(rcDir, 'custom-html', null, { allowPrereleases: value }), String(value));
    }
    assert.equal(asked, 3);
  });
});

describe('pruneSnapshots', () => {
  test('refuses, removing nothing, when the snapshot to keep is not there', async () => {
    const r = record();
    const dir = stateWith(r);
    await assert.rejects(pruneSnapshots(dir, 'custom-html', 'gone'), SnapshotError);
    await assert.rejects(pruneSnapshots(dir, 'custom-html', '..'), SnapshotError);
    assert.equal(await snapshotRecordProblem(dir, r), null, 'the real snapshot is still whole');
    assert.deepEqual(await pruneSnapshots(dir, 'custom-html', r.snapshot.id), []);
  });
});
