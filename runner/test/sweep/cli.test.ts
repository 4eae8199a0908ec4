// The sweep through the real `ccci` command: exit codes, the lock, the hollow-sweep
// refusals, metrics, and a SIGKILL in the middle of a promote.
import assert from 'node:assert/strict';

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { releaseVersion } from '../../src/demo/fixtures.js';
import { tryAcquireLock } from '../../src/effects/lock-file.js';
import { canonicalPath, loadCanonical } from '../../src/registry/canonical.js';
import { verifySnapshot } from '../../src/registry/snapshot.js';
import { sweepLockPath } from '../../src/sweep/sweep.js';
import { CLI, createScenario, type Scenario } from './scenario.js';

describe('ccci sweep', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
    s.writeConfig({ metricsFile: path.join(s.root, 'metrics', 'ccci.prom') });
  });
  after(async () => s.close());

  test('promotes, prints progress and a summary, writes metrics; exit 0', async () => {
    const result = await s.cli(['sweep']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /custom-html/);
    assert.match(result.stdout, /\[1\/1\] custom-html: run on 1\.0\.0\+1\.0/);
    assert.match(result.stdout, /promoted/);
    assert.doesNotMatch(result.stdout, /\x1b\[/, 'no colour codes when not on a terminal');
    const metrics = readFileSync(path.join(s.root, 'metrics', 'ccci.prom'), 'utf8');
    assert.match(metrics, /ccci_canonical_info\{recipe="custom-html",version="1\.0\.0\+1\.0"\} 1/);
    assert.match(metrics, /ccci_recipe_last_outcome\{recipe="custom-html",outcome="promoted"\} 1/);
    assert.match(metrics, /ccci_sweep_last_success 1/);
  });

  test('--json prints the report', async () => {
    const result = await s.cli(['sweep', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { recipes: { decision: string }[] };
    assert.equal(report.recipes[0]?.decision, 'skip:no-new-version');
  });

  test('another sweep holding the lock: exit 75, naming the holder', async () => {
    const lock = await tryAcquireLock(sweepLockPath(s.config), 'test holder');
    assert.ok(lock.acquired);
    try {
      const result = await s.cli(['sweep']);
      assert.equal(result.code, 75);
      assert.match(result.stderr, new RegExp(`pid ${process.pid}`));
      assert.match(result.stderr, /test holder/);
    } finally {
      await lock.lock.release();
    }
  });

  test('a promote failing its disk guard: promote-failed, exit 1, previous canonical intact', async () => {
    await releaseVersion(s.work['custom-html'] as string, '1.1.0+1.0');
    await s.publish('custom-html');
    const before = readFileSync(canonicalPath(s.config.stateDir, 'custom-html'));
    s.writeConfig({ minFreeDiskPercent: 99 });
    try {
      const result = await s.cli(['sweep']);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, /promote-failed/);
      assert.match(result.stdout, /disk-guard: refusing to promote/);
      assert.deepEqual(readFileSync(canonicalPath(s.config.stateDir, 'custom-html')), before);
    } finally {
      s.writeConfig({ minFreeDiskPercent: 0 });
    }
  });

  test('SIGKILL in the middle of a promote: previous canonical and snapshot intact; the next sweep completes', async () => {
    const before = readFileSync(canonicalPath(s.config.stateDir, 'custom-html'));
    const previous = await loadCanonical(s.config.stateDir, 'custom-html');
    const killed = await s.cli(['sweep', '--retry-red'], {
      onLine: (line, kill) => {
        if (/: promote 1\.1\.0\+1\.0/.test(line) || /snapshotting/.test(line)) kill();
      },
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stdout);
    assert.deepEqual(readFileSync(canonicalPath(s.config.stateDir, 'custom-html')), before);
    await verifySnapshot(s.config.stateDir, 'custom-html', previous?.snapshot.id as string);
    // The killed sweep's lock names a dead process: it does not block.
    const next = await s.cli(['sweep']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    const canonical = await loadCanonical(s.config.stateDir, 'custom-html');
    assert.equal(canonical?.version, '1.1.0+1.0');
    await verifySnapshot(s.config.stateDir, 'custom-html', canonical?.snapshot.id as string);
  });
});

describe('ccci sweep whose output goes away', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
    s.writeConfig();
  });
  after(async () => s.close());

  test('stdout closed after the first line (`ccci sweep | head -1`): the sweep still runs, promotes and reports; exit 0', async () => {
    const result = await new Promise<{ code: number | null; signal: string | null; first: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, '--config', s.configFile, 'sweep'], {
        env: { ...process.env, ...s.sandbox.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let first = '';
      let stderr = '';
      // The reading end closed: every later write of the sweep's gets EPIPE.
      child.stdout.once('data', (chunk: Buffer) => {
        first = chunk.toString();
        child.stdout.destroy();
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code, signal) => resolve({ code, signal, first, stderr }));
    });
    assert.match(result.first, /^sweep /, 'it had begun writing');
    assert.equal(result.signal, null, result.stderr);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE|Unhandled/);
    const canonical = await loadCanonical(s.config.stateDir, 'custom-html');
    assert.equal(canonical?.version, '1.0.0+1.0', 'the promote happened after the output was gone');
    const reports = readdirSync(path.join(s.config.stateDir, 'sweeps')).filter((name) => name.endsWith('.json'));
    assert.equal(reports.length, 1, 'and the sweep wrote its report');
  });
});

describe('hollow sweeps are refused (exit 2) before anything runs', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
  });
  after(async () => s.close());

  test('nothing enrolled', async () => {
    const result = await s.cli(['sweep']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /nothing is enrolled/);
  });

  test('an enrolled recipe without a definition', async () => {
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
    rmSync(path.join(s.config.repo, 'recipes', 'custom-html'), { recursive: true });
    const result = await s.cli(['sweep']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /recipe custom-html has no definition/);
  });

  test('an enrolled recipe without a definition, though the sweep is of another (--recipe)', async () => {
    await s.addRecipe('gitea', { version: '1.0.0+1.0' });
    const result = await s.cli(['sweep', '--recipe', 'gitea']);
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, /recipe custom-html has no definition/);
    // Refused before anything ran: no attempt, no canonical, no sweep report.
    assert.equal(existsSync(path.join(s.config.stateDir, 'gitea')), false);
    assert.equal(existsSync(path.join(s.config.stateDir, 'sweeps')), false);
  });

  test('a config file that is not valid', async () => {
    writeFileSync(s.configFile, '{"recipes": {"custom-html": {"bogus": 1}}}');
    const result = await s.cli(['sweep']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /recipes\.custom-html\.bogus: unknown key/);
  });
});



