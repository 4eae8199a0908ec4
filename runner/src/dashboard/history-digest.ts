// What the dashboard needs of a recipe's whole history, folded line by line: the red
// tags (per tag and commit: first and last time, how many, the newest run), the tags
// ever promoted, the newest attempt, the newest one with a tag, the newest run, and the
// rows of the recent-sweeps table. Pure: no I/O.
//
// Why a fold: the nights the dashboard draws are a window (the last 90), but a red tag
// or a promotion can be years old. Folded, the digest is kept in the dashboard's cache
// and brought up to date with the lines written since (read-history.ts), so a write
// costs the same on night 3650 as on night 90. Folding a history in any two parts gives
// the digest of folding it whole (a property test holds this).
import type { Attempt } from '../registry/attempts.js';

/** The red runs of one tag at one commit. */
export interface RedTally {
  tag: string;
  commit: string | null;
  firstAt: string;
  lastAt: string;
  /** How many red runs of this tag at this commit. */
  count: number;
  /** The newest red run. */
  runId: string | null;
}

/** One or more consecutive attempts that said the same (no run, same decision, tag and outcome). */
export interface RecentRow {
  /** The newest of them. */
  attempt: Attempt;
  /** When the oldest of them was. */
  since: string;
  count: number;
}

export interface HistoryDigest {
  /** In the order their first red run was written. */
  red: RedTally[];
  /** Tags that were ever promoted, each once, in the order of their first promotion. */
  promoted: string[];
  last: Attempt | null;
  /** The newest attempt that named a tag (its tag and commit). */
  lastTagged: { tag: string; commit: string | null } | null;
  /** The run id of the newest attempt that ran. */
  lastRunId: string | null;
  /** The newest rows of the recent-sweeps table, newest first, at most RECENT_ROWS. */
  recent: RecentRow[];
}

/** Rows of the recent-sweeps table. */
export const RECENT_ROWS = 6;

export const EMPTY_DIGEST: HistoryDigest = Object.freeze({
  red: [],
  promoted: [],
  last: null,
  lastTagged: null,
  lastRunId: null,
  recent: [],
}) as HistoryDigest;

/** Whether the dashboard counts an attempt as a red run of its tag. */
export function isRed(attempt: Attempt): boolean {
  // An interrupted run is never red, whatever verdict its rungs had reached.
  return attempt.outcome === 'red' || (attempt.verdict === 'red' && attempt.outcome !== 'interrupted');
}

/** Whether `a` joins `row` (both without a run, saying the same). */
function sameRow(row: RecentRow, a: Attempt): boolean {
  const b = row.attempt;
  return a.runId === null && b.runId === null && a.outcome === b.outcome && a.decision === b.decision && a.tag === b.tag && a.commit === b.commit;
}

/** The digest after `attempts` (oldest first) are folded onto `digest`. `digest` itself is not changed. */
export function digestMore(digest: HistoryDigest, attempts: readonly Attempt[]): HistoryDigest {
  if (attempts.length === 0) return digest;
  const red = digest.red.map((tally) => ({ ...tally }));
  const redByKey = new Map(red.map((tally) => [`${tally.tag}\u0000${tally.commit ?? ''}`, tally]));
  const promoted = [...digest.promoted];
  const promotedSet = new Set(promoted);
  let { last, lastTagged, lastRunId } = digest;
  const recent = [...digest.recent];
  for (const a of attempts) {
    last = a;
    if (a.tag !== null) lastTagged = { tag: a.tag, commit: a.commit };
    if (a.runId !== null) lastRunId = a.runId;
    if (a.promoted && a.tag !== null && !promotedSet.has(a.tag)) {
      promotedSet.add(a.tag);
      promoted.push(a.tag);
    }
    if (isRed(a) && a.tag !== null) {
      const key = `${a.tag}\u0000${a.commit ?? ''}`;
      const seen = redByKey.get(key);
      if (!seen) {
        const tally = { tag: a.tag, commit: a.commit, firstAt: a.at, lastAt: a.at, count: 1, runId: a.runId };
        red.push(tally);
        redByKey.set(key, tally);
      } else {
        seen.count += 1;
        if (a.at < seen.firstAt) seen.firstAt = a.at;
        if (a.at >= seen.lastAt) {
          seen.lastAt = a.at;
          seen.runId = a.runId ?? seen.runId;
        }
      }
    }
    const newest = recent[0];
    if (newest && sameRow(newest, a)) recent[0] = { attempt: a, since: newest.since, count: newest.count + 1 };
    else {
      recent.unshift({ attempt: a, since: a.at, count: 1 });
      if (recent.length > RECENT_ROWS) recent.length = RECENT_ROWS;
    }
  }
  return { red, promoted, last, lastTagged, lastRunId, recent };
}

/** The digest of a whole history, oldest first. */
export function digestOf(attempts: readonly Attempt[]): HistoryDigest {
  return digestMore(EMPTY_DIGEST, attempts);
}
