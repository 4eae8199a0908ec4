// What a crash leaves behind, found and removed: by `ccci gc` and at the start of every
// sweep. A SIGKILL (or a power cut) can stop a sweep or a run anywhere; each kind of
// leftover below is recognisable as dead without guessing:
//   - temp files of the atomic writes (`.<name>.<pid>.<hex>.tmp`) and of the locks, whose
//     writer pid is gone: in the state, runs and cache directories, and in the dashboard
//     directory's root (a live pid's file is never touched: it may be being written);
//   - `<runsDir>/<run-id>-promote/` work directories (only a sweep promotes, and the
//     caller holds the sweep lock, so none of them is in use);
//   - domain locks whose holder is gone (lock-file.ts decides: pid, boot, start time):
//     a run's app is torn down (stack, volumes, secrets, .env in the shared servers/)
//     and its directory cleared of temp files (a results.json the crash cut short);
//     a warm domain (a promote or a quick run) is only undeployed, because its .env and
//     volumes belong to the canonical, and its canonical is marked idle again, when the
//     record can be trusted (readTrustedCanonical); one that cannot is never rewritten,
//     only reported.
// Snapshot directories are the registry's business (recover.ts, per recipe, only when
// the record can be trusted). Every removal is a line of the answer and of the log.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { createOwnAbraDir } from '../effects/abra-dir.js';
import { tempFileWriter } from '../effects/atomic-file.js';
import { stackName } from '../effects/docker.js';
import { processAlive, readLockOwner, staleReason, tryAcquireLock, type LockOwner } from '../effects/lock-file.js';
import { definitionCachePath } from '../config/definition-cache.js';
import { loadEnrolled } from '../config/enrollment.js';
import { DOMAIN_LOCKS_DIR } from '../config/runs-layout.js';
import { MARKER as DASHBOARD_MARKER } from '../dashboard/marker.js';
import type { CanonicalRead } from '../registry/canonical.js';
import { canonicalPath } from '../registry/record-paths.js';
import { readTrustedCanonical } from '../registry/record-check.js';

export interface CleanupOptions {
  /** List what would be removed; remove nothing. */
  dryRun: boolean;
  log?: (line: string) => void;
  /** A sweep holds the lock (a dry run's caller saw it): its promote work directories are in use. */
  promotesRunning?: boolean;
}

export interface CleanupReport {
  /** One line per thing removed (dry run: that would be removed). */
  removed: string[];
  /** What could not be removed, and why; it is tried again next time. */
  problems: string[];
}

const DNS_NAME = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** The cache's bare clone is created under `<recipe>.git.<pid>.<hex>.tmp` and renamed. */
const CLONE_TEMP = /^[a-z0-9][a-z0-9_-]*\.git\.(\d+)\.[0-9a-f]+\.tmp$/;
/** A gc's own ABRA_DIR while it tears down apps: `<runsDir>/.gc-<pid>`. */
const GC_DIR = /^\.gc-(\d+)$/;

// The look-ups are synchronous: every sweep scans every recipe's directory, and a
// promise per directory (a trip through libuv's threads each) cost more than the scan.
function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

class Cleanup {
  readonly report: CleanupReport = { removed: [], problems: [] };
  private gcAbraDir: string | null = null;

  constructor(
    readonly config: Config,
    readonly options: CleanupOptions,
  ) {}

  private say(line: string): void {
    this.options.log?.(line);
  }

  /** Removes `target` (a file or a directory tree), or in a dry run says it would. */
  async remove(target: string, why: string): Promise<void> {
    const line = `${this.options.dryRun ? 'would remove' : 'removed'} ${target} (${why})`;
    if (!this.options.dryRun) {
      try {
        await rm(target, { recursive: true, force: true });
      } catch (error) {
        this.problem(`could not remove ${target}: ${(error as Error).message}`);
        return;
      }
    }
    this.report.removed.push(line);
    this.say(line);
  }

  problem(line: string): void {
    this.report.problems.push(line);
    this.say(`problem: ${line}`);
  }

  /** Temp files in `dir` whose writer is dead (`onlyPrefix`: only names starting so). */
  async deadTempFiles(dir: string, onlyPrefix = ''): Promise<void> {
    for (const name of entries(dir)) {
      if (!name.startsWith(onlyPrefix)) continue;
      const pid = tempFileWriter(name);
      if (pid === null || processAlive(pid)) continue;
      await this.remove(path.join(dir, name), `temp file of pid ${pid}, which is gone`);
    }
  }

