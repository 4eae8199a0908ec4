// Crashes leave nothing behind: `ccci gc [--dry-run]` and the start of every sweep remove
// the temp files of dead writers, promote work directories, unnamed snapshots and the
// apps of runs whose holder died, each removal logged; a live writer's file is left.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tryAcquireLock } from '../../src/effects/lock-file.js';
import { canonicalPath, loadCanonical, writeCanonical } from '../../src/registry/canonical.js';
import { snapshotDir, snapshotsDir, verifySnapshot } from '../../src/registry/snapshot.js';
import { sweepLockPath } from '../../src/sweep/sweep.js';
import { assertNothingLeftBehind, swarmState } from './leftover-checks.js';
import { createScenario, type Scenario } from './scenario.js';

/** A pid that is surely not running: a child that already exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** A domain lock as a run or a promote leaves it when it is SIGKILLed: its holder's pid is gone. */
function deadDomainLock(s: Scenario, domain: string, pid: number): string {
  const locks = path.join(s.config.runsDir, '.locks');
  mkdirSync(locks, { recursive: true });
  const file = path.join(locks, `${domain}.lock`);
  writeFileSync(file, JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'quick run in a test' }));
  return file;
}

/** Whether `file` is there, a dangling link included. */
function present(file: string): boolean {
  return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
}

function fingerprint(...dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      out[full] = entry.isDirectory() ? 'dir' : String(statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? 'link');
      if (entry.isDirectory() && !entry.name.endsWith('.git')) walk(full);
    }
  };
  for (const dir of dirs) walk(dir);
  return out;
}

