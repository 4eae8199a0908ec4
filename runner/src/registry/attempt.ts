// One sweep attempt of one recipe (a line of its attempts history), and what the sweep
// remembers of all of them: the red runs and the last attempt. Pure: no I/O.
//
// The memory is a fold of the history, line by line, so it can be kept beside the
// history (attempts.ts) and brought up to date by folding only the lines written since,
// and any split of the history gives the same memory as folding it whole.
import { hasKeys, isFiniteNumberIn, isIntegerIn, isPlainObject, isStringOrNull, type Checked } from '../core/record-checks.js';

export interface Attempt {
  at: string;
  sweepId: string;
  recipe: string;
  decision: string;
  tag: string | null;
  commit: string | null;
  runId: string | null;
  verdict: 'green' | 'red' | null;
  level: number | null;
  promoted: boolean;
  /** The recipe's outcome in the sweep report, e.g. promoted, red, promote-failed, skipped. */
  outcome: string;
  durationMs: number;
  /** Set when the canonical's tag named another commit upstream than the canonical was tested at. */
  canonicalTagMoved?: TagMove | null;
}

export interface TagMove {
  tag: string;
  recorded: string;
  now: string;
}

/** The fields in the order the schema (attempt-schema.ts) gives them. */
export const ATTEMPT_KEYS = [
  'at',
  'sweepId',
  'recipe',
  'decision',
  'tag',
  'commit',
  'runId',
  'verdict',
  'level',
  'promoted',
  'outcome',
  'durationMs',
] as const;
/** Fields a line may carry when they apply. */
export const ATTEMPT_OPTIONAL_KEYS = ['canonicalTagMoved'] as const;

export interface RedRun {
  tag: string;
  commit: string;
}

export interface AttemptMemory {
  /**
   * Every tag that ran with a red verdict, at the commit it ran at, oldest first, each
   * once. Keyed on the verdict, not on the outcome: an outcome that is not a verdict
   * (interrupted, error) never makes a tag known-red, however it is spelled.
   */
  red: RedRun[];
  /** The newest attempt, whatever it was. */
  last: Attempt | null;
}

export const NO_MEMORY: AttemptMemory = Object.freeze({ red: [], last: null }) as AttemptMemory;

export function isRedRun(attempt: Attempt): attempt is Attempt & RedRun {
  // A run that a signal stopped has no verdict; the outcome is checked too, so that a line
  // that says both (written by hand, or by an older runner) is never remembered as red.
  return attempt.verdict === 'red' && attempt.outcome !== 'interrupted' && attempt.tag !== null && attempt.commit !== null;
}

/** The memory after one more attempt. */
export function remember(memory: AttemptMemory, attempt: Attempt): AttemptMemory {
  let red = memory.red;
  if (isRedRun(attempt) && !red.some((r) => r.tag === attempt.tag && r.commit === attempt.commit)) {
    red = [...red, { tag: attempt.tag, commit: attempt.commit }];
  }
  return { red, last: attempt };
}

export function rememberAll(memory: AttemptMemory, attempts: readonly Attempt[]): AttemptMemory {
  // One array for the whole run instead of a copy per red attempt.
  const red = [...memory.red];
  let last = memory.last;
  for (const attempt of attempts) {
    if (isRedRun(attempt) && !red.some((r) => r.tag === attempt.tag && r.commit === attempt.commit)) {
      red.push({ tag: attempt.tag, commit: attempt.commit });
    }
    last = attempt;
  }
  return { red, last };
}

/**
 * The attempt as attemptSchema would return it, for a line with exactly the schema's
 * fields; undefined otherwise (the schema then decides: it also accepts and drops
 * unknown fields, which the plain check leaves to it).
 */
const ATTEMPT_ALLOWED_KEYS: readonly string[] = [...ATTEMPT_KEYS, ...ATTEMPT_OPTIONAL_KEYS];

export function checkAttempt(raw: unknown): Checked<Attempt> {
  if (!isPlainObject(raw) || !hasKeys(raw, ATTEMPT_ALLOWED_KEYS, ATTEMPT_KEYS)) return undefined;
  const { at, sweepId, recipe, decision, tag, commit, runId, verdict, level, promoted, outcome, durationMs } = raw;
  const moved = raw.canonicalTagMoved;
  const text = (v: unknown): v is string => typeof v === 'string';
  if (!text(at) || !text(sweepId) || !text(recipe) || !text(decision) || !text(outcome)) return undefined;
  if (!isStringOrNull(tag) || !isStringOrNull(commit) || !isStringOrNull(runId)) return undefined;
  if (verdict !== null && verdict !== 'green' && verdict !== 'red') return undefined;
  if (level !== null && !isIntegerIn(level, 0, 5)) return undefined;
  if (typeof promoted !== 'boolean' || !isFiniteNumberIn(durationMs, 0, Number.MAX_VALUE)) return undefined;
  const attempt: Attempt = { at, sweepId, recipe, decision, tag, commit, runId, verdict, level, promoted, outcome, durationMs };
  if (moved === undefined) return attempt;
  if (moved === null) return { ...attempt, canonicalTagMoved: null };
  if (!isPlainObject(moved) || !hasKeys(moved, ['tag', 'recorded', 'now'])) return undefined;
  if (!text(moved.tag) || !text(moved.recorded) || !text(moved.now)) return undefined;
  return { ...attempt, canonicalTagMoved: { tag: moved.tag, recorded: moved.recorded, now: moved.now } };
}
