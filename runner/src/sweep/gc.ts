// `ccci gc [--dry-run]`: what the start of a sweep cleans up after crashes, on demand,
// plus the snapshot directories no trusted canonical.json names. It takes the sweep
// lock (a running sweep is the only thing that promotes); a dry run takes nothing and
// changes nothing, and leaves promote work directories out while a sweep is running.
import type { Config } from '../config/config.js';
import { loadEnrolled } from '../config/enrollment.js';
import { describeOwner, describeTakeover, liveHolder, staleLock, tryAcquireLock } from '../effects/lock-file.js';
import { readTrustedCanonical } from '../registry/record-check.js';
import { removeLeftovers, type CleanupReport } from './leftovers.js';
import { recoverRecipeState } from './recover.js';
import { sweepLockPath } from './sweep.js';

export type GcOutcome = { kind: 'locked'; holder: string } | { kind: 'done'; report: CleanupReport };

export async function collectGarbage(config: Config, options: { dryRun: boolean; log?: (line: string) => void }): Promise<GcOutcome> {
  const log = options.log ?? (() => undefined);
  // The definitions say whether a prerelease canonical is allowed: without them no
  // record could be judged, so a hollow enrollment stops gc (exit 2) as it stops a sweep.
  const enrolled = await loadEnrolled(config);
  let release: (() => Promise<void>) | null = null;
  let sweepRunning = false;
  // A sweep lock whose holder died is taken over (a live holder's never is), and said so:
  // the lock, whose it was and since when, first of what was removed.
  let takeover: string | null = null;
  const lockFile = sweepLockPath(config);
  if (options.dryRun) {
    const holder = await liveHolder(lockFile);
    if (holder) {
      sweepRunning = true;
      log(`a sweep is running (${describeOwner(holder)}): its promote work directories are left out`);
    } else {
      const stale = await staleLock(lockFile);
      if (stale) takeover = describeTakeover(lockFile, stale, 'would take');
    }
  } else {
    const attempt = await tryAcquireLock(lockFile, 'ccci gc');
    if (!attempt.acquired) return { kind: 'locked', holder: describeOwner(attempt.heldBy) };
    release = attempt.lock.release;
    if (attempt.tookOver) takeover = describeTakeover(lockFile, attempt.tookOver);
  }
  try {
    if (takeover) log(takeover);
    const report = await removeLeftovers(config, { dryRun: options.dryRun, log, promotesRunning: sweepRunning });
    if (takeover) report.removed.unshift(takeover);
    for (const { name: recipe, definition } of enrolled) {
      const read = await readTrustedCanonical(config.stateDir, recipe, config.domain, {
        allowPrereleases: definition.allowPrereleases,
      });
      if (read.state === 'invalid') {
        const line = `${recipe}: snapshots left as they are until the record is fixed: ${read.problem}`;
        report.problems.push(line);
        log(`problem: ${line}`);
        continue;
      }
      const notes = await recoverRecipeState(config.stateDir, recipe, read.state === 'present' ? read.record : null, {
        dryRun: options.dryRun,
      });
      for (const note of notes) {
        report.removed.push(`${recipe}: ${note}`);
        log(`${recipe}: ${note}`);
      }
    }
    return { kind: 'done', report };
  } finally {
    if (release) await release();
  }
}
