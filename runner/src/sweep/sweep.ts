// The canonical sweep: per enrolled recipe, mirror sync -> decide -> run cold on exactly
// the newest tag -> gate -> promote. Each recipe's failure is its own; the sweep goes on.
//
// What waits for what: syncs and decisions run SYNC_CONCURRENCY recipes at once and
// never wait for a deployment; a recipe that has to run queues for one of the
// maxConcurrentRuns deployment slots and the next recipe is synced meanwhile. A slot is
// held from the run's first deploy to the promote's undeploy; the promote's snapshot and
// record (the undeployed warm app's volumes) happen after it has been handed on.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { InterruptedError } from '../config/errors.js';
import type { Decision } from '../core/decision.js';
import { gate } from '../core/gate.js';
import { writeJsonAtomic } from '../effects/atomic-file.js';
import { checkFailpointSpec } from '../effects/failpoint.js';
import { describeOwner, describeTakeover, tryAcquireLock } from '../effects/lock-file.js';
import { INTERRUPTED, readAttemptMemory, recordAttempt, type Attempt, type MemoryRead } from '../registry/attempts.js';
import { canonicalTagMove, decideFrom, describeTagMove, tagCommitsOf } from './decision-input.js';
import type { CanonicalRecord } from '../registry/canonical.js';
import { canonicalPath } from '../registry/record-paths.js';
import { readTrustedCanonical } from '../registry/record-check.js';
import { removeLeftovers, type CleanupReport } from './leftovers.js';
import { loadEnrolled, type EnrolledRecipe } from '../config/enrollment.js';
import { NO_LISTINGS_AHEAD, type ListingsAhead } from '../mirror/listings-ahead.js';
import { writeMetrics } from './metrics.js';
import { dashboardAfterSweep } from './dashboard-after-sweep.js';
import type { Progress } from './progress.js';
import { formatDuration } from '../text/format.js';
import { recoverRecipeState } from './recover.js';
import { FAILING_OUTCOMES, writeSweepReport, type Outcome, type RecipeReport, type SweepReport } from './report.js';
import type { SweepEffects } from './effects.js';
import { inPool, slots, type Slots } from './slots.js';

/** How many recipes are synced and decided at once (runs are limited by maxConcurrentRuns). */
export const SYNC_CONCURRENCY = 4;

export interface SweepOptions {
  recipes: readonly string[];
  dryRun: boolean;
  retryRed: boolean;
  signal?: AbortSignal;
  now?: () => Date;
}

export type SweepOutcome =
  | { kind: 'locked'; holder: string }
  | { kind: 'done'; report: SweepReport; reportFile: string | null };

export function sweepLockPath(config: Config): string {
  return path.join(config.stateDir, 'sweep.lock');
}

function sweepIdAt(date: Date): string {
  return `${date.toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`;
}


function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

function summary(record: CanonicalRecord | null): { version: string; commit: string } | null {
  return record ? { version: record.version, commit: record.commit } : null;
}

