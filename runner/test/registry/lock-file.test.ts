import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { OperationError } from '../../src/config/errors.js';
import { describeTakeover, linuxProcesses, setProcessProbe, staleLock, staleReason, startTimeOfStat, tryAcquireLock } from '../../src/effects/lock-file.js';
import { tempDir } from '../support/temp-dirs.js';

function lockFile(): string {
  return path.join(tempDir('ccci-lock-'), 'sweep.lock');
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

test('a lock left by a dead process is taken over, and the taker is told whose it was, since when and why', async () => {
  const file = lockFile();
  // A pid that surely is not running: a child that already exited.
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const left = { pid: dead, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'killed sweep' };
  writeFileSync(file, JSON.stringify(left));
  assert.deepEqual(await staleLock(file), { owner: left, reason: `pid ${dead} is gone` }, 'a look says what would be taken over');
  const taken = await tryAcquireLock(file, 'new sweep');
  assert.ok(taken.acquired);
  assert.deepEqual(taken.tookOver, { owner: left, reason: `pid ${dead} is gone` });
  assert.equal(
    describeTakeover(file, taken.tookOver),
    `took over the stale lock ${file} of pid ${dead} on ${hostname()} (killed sweep), taken at 2026-01-02T03:04:05.000Z: pid ${dead} is gone`,
  );
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).purpose, 'new sweep');
  await taken.lock.release();
  const fresh = await tryAcquireLock(file, 'after a release');
  assert.ok(fresh.acquired);
  assert.equal(fresh.tookOver, null, 'a free lock is taken, not taken over');
  await fresh.lock.release();
});

test('a lock whose holder is alive is never taken over: not acquired, the file as it was', async () => {
  const file = lockFile();
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const held = JSON.stringify({ pid: child.pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'a live sweep' });
    writeFileSync(file, held);
    assert.equal(await staleLock(file), null);
    const attempt = await tryAcquireLock(file, 'gc');
    assert.equal(attempt.acquired, false);
    assert.equal(!attempt.acquired && attempt.heldBy?.pid, child.pid);
    assert.equal(readFileSync(file, 'utf8'), held);
    assert.deepEqual(readdirSync(path.dirname(file)), ['sweep.lock'], 'no temp file left');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a half-written lock file (crash between create and write) is stale, and taken over as one naming no owner', async () => {
  const file = lockFile();
  writeFileSync(file, '');
  const taken = await tryAcquireLock(file, 'new sweep');
  assert.ok(taken.acquired);
  assert.deepEqual(taken.tookOver, { owner: null, reason: 'the lock file does not name an owner' });
  assert.equal(describeTakeover(file, taken.tookOver, 'would take'), `would take over the stale lock ${file}: the lock file does not name an owner`);
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

describe('locks across reboots and reused pids', () => {
  const realBoot = linuxProcesses.bootId();
  after(() => setProcessProbe(null));

  test('a lock records the boot id and the holder start time', async () => {
    const file = lockFile();
    const taken = await tryAcquireLock(file, 'recording');
    assert.ok(taken.acquired);
    const owner = JSON.parse(readFileSync(file, 'utf8')) as { bootId: string; processStart: string };
    assert.equal(owner.bootId, realBoot);
    assert.match(owner.processStart, /^\d+$/);
    assert.equal(owner.processStart, linuxProcesses.startTime(process.pid));
    await taken.lock.release();
  });

  test('a live pid of another boot (the machine rebooted, the pid is someone else now) is stale', async () => {
    const file = lockFile();
    // pid 1 is alive and is never us: after a reboot a recorded pid is often just that.
    writeFileSync(file, JSON.stringify({ pid: 1, host: hostname(), startedAt: 'x', purpose: 'sweep before the reboot', bootId: 'a-previous-boot', processStart: linuxProcesses.startTime(1) }));
    const taken = await tryAcquireLock(file, 'after the reboot');
    assert.ok(taken.acquired, 'taken over');
    await taken.lock.release();
  });

  test('a live pid with another start time (the pid was reused) is stale; with its own start time it holds', async () => {
    const file = lockFile();
    const child = spawn('sleep', ['30']);
    try {
      const pid = child.pid as number;
      const start = linuxProcesses.startTime(pid) as string;
      assert.match(start, /^\d+$/);
      writeFileSync(file, JSON.stringify({ pid, host: hostname(), startedAt: 'x', purpose: 'the real holder', bootId: realBoot, processStart: start }));
      const held = await tryAcquireLock(file, 'intruder');
      assert.equal(held.acquired, false, 'the holder is alive and is the same process');
      writeFileSync(file, JSON.stringify({ pid, host: hostname(), startedAt: 'x', purpose: 'a dead holder', bootId: realBoot, processStart: String(Number(start) + 1) }));
      const taken = await tryAcquireLock(file, 'after pid reuse');
      assert.ok(taken.acquired, 'the pid belongs to another process now');
      await taken.lock.release();
    } finally {
      child.kill();
    }
  });

  test('through the seam: a simulated reboot and a simulated pid reuse', async () => {
    const file = lockFile();
    const first = await tryAcquireLock(file, 'holder');
    assert.ok(first.acquired);
    const ownStart = linuxProcesses.startTime(process.pid);
    setProcessProbe({ ...linuxProcesses, bootId: () => 'the next boot' });
    assert.match(staleReason(first.lock.owner) ?? '', /ran before a reboot/);
    setProcessProbe({ ...linuxProcesses, startTime: (pid) => (pid === process.pid ? `${ownStart}1` : linuxProcesses.startTime(pid)) });
    assert.match(staleReason(first.lock.owner) ?? '', /is now another process/);
    setProcessProbe({ ...linuxProcesses, alive: () => false });
    assert.match(staleReason(first.lock.owner) ?? '', /is gone/);
    setProcessProbe(null);
    assert.equal(staleReason(first.lock.owner), null);
    await first.lock.release();
  });

  test("a lock of an older runner (no boot id, no start time) of a live pid still holds", async () => {
    const file = lockFile();
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'x', purpose: 'old runner' }));
    assert.equal((await tryAcquireLock(file, 'new')).acquired, false);
  });

  test('field 22 of /proc/<pid>/stat, even with spaces and parentheses in the command name', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    assert.equal(startTimeOfStat(`1234 (a b) c)) ${fields.join(' ')}`), '22');
    assert.equal(startTimeOfStat('garbage'), null);
  });
});

describe('a full disk while taking the lock', () => {
  after(() => {
    delete process.env.CCCI_FAILPOINTS;
  });
  test('a clear error naming the lock and ENOSPC, and no temp file left', async () => {
    const file = lockFile();
    process.env.CCCI_FAILPOINTS = 'lock:temp-written=enospc';
    await assert.rejects(tryAcquireLock(file, 'disk full'), (error: unknown) => {
      assert.ok(error instanceof OperationError);
      assert.match(error.message, new RegExp(`cannot take the lock ${file.replace(/[.]/g, '\\.')}: ENOSPC: no space left on device`));
      return true;
    });
    delete process.env.CCCI_FAILPOINTS;
    assert.deepEqual(readdirSync(path.dirname(file)), [], 'neither the lock nor its temp file');
  });
});
