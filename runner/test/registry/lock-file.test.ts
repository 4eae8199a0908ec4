import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { tryAcquireLock } from '../../src/effects/lock-file.js';

function lockFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'ccci-lock-')), 'sweep.lock');
}

test('a lock is exclusive until released', async () => {
  const file = lockFile();
  const first = await tryAcquireLock(file, 'first');
  assert.ok(first.acquired);
  const second = await tryAcquireLock(file, 'second');
  assert.equal(second.acquired, false);
  assert.equal(!second.acquired && second.heldBy?.purpose, 'first');
  await first.lock.release();
  assert.equal(existsSync(file), false);
  const third = await tryAcquireLock(file, 'third');
  assert.ok(third.acquired);
  await third.lock.release();
});

test('a lock left by a dead process is taken over', async () => {
  const file = lockFile();
  // A pid that surely is not running: a child that already exited.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(file, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: 'x', purpose: 'killed sweep' }));
  const taken = await tryAcquireLock(file, 'new sweep');
  assert.ok(taken.acquired);
  await taken.lock.release();
});

test('a half-written lock file (crash between create and write) is stale', async () => {
  const file = lockFile();
  writeFileSync(file, '');
  const taken = await tryAcquireLock(file, 'new sweep');
  assert.ok(taken.acquired);
  await taken.lock.release();
});

test('release does not remove a lock someone else holds', async () => {
  const file = lockFile();
  const mine = await tryAcquireLock(file, 'mine');
  assert.ok(mine.acquired);
  writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'other', purpose: 'other' }));
  await mine.lock.release();
  assert.ok(existsSync(file));
});