  async tempFiles(): Promise<void> {
    const { stateDir, runsDir, cacheDir, metricsFile, abraDir, server, dashboardDir } = this.config;
    await this.deadTempFiles(stateDir);
    await this.deadTempFiles(path.join(stateDir, 'sweeps'));
    for (const name of entries(stateDir)) {
      if (name === 'sweeps' || name.startsWith('.')) continue;
      const dir = path.join(stateDir, name);
      if (isDirectory(dir)) await this.deadTempFiles(dir);
    }
    await this.deadTempFiles(runsDir);
    await this.deadTempFiles(path.join(runsDir, DOMAIN_LOCKS_DIR));
    const mirrors = path.join(cacheDir, 'mirrors');
    await this.deadTempFiles(mirrors);
    for (const name of entries(mirrors)) {
      const match = CLONE_TEMP.exec(name);
      if (match && !processAlive(Number(match[1]))) {
        await this.remove(path.join(mirrors, name), `half-made cache clone of pid ${match[1]}, which is gone`);
      }
    }
    // Beside files that are not ours only our own temp names, of our own targets. The
    // cache directory's root holds one file of ours (the definitions as last parsed); it
    // may be a cache directory other programs use too.
    await this.deadTempFiles(cacheDir, `.${path.basename(definitionCachePath(cacheDir))}.`);
    if (metricsFile) await this.deadTempFiles(path.dirname(metricsFile), `.${path.basename(metricsFile)}.`);
    // The dashboard directory once it is ours (its marker): the temp files of its own
    // writes (.cache.json, the lock, the links replaced in its root). A build's files and
    // the temp files of badges/ and runs/ are the next dashboard write's to remove.
    if (dashboardDir && existsSync(path.join(dashboardDir, DASHBOARD_MARKER))) await this.deadTempFiles(dashboardDir);
    if (server) await this.deadTempFiles(path.join(abraDir, 'servers', server));
    for (const name of entries(runsDir)) {
      const match = GC_DIR.exec(name);
      if (match && !processAlive(Number(match[1]))) await this.remove(path.join(runsDir, name), `work directory of a gc, pid ${match[1]}, which is gone`);
    }
  }

  /** `<run-id>-promote/` directories: the caller holds the sweep lock, so no promote is running. */
  async promoteDirectories(): Promise<void> {
    for (const name of entries(this.config.runsDir)) {
      const dir = path.join(this.config.runsDir, name);
      if (name.endsWith('-promote') && isDirectory(dir)) await this.remove(dir, 'work directory of a promote that did not finish');
    }
  }

  /** An ABRA_DIR for tearing down an app whose run left none: servers/ is the operator's. */
  private async abraDirFor(owner: LockOwner | null): Promise<string> {
    const runId = owner?.runId;
    if (runId && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) {
      const own = path.join(this.config.runsDir, runId, 'abra');
      if (existsSync(path.join(own, 'servers'))) return own;
    }
    if (!this.gcAbraDir) {
      this.gcAbraDir = await createOwnAbraDir(path.join(this.config.runsDir, `.gc-${process.pid}`, 'abra'), this.config.abraDir);
    }
    return this.gcAbraDir;
  }

  /** The recipe whose warm domain `domain` is under the configured domain, or null. */
  private warmRecipe(domain: string): string | null {
    const base = this.config.domain;
    if (!base || !domain.startsWith('warm-') || !domain.endsWith(`.${base}`)) return null;
    return domain.slice('warm-'.length, domain.length - base.length - 1);
  }

  async deadDomainLocks(): Promise<void> {
    const dir = path.join(this.config.runsDir, DOMAIN_LOCKS_DIR);
    for (const name of entries(dir).sort()) {
      if (!name.endsWith('.lock')) continue;
      const file = path.join(dir, name);
      const domain = name.slice(0, -'.lock'.length);
      const owner = await readLockOwner(file);
      const stale = staleReason(owner);
      if (stale === null) continue;
      // The run died holding its domain: its results.json may be half-written beside it.
      const runId = owner?.runId;
      if (runId && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) await this.deadTempFiles(path.join(this.config.runsDir, runId));
      if (!DNS_NAME.test(domain)) {
        await this.remove(file, `stale lock (${stale}) of something that is not an app domain`);
        continue;
      }
      await this.deadDomain(file, domain, owner, stale);
    }
  }