describe('ccci gc', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('gcr', { version: '1.0.0+1.0' });
    const first = await s.cli(['sweep']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
  });
  after(async () => s.close());

  test('--dry-run lists what crashes left and changes nothing; gc removes it, logging each; a live writer is left alone', async () => {
    const { stateDir, runsDir, cacheDir } = s.config;
    const dead = deadPid();
    const canonical = await loadCanonical(stateDir, 'gcr');
    const leftovers = [
      path.join(stateDir, 'gcr', `.canonical.json.${dead}.0badc0de.tmp`),
      path.join(stateDir, 'sweeps', `.2026-01-01T00-00-00-000Z-abcd.json.${dead}.0badc0de.tmp`),
      path.join(stateDir, `.sweep.lock.${dead}.0badc0de.tmp`),
      path.join(cacheDir, 'mirrors', `.gcr.sync.json.${dead}.0badc0de.tmp`),
      path.join(runsDir, '20260101T000000Z-gcr-abcdef-promote'),
      path.join(snapshotsDir(stateDir, 'gcr'), '.building-20260101T000000Z-gcr-abcdef-123456'),
      path.join(snapshotsDir(stateDir, 'gcr'), '20250101T000000Z-gcr-abcdef-654321'),
      // the listings of a sweep killed while it listed (listings-ahead.ts)
      path.join(cacheDir, 'mirrors', `.listings.${dead}.0badc0de.tmp`),
    ];
    for (const file of leftovers.slice(0, 4)) writeFileSync(file, 'half');
    mkdirSync(path.join(leftovers[4] as string, 'abra', 'recipes', 'gcr'), { recursive: true });
    mkdirSync(path.join(leftovers[5] as string, 'volumes'), { recursive: true });
    mkdirSync(leftovers[6] as string, { recursive: true });
    mkdirSync(leftovers[7] as string);
    writeFileSync(path.join(leftovers[7] as string, '0.out'), 'refs');
    const linkTemp = path.join(stateDir, 'gcr', `.snapshot.${dead}.tmp`);
    symlinkSync(path.join('snapshots', 'nowhere'), linkTemp);
    leftovers.push(linkTemp);
    const live = path.join(stateDir, 'gcr', `.canonical.json.${process.pid}.0badc0de.tmp`);
    writeFileSync(live, 'a live writer');

    const before = fingerprint(stateDir, runsDir, cacheDir);
    const dry = await s.cli(['gc', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    for (const file of leftovers) assert.ok(dry.stdout.includes(file), `dry run names ${file}:\n${dry.stdout}`);
    assert.match(dry.stdout, /would remove/);
    assert.match(dry.stdout, /\[dry run: nothing changed\]/);
    assert.doesNotMatch(dry.stdout, new RegExp(`\\.canonical\\.json\\.${process.pid}\\.`));
    assert.deepEqual(fingerprint(stateDir, runsDir, cacheDir), before, 'a dry run changes nothing');

    const gc = await s.cli(['gc']);
    assert.equal(gc.code, 0, gc.stderr);
    for (const file of leftovers) {
      assert.ok(gc.stdout.includes(`removed ${file}`) || gc.stdout.includes(file), `gc logs ${file}:\n${gc.stdout}`);
      assert.equal(existsSync(file), false, `${file} is gone`);
    }
    assert.ok(existsSync(live), "a live writer's temp file is left alone");
    assert.deepEqual(readdirSync(snapshotsDir(stateDir, 'gcr')), [canonical?.snapshot.id]);
    await verifySnapshot(stateDir, 'gcr', canonical?.snapshot.id as string);

    const again = await s.cli(['gc', '--json']);
    assert.equal(again.code, 0);
    assert.deepEqual(JSON.parse(again.stdout), { dryRun: false, removed: [], problems: [] });
  });

  test('a domain lock left before a reboot (its pid alive again as another process) is taken over and removed', async () => {
    const locks = path.join(s.config.runsDir, '.locks');
    mkdirSync(locks, { recursive: true });
    const file = path.join(locks, 'gcr-0ff1ce.ci.example.org.lock');
    // pid 1 is alive, but it is not the process that took the lock in an earlier boot.
    writeFileSync(file, JSON.stringify({ pid: 1, host: hostname(), startedAt: 'x', purpose: 'recipe CI run r', bootId: 'an-earlier-boot', processStart: '1' }));
    const gc = await s.cli(['gc']);
    assert.equal(gc.code, 0, gc.stdout + gc.stderr);
    assert.match(gc.stdout, /tore down the app gcr-0ff1ce\.ci\.example\.org \(its holder: pid 1 ran before a reboot/);
    assert.equal(existsSync(file), false);
  });

  test('while a sweep holds the lock: exit 75, nothing removed', async () => {
    const stray = path.join(s.config.runsDir, '20260202T000000Z-gcr-abcdef-promote');
    mkdirSync(stray, { recursive: true });
    const lock = await tryAcquireLock(sweepLockPath(s.config), 'a sweep in a test');
    assert.ok(lock.acquired);
    try {
      const gc = await s.cli(['gc']);
      assert.equal(gc.code, 75, gc.stdout + gc.stderr);
      assert.match(gc.stderr, /a sweep holds the lock: .*a sweep in a test/);
      // A dry run while the sweep promotes leaves its promote work directory out.
      const dry = await s.cli(['gc', '--dry-run']);
      assert.equal(dry.code, 0);
      assert.doesNotMatch(dry.stdout, /-promote/);
      assert.ok(existsSync(stray));
    } finally {
      await lock.lock.release();
    }
    assert.equal((await s.cli(['gc'])).code, 0);
    assert.equal(existsSync(stray), false);
  });
  test('a sweep lock whose holder died is taken over and said so: the lock, the dead pid and when it was taken (dry run, gc, sweep)', async () => {
    const file = sweepLockPath(s.config);
    const plant = (pid: number) => {
      const text = JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'ccci sweep' });
      writeFileSync(file, text);
      return text;
    };
    const line = (pid: number) =>
      `over the stale lock ${file} of pid ${pid} on ${hostname()} (ccci sweep), taken at 2026-01-02T03:04:05.000Z: pid ${pid} is gone`;

    let dead = deadPid();
    const text = plant(dead);
    const dry = await s.cli(['gc', '--dry-run']);
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.ok(dry.stdout.includes(`would take ${line(dead)}`), dry.stdout);
    assert.equal(readFileSync(file, 'utf8'), text, 'a dry run takes nothing over');

    const gc = await s.cli(['gc', '--json']);
    assert.equal(gc.code, 0, gc.stdout + gc.stderr);
    assert.ok(gc.stderr.includes(`took ${line(dead)}`), `logged:\n${gc.stderr}`);
    const report = JSON.parse(gc.stdout) as { removed: string[] };
    assert.equal(report.removed[0], `took ${line(dead)}`);
    assert.equal(existsSync(file), false, "gc released the lock it took over");

    dead = deadPid();
    plant(dead);
    const swept = await s.cli(['sweep']);
    assert.equal(swept.code, 0, swept.stdout + swept.stderr);
    assert.ok(swept.stdout.includes(`cleanup: took ${line(dead)}`), swept.stdout);
    const sweeps = path.join(s.config.stateDir, 'sweeps');
    const newest = readdirSync(sweeps).filter((name) => name.endsWith('.json')).sort().at(-1) as string;
    const sweepReport = JSON.parse(readFileSync(path.join(sweeps, newest), 'utf8')) as { cleanup: { removed: string[] } };
    assert.deepEqual(sweepReport.cleanup.removed, [`took ${line(dead)}`], 'the sweep report says it too');
    assert.equal(existsSync(file), false);
  });

  test('a sweep lock whose holder is alive is never taken over: gc and a sweep exit 75, the lock as it was', async () => {
    const file = sweepLockPath(s.config);
    // Another process, alive: a sweep as far as its lock says.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const text = JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'ccci sweep' });
      writeFileSync(file, text);
      for (const args of [['gc'], ['sweep']]) {
        const attempt = await s.cli(args);
        assert.equal(attempt.code, 75, attempt.stdout + attempt.stderr);
        assert.match(attempt.stderr, new RegExp(`holds the lock: pid ${holder.pid} on .* \\(ccci sweep, since 2026-01-02T03:04:05\\.000Z\\)`));
        assert.doesNotMatch(attempt.stdout + attempt.stderr, /took over/);
        assert.equal(readFileSync(file, 'utf8'), text, `${args[0]} left the live holder's lock as it was`);
      }
      const dry = await s.cli(['gc', '--dry-run']);
      assert.doesNotMatch(dry.stdout, /take over/);
      assert.match(dry.stdout, new RegExp(`a sweep is running \\(pid ${holder.pid} `));
    } finally {
      holder.kill('SIGKILL');
      rmSync(file, { force: true });
    }
  });

  test("dead writers' temp files in the cache directory's root and the dashboard directory go; a live writer's, other programs' and an unclaimed directory's stay", async () => {
    const { cacheDir } = s.config;
    const dead = deadPid();
    // A dashboardDir that is not (yet) a dashboard of ours: nothing in it is touched.
    const unclaimed = path.join(s.root, 'not-a-dashboard');
    mkdirSync(unclaimed);
    const foreign = path.join(unclaimed, `.notes.txt.${dead}.0badc0de.tmp`);
    writeFileSync(foreign, 'not ours');
    s.writeConfig({ dashboardDir: unclaimed });
    const first = await s.cli(['gc']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.ok(existsSync(foreign), `an unclaimed directory is left alone:\n${first.stdout}`);
    assert.doesNotMatch(first.stdout, /not-a-dashboard/);

    const dashboardDir = path.join(s.root, 'dashboard');
    s.writeConfig({ dashboardDir });
    try {
      const made = await s.cli(['dashboard']);
      assert.equal(made.code, 0, made.stdout + made.stderr);
      const crashed = [
        path.join(cacheDir, `.definitions.json.${dead}.0badc0de.tmp`),
        path.join(dashboardDir, `..cache.json.${dead}.0badc0de.tmp`),
        path.join(dashboardDir, `..lock.${dead}.0badc0de.tmp`),
        path.join(dashboardDir, `.current.${dead}.0badc0de.tmp`),
      ];
      for (const file of crashed.slice(0, 3)) writeFileSync(file, 'half');
      symlinkSync(path.join('.builds', 'gone'), crashed[3] as string); // a link a crash left before its rename
      const stays = [
        path.join(cacheDir, `.definitions.json.${process.pid}.0badc0de.tmp`), // a live writer's
        path.join(dashboardDir, `..cache.json.${process.pid}.0badc0de.tmp`), // a live writer's
        path.join(cacheDir, `.some-other-program.${dead}.0badc0de.tmp`), // not a file of ours
        path.join(dashboardDir, '.index.html.tmp'), // not the temp naming: no writer to ask about
      ];
      for (const file of stays) writeFileSync(file, 'keep');
      const live = fingerprint(dashboardDir);

      const dry = await s.cli(['gc', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      for (const file of crashed) assert.ok(dry.stdout.includes(`would remove ${file} (temp file of pid ${dead}, which is gone)`), `dry run names ${file}:\n${dry.stdout}`);
      for (const file of crashed) assert.ok(present(file), `the dry run left ${file}`);

      const gc = await s.cli(['gc']);
      assert.equal(gc.code, 0, gc.stdout + gc.stderr);
      for (const file of crashed) {
        assert.ok(gc.stdout.includes(`removed ${file} (temp file of pid ${dead}, which is gone)`), `gc says why ${file} goes:\n${gc.stdout}`);
        assert.equal(present(file), false, `${file} is gone`);
      }
      for (const file of stays) {
        assert.ok(existsSync(file), `${file} is left`);
        assert.ok(!gc.stdout.includes(file), `gc does not name ${file}:\n${gc.stdout}`);
      }
      assert.ok(existsSync(foreign), 'the unclaimed directory is still not touched');
      // The live dashboard is as it was: only the crash's temp files went.
      const kept = fingerprint(dashboardDir);
      for (const file of crashed) delete live[file];
      assert.deepEqual(kept, live);
      assert.equal((await s.cli(['dashboard'])).code, 0, 'the dashboard is written again over what gc left');
    } finally {
      s.writeConfig({ dashboardDir: null });
    }
  });
});

describe('a run killed with its app deployed', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('crash', { version: '1.0.0+1.0' });
  });
  after(async () => s.close());

  test('gc --dry-run names the app; the next sweep tears it down (stack, volumes, .env), logs it, and promotes', async () => {
    const killed = await s.cli(['sweep'], {
      onLine: (line, kill) => {
        if (/== functional$/.test(line)) kill();
      },
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stdout);
    const left = swarmState(s);
    const runStack = left.stacks.find((stack) => !stack.startsWith('warm-'));
    assert.ok(runStack, `the run's app is still deployed: ${JSON.stringify(left)}`);
    const domain = (runStack as string).replace(/_/g, '.');
    const envFile = path.join(s.sandbox.abraDir, 'servers', s.sandbox.server, `${domain}.env`);
    assert.ok(existsSync(envFile));
    assert.ok(left.volumes.some((v) => v.startsWith(`${runStack}_`)));

    const dry = await s.cli(['gc', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would tear down the app ${domain.replace(/\./g, '\\.')} of run \\S+ \\(its holder: pid \\d+ is gone\\)`));
    assert.deepEqual(swarmState(s), left, 'a dry run tears nothing down');
    assert.ok(existsSync(envFile));

    const next = await s.cli(['sweep']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.match(next.stdout, new RegExp(`cleanup: tore down the app ${domain.replace(/\./g, '\\.')} of run`));
    assert.match(next.stdout, /promoted/);
    assert.equal(existsSync(envFile), false, 'the .env in the shared servers/ is gone');
    await assertNothingLeftBehind(s, ['crash']);
  });
});

describe('a quick run killed with the canonical attached (its warm domain lock left, the record in-use)', () => {
  let s: Scenario;
  let warm: string;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('gcw', { version: '1.0.0+1.0' });
    const first = await s.cli(['sweep']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    warm = `warm-gcw.${s.sandbox.domain}`;
  });
  after(async () => s.close());

  async function attach(): Promise<void> {
    const record = await loadCanonical(s.config.stateDir, 'gcw');
    assert.ok(record);
    await writeCanonical(s.config.stateDir, { ...record, status: 'in-use' });
  }

  test('a record that can be trusted is marked idle again (promotedAt kept), and the gc says so', async () => {
    await attach();
    const promoted = (await loadCanonical(s.config.stateDir, 'gcw'))?.promotedAt;
    const lock = deadDomainLock(s, warm, deadPid());
    const gc = await s.cli(['gc']);
    assert.equal(gc.code, 0, gc.stdout + gc.stderr);
    assert.match(gc.stdout, new RegExp(`undeployed the warm app ${warm.replace(/\./g, '\\.')} \\(its holder: pid \\d+ is gone\\); canonical of gcw marked idle again`));
    const after = await loadCanonical(s.config.stateDir, 'gcw');
    assert.equal(after?.status, 'idle');
    assert.equal(after?.promotedAt, promoted);
    assert.equal(existsSync(lock), false, 'the dead holder\'s lock is gone');
  });

  test('a record that cannot be trusted (its snapshot is not what it records) is left byte for byte and reported; gc exits 1', async () => {
    await attach();
    const record = await loadCanonical(s.config.stateDir, 'gcw');
    assert.ok(record);
    const volumes = path.join(snapshotDir(s.config.stateDir, 'gcw', record.snapshot.id), 'volumes');
    const archive = path.join(volumes, readdirSync(volumes)[0] as string);
    appendFileSync(archive, 'x'); // the archive no longer has its recorded size
    const file = canonicalPath(s.config.stateDir, 'gcw');
    const bytes = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const lock = deadDomainLock(s, warm, deadPid());

    const gc = await s.cli(['gc']);
    assert.equal(gc.code, 1, gc.stdout + gc.stderr);
    assert.deepEqual(readFileSync(file), bytes, 'canonical.json is not rewritten');
    assert.equal(statSync(file).mtimeMs, mtime, 'canonical.json is not even rewritten with the same bytes');
    assert.equal((await loadCanonical(s.config.stateDir, 'gcw'))?.status, 'in-use');
    // Reported, with the cause: which record, that it was left, and why it is not trusted.
    assert.match(gc.stdout, /undeployed the warm app warm-gcw\.\S+ \(its holder: pid \d+ is gone\)\n/);
    assert.doesNotMatch(gc.stdout, /marked idle again/);
    const problem = gc.stdout.split('\n').find((line) => line.includes('canonical of gcw left as it is'));
    assert.ok(problem, gc.stdout);
    assert.ok(problem.startsWith('problem: '), problem);
    assert.ok(problem.includes(`${file}: snapshot ${record.snapshot.id}`), problem);
    assert.ok(problem.includes(`${archive} has `), problem);
    assert.equal(existsSync(lock), false, 'the app is undeployed: its lock is released');
    assert.deepEqual(swarmState(s).stacks, []);

    const json = await s.cli(['gc', '--json']);
    const report = JSON.parse(json.stdout) as { problems: string[] };
    assert.ok(!report.problems.some((line) => line.includes('left as it is')), 'no lock left: nothing more to say about it');
    assert.deepEqual(readFileSync(file), bytes);
  });
});
