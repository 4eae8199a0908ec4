// The domain lock: a stale one (its holder died, maybe leaving its app deployed) is taken
// over out loud, a live one never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { DomainBusyError, domainLockPath, lockDomain } from '../../src/run/domain-lock.js';

test('a stale domain lock is taken over and the taker hears whose it was; a live one is refused, unchanged', async () => {
  const runsDir = mkdtempSync(path.join(tmpdir(), 'ccci-domain-lock-'));
  try {
    const domain = 'warm-ghost.ci.example.org';
    const file = domainLockPath(runsDir, domain);
    mkdirSync(path.dirname(file), { recursive: true });
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(file, JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'recipe CI run ghost-1' }));
    const heard: string[] = [];
    const lock = await lockDomain(runsDir, domain, 'promote ghost 1.0.0+1', undefined, (line) => heard.push(line));
    try {
      assert.deepEqual(heard, [
        `app domain ${domain}: took over the stale lock ${file} of pid ${dead} on ${hostname()} (recipe CI run ghost-1), ` +
          `taken at 2026-01-02T03:04:05.000Z: pid ${dead} is gone`,
      ]);
      const held = readFileSync(file, 'utf8');
      assert.match(held, /promote ghost 1\.0\.0\+1/);
      // Now live (this process): a second taker is refused, naming the holder, and hears of no takeover.
      const again: string[] = [];
      await assert.rejects(lockDomain(runsDir, domain, 'another', undefined, (line) => again.push(line)), (error: unknown) => {
        assert.ok(error instanceof DomainBusyError);
        assert.match(error.message, new RegExp(`app domain ${domain.replace(/\./g, '\\.')} is in use by pid ${process.pid}`));
        return true;
      });
      assert.deepEqual(again, []);
      assert.equal(readFileSync(file, 'utf8'), held);
    } finally {
      await lock.release();
    }
    // A lock that was free: taken without a word.
    const quiet: string[] = [];
    const fresh = await lockDomain(runsDir, domain, 'a run', undefined, (line) => quiet.push(line));
    await fresh.release();
    assert.deepEqual(quiet, []);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});