  private async deadDomain(file: string, domain: string, owner: LockOwner | null, stale: string): Promise<void> {
    const server = this.config.server;
    const recipe = this.warmRecipe(domain);
    const what = recipe
      ? `undeploy the warm app ${domain} (its holder: ${stale})`
      : `tear down the app ${domain}${owner?.runId ? ` of run ${owner.runId}` : ''} (its holder: ${stale})`;
    if (this.options.dryRun) {
      const line = `would ${what}`;
      this.report.removed.push(line);
      this.say(line);
      return;
    }
    if (!server) {
      this.problem(`cannot ${what}: no server is configured`);
      return;
    }
    // Take the dead holder's lock first: nobody else deploys on the domain meanwhile.
    let taken;
    try {
      taken = await tryAcquireLock(file, `ccci gc: ${recipe ? 'undeploying' : 'tearing down'} ${domain} after a crash`);
    } catch (error) {
      this.problem(`cannot ${what}: ${(error as Error).message}`);
      return;
    }
    if (!taken.acquired) return; // someone live took it over since: theirs now
    const app = { abraDir: await this.abraDirFor(owner), server, domain };
    const stack = stackName(domain);
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    let ok: boolean;
    let problems: string[] = [];
    // The run's teardown, loaded only when a crash left an app behind (rare).
    const { teardownApp, undeployIfDeployed } = await import('../run/teardown.js');
    let untrusted: string | null = null;
    let marked: string | null = null;
    if (recipe) {
      try {
        await undeployIfDeployed(app, stack, log);
        // Only a record the sweep would act on is written: one that cannot be trusted
        // (unreadable, another configuration's, its snapshot not what it records) is left
        // byte for byte as it is and reported; what to do with it is the operator's call.
        const read = await this.trustedCanonical(recipe);
        if (read.state === 'invalid') untrusted = read.problem;
        else if (read.state === 'present' && read.record.status === 'in-use') {
          const { writeCanonicalStatus } = await import('../registry/canonical.js');
          await writeCanonicalStatus(this.config.stateDir, recipe, 'idle');
          marked = `canonical of ${recipe} marked idle again`;
        }
        ok = true;
      } catch (error) {
        ok = false;
        problems = [(error as Error).message];
      }
    } else {
      const teardown = await teardownApp(app, stack, log);
      ok = teardown.ok;
      problems = teardown.problems;
    }
    if (!ok) {
      // The lock stays, naming this process: once it is gone, the next clean-up tries again.
      this.problem(`could not ${what}: ${problems.join('; ')}`);
      return;
    }
    await taken.lock.release();
    const line =
      `${recipe ? 'undeployed the warm app' : 'tore down the app'} ${domain}${owner?.runId ? ` of run ${owner.runId}` : ''} (its holder: ${stale})` +
      (marked ? `; ${marked}` : '');
    this.report.removed.push(line);
    this.say(line);
    if (untrusted !== null) {
      this.problem(`canonical of ${recipe} left as it is (not marked idle), it cannot be trusted: ${untrusted}`);
    }
  }

  /**
   * The recipe's canonical as the sweep would judge it (readTrustedCanonical, with the
   * recipe's own definition for its prerelease setting). A recipe whose definition cannot
   * be loaded (no longer enrolled, a broken recipe.yaml, an unreadable file) cannot be
   * judged: invalid, never a failure of the undeploy that went before.
   */
  private async trustedCanonical(recipe: string): Promise<CanonicalRead> {
    let allowPrereleases: boolean;
    try {
      const [enrolled] = await loadEnrolled(this.config, [recipe], { selectedBy: 'recipe' });
      allowPrereleases = enrolled?.definition.allowPrereleases ?? false;
    } catch (error) {
      const file = canonicalPath(this.config.stateDir, recipe);
      return { state: 'invalid', problem: `${file}: cannot be judged without the recipe's definition: ${(error as Error).message}` };
    }
    return readTrustedCanonical(this.config.stateDir, recipe, this.config.domain, { allowPrereleases });
  }

  async finish(): Promise<void> {
    if (this.gcAbraDir) await rm(path.dirname(this.gcAbraDir), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Removes what crashed sweeps, promotes and runs left. The caller holds the sweep lock
 * (or, on a dry run, has made sure no sweep is running): promote work directories are
 * then never in use.
 */
export async function removeLeftovers(config: Config, options: CleanupOptions): Promise<CleanupReport> {
  const cleanup = new Cleanup(config, options);
  try {
    await cleanup.tempFiles();
    if (!options.promotesRunning) await cleanup.promoteDirectories();
    await cleanup.deadDomainLocks();
  } finally {
    await cleanup.finish();
  }
  return cleanup.report;
}