export async function sweep(
  config: Config,
  options: SweepOptions,
  effects: SweepEffects,
  progress: Progress,
): Promise<SweepOutcome> {
  const now = options.now ?? (() => new Date());
  // Validate enrollment before taking the lock or touching anything (exit 2 on a hollow sweep).
  const enrolled = await loadEnrolled(config, options.recipes, options.dryRun ? {} : { writeCache: writeJsonAtomic });
  checkFailpointSpec();
  let release: (() => Promise<void>) | null = null;
  // The sweep lock of a sweep (or gc) that died holding it is taken over: said in the
  // cleanup's lines and report (whose lock, since when, why stale), never silently.
  let takeover: string | null = null;
  if (!options.dryRun) {
    const attempt = await tryAcquireLock(sweepLockPath(config), `ccci sweep ${options.retryRed ? '--retry-red' : ''}`.trim());
    if (!attempt.acquired) return { kind: 'locked', holder: describeOwner(attempt.heldBy) };
    release = attempt.lock.release;
    if (attempt.tookOver) takeover = describeTakeover(sweepLockPath(config), attempt.tookOver);
  }
  try {
    const started = now();
    const sweepId = sweepIdAt(started);
    progress.line(
      `sweep ${sweepId}: ${enrolled.length} enrolled recipe(s): ${enrolled.map((r) => r.name).join(', ')}` +
        `${options.dryRun ? ' [dry run]' : ''}${options.retryRed ? ' [retry red]' : ''}`,
    );
    // What the syncs will list, started at once in their order (no spawn per listing),
    // and before the cleanup below, which the listings then overlap: they only read the
    // remotes, and their outputs' directory is named for this live sweep, so the cleanup
    // (of dead writers' files only) leaves it alone.
    const ahead =
      (await effects.listAhead?.(config, enrolled.map((r) => r.name), {
        concurrency: SYNC_CONCURRENCY,
        dryRun: options.dryRun,
        ...(options.signal ? { signal: options.signal } : {}),
      })) ?? NO_LISTINGS_AHEAD;
    const reports: RecipeReport[] = new Array(enrolled.length);
    const runs: Promise<void>[] = [];
    let cleanup: CleanupReport = { removed: [], problems: [] };
    try {
      // What earlier crashes left (temp files, promote work directories, apps of dead
      // runs) goes before any recipe, under the lock: no promote of ours is running yet.
      if (!options.dryRun) {
        if (takeover) progress.line(`cleanup: ${takeover}`);
        cleanup = await removeLeftovers(config, { dryRun: false, log: (line) => progress.line(`cleanup: ${line}`) });
        if (takeover) cleanup.removed.unshift(takeover);
      }
      // Mirror syncs and decisions are cheap and network-bound: several at once. Runs and
      // promotes deploy real stacks: at most maxConcurrentRuns at once, queued apart from
      // the syncs so that no sync waits behind a deployment.
      const runSlots = slots(config.maxConcurrentRuns);
      await inPool(enrolled, SYNC_CONCURRENCY, async (recipe, index) => {
        const swept = await sweepRecipe(config, options, effects, progress, runSlots, recipe, index + 1, enrolled.length, sweepId, ahead);
        if (swept.kind === 'done') reports[index] = swept.report;
        else runs.push(swept.run.then((report) => void (reports[index] = report)));
      });
    } finally {
      await ahead.close();
    }
    await Promise.all(runs);
    const finished = now();
    // A sweep stopped by a signal did not do its night's work, whatever each recipe it
    // reached had come to: never `ok`.
    const interrupted = options.signal?.aborted ? reasonOf(options.signal) : null;
    const failed = interrupted !== null || reports.some((r) => FAILING_OUTCOMES.includes(r.outcome));
    const report: SweepReport = {
      schema: 1,
      sweepId,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      dryRun: options.dryRun,
      retryRed: options.retryRed,
      enrolled: enrolled.map((r) => r.name),
      result: failed ? 'failed' : 'ok',
      exitCode: failed ? 1 : 0,
      interrupted,
      cleanup,
      recipes: reports,
      warnings: [],
    };
    let reportFile: string | null = null;
    if (!options.dryRun) {
      reportFile = await writeSweepReport(config.stateDir, report);
      if (config.metricsFile) await writeMetrics(config, config.metricsFile, report);
      // The dashboard reads the report just written; a failure is recorded in it, nothing more.
      const dashboardProblem = await dashboardAfterSweep(config, progress, finished);
      if (dashboardProblem) {
        report.warnings = [dashboardProblem];
        await writeSweepReport(config.stateDir, report);
      }
    }
    return { kind: 'done', report, reportFile };
  } finally {
    if (release) await release();
  }
}

async function sweepRecipe(
  config: Config,
  options: SweepOptions,
  effects: SweepEffects,
  progress: Progress,
  runSlots: Slots,
  enrolled: EnrolledRecipe,
  index: number,
  total: number,
  sweepId: string,
  listingsAhead: ListingsAhead,
): Promise<{ kind: 'done'; report: RecipeReport } | { kind: 'run'; run: Promise<RecipeReport> }> {
  const recipe = enrolled.name;
  const startedMs = Date.now();
  const step = (message: string) => progress.step(index, total, recipe, message);
  const report: RecipeReport = {
    recipe,
    decision: null,
    reason: '',
    latestTag: null,
    canonicalBefore: null,
    canonicalAfter: null,
    runId: null,
    verdict: null,
    level: null,
    promoted: false,
    outcome: 'error',
    durationMs: 0,
    warnings: [],
    error: null,
  };
  let decision: Decision | null = null;
  let tagCommit: string | null = null;
  let tagMoved: Attempt['canonicalTagMoved'] = null;
  let memory: MemoryRead | undefined;
  const finish = async (outcome: Outcome, reason: string, error: string | null = null): Promise<RecipeReport> => {
    report.outcome = outcome;
    report.reason = reason;
    report.error = error;
    report.durationMs = Date.now() - startedMs;
    const last = `${outcome}: ${error ?? reason} (${formatDuration(report.durationMs)})`;
    if (progress.done) progress.done(index, total, recipe, last);
    else step(last);
    if (!options.dryRun) {
      await recordAttempt(config.stateDir, {
        at: new Date().toISOString(),
        sweepId,
        recipe,
        decision: report.decision ?? 'error',
        tag: decision?.tag ?? null,
        commit: tagCommit,
        runId: report.runId,
        verdict: report.verdict,
        level: report.level,
        promoted: report.promoted,
        outcome,
        durationMs: report.durationMs,
        canonicalTagMoved: tagMoved,
      }, memory).catch((e: unknown) => report.warnings.push(`could not record the attempt: ${(e as Error).message}`));
    }
    return report;
  };
  const done = async (outcome: Outcome, reason: string, error: string | null = null) =>
    ({ kind: 'done', report: await finish(outcome, reason, error) }) as const;

  try {
    const stopped = () => (options.signal?.aborted ? `the sweep was interrupted (${reasonOf(options.signal)})` : null);
    const stoppedBefore = stopped();
    if (stoppedBefore) return await done(INTERRUPTED, `${stoppedBefore} before this recipe`);
    // A record that names a missing or inconsistent snapshot, or another configuration's
    // domain, reads as invalid: error:registry, and nothing is pruned or deployed for it.
    const read = await readTrustedCanonical(config.stateDir, recipe, config.domain, {
      allowPrereleases: enrolled.definition.allowPrereleases,
    });
    const before = read.state === 'present' ? read.record : null;
    report.canonicalBefore = summary(before);
    report.canonicalAfter = summary(before);
    if (!options.dryRun && read.state !== 'invalid') {
      const repaired = await recoverRecipeState(config.stateDir, recipe, before);
      for (const note of repaired) report.warnings.push(note);
    }

    step('mirror sync …');
    const synced = await effects.syncMirror(config, recipe, {
      dryRun: options.dryRun,
      canonicalVersion: before?.version ?? null,
      listingsAhead,
    });
    report.warnings.push(...synced.warnings);
    for (const warning of synced.warnings) step(`warning: ${warning}`);

    const tags = synced.tags.map((t) => t.tag);
    const tagCommits = tagCommitsOf(synced.tags);
    // Said on every sweep, not only the one whose sync saw the tag move, until a promote
    // of a newer version makes the question moot.
    tagMoved = before ? canonicalTagMove(before, tagCommits) : null;
    if (tagMoved) {
      report.warnings.push(describeTagMove(tagMoved));
      step(`warning: ${describeTagMove(tagMoved)}`);
    }
    memory = await readAttemptMemory(config.stateDir, recipe);
    decision = decideFrom(enrolled, read, synced.tags, memory.memory, options.retryRed);
    report.decision = decision.code;
    report.latestTag = decision.tag;
    tagCommit = decision.commit;
    if (decision.rejectedTags.length > 0) {
      report.warnings.push(`not release tags: ${decision.rejectedTags.map((t) => `${t.tag} (${t.reason})`).join(', ')}`);
    }
    if (decision.action === 'error') {
      // Say where: an invalid record's problem names its file already, a bad version does not.
      const file = canonicalPath(config.stateDir, recipe);
      const error = decision.reason.includes(file) ? decision.reason : `${decision.reason} in ${file}`;
      return await done('error', decision.reason, error);
    }
    if (decision.action === 'skip') return await done('skipped', decision.reason);
    const tag = decision.tag as string;
    if (options.dryRun) return await done('would-run', `${decision.reason}: would run cold on ${tag}`);

    const canonicalBefore = before;
    const runCommit = decision.commit ?? '';
    const run = async (): Promise<RecipeReport> => {
      const release = await runSlots.acquire();
      try {
        const stoppedWaiting = stopped();
        if (stoppedWaiting) return await finish(INTERRUPTED, `${stoppedWaiting} before the run on ${tag}`);
        return await runAndPromote(release);
      } catch (error) {
        // A signal while the run staged its checkout, before its first rung: nothing was
        // deployed and there is no result, but it is an interruption, not an error.
        if (error instanceof InterruptedError) return await interruptedRun(error.message);
        return await finish('error', 'the recipe could not be swept', (error as Error).message);
      } finally {
        release();
      }
    };
    // Neither green nor red: not promoted, not remembered as red. A tag that is not known
    // red runs again on the next sweep; a known red one (this is a --retry-red sweep) stays
    // known red, so only the next --retry-red sweep runs it again.
    const interruptedRun = async (why: string): Promise<RecipeReport> => {
      const knownRed = memory?.memory.red.some((red) => red.tag === tag && red.commit === runCommit) ?? false;
      const next = knownRed ? `the next --retry-red sweep (${tag} is still known red)` : 'the next sweep';
      return await finish(INTERRUPTED, `${why}; ${tag} runs again on ${next}`);
    };
    const runAndPromote = async (releaseSlot: () => void): Promise<RecipeReport> => {
      step(`run on ${tag} (${runCommit.slice(0, 8)}) …`);
      const result = await effects.runRecipeCi({
        config,
        recipe,
        definition: enrolled.definition,
        source: { kind: 'git', url: synced.repoDir, ref: tag },
        mode: 'cold',
        prRef: null,
        canonical: canonicalBefore,
        tags,
        ...(options.signal ? { signal: options.signal } : {}),
        log: (line) => step(`  ${line}`),
      });
      report.runId = result.runId;
      report.level = result.level;
      const stoppedRunning = result.outcome === INTERRUPTED ? `the run was interrupted` : stopped();
      if (stoppedRunning) {
        step(`run ${result.runId}: interrupted at level L${result.level}`);
        return await interruptedRun(stoppedRunning);
      }
      report.verdict = result.verdict;
      step(`run ${result.runId}: ${result.verdict}, level L${result.level}`);

      const gateInput = {
        enrolled: true,
        verdict: result.verdict,
        mode: result.mode,
        prRef: result.prRef,
        testedVersion: result.version,
        testedCommit: result.commit,
        stagedTag: tag,
        tags,
        tagCommits,
        allowPrereleases: enrolled.definition.allowPrereleases,
      };
      let verdictGate = gate(gateInput);
      if (verdictGate.promote) {
        // The tag as upstream has it right now: a tag moved while the run ran is not promoted.
        let upstreamCommit: string | null;
        try {
          upstreamCommit = await effects.upstreamTagCommit(config, recipe, result.version);
        } catch (error) {
          return await finish('not-promoted', `no promote: could not re-read tag ${result.version} upstream: ${(error as Error).message}`);
        }
        const fresh = { ...tagCommits };
        if (upstreamCommit === null) delete fresh[result.version];
        else fresh[result.version] = upstreamCommit;
        verdictGate = gate({ ...gateInput, tagCommits: fresh });
        if (!verdictGate.promote && upstreamCommit !== result.commit) {
          return await finish(
            'not-promoted',
            `${verdictGate.reason} (re-read upstream right before the promote: ${upstreamCommit === null ? 'the tag is gone' : `the tag moved during the run`})`,
          );
        }
      }
      if (!verdictGate.promote) {
        if (result.verdict === 'red') return await finish('red', `red at level L${result.level}: ${result.verdictReason}`);
        return await finish('not-promoted', verdictGate.reason);
      }

      step(`promote ${result.version} …`);
      try {
        const promoted = await effects.promote({
          config,
          recipe,
          definition: enrolled.definition,
          repoDir: synced.repoDir,
          version: result.version,
          commit: result.commit,
          runId: result.runId,
          level: result.level,
          previous: canonicalBefore,
          log: (line) => step(`  ${line}`),
          onUndeployed: releaseSlot,
        });
        report.promoted = true;
        report.canonicalAfter = summary(promoted);
        return await finish('promoted', `${verdictGate.reason}; canonical is now ${promoted.version}`);
      } catch (error) {
        return await finish('promote-failed', verdictGate.reason, `promote failed: ${(error as Error).message}`);
      }
    };
    return { kind: 'run', run: run() };
  } catch (error) {
    return await done('error', 'the recipe could not be swept', (error as Error).message);
  }
}
