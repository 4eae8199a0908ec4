// The last N nights of a recipe: one mark per UTC calendar day, from its attempts.
// A night with several sweeps (a manual one after the nightly, the weekly retry) is
// marked by its most serious outcome, so a red at 02:00 is not hidden by a skip at
// 09:00; every outcome of the night is kept for the mark's title. Pure.
import { NO_SWEEP, outcomeStyle, type OutcomeClass, type OutcomeStyle } from './outcomes.js';

export interface NightAttempt {
  at: string;
  outcome: string;
  tag: string | null;
  durationMs: number;
}

export interface Night {
  /** YYYY-MM-DD (UTC). */
  date: string;
  /** The night's mark: its most serious outcome; NO_SWEEP when nothing ran. */
  style: OutcomeStyle;
  /** Every attempt of the night, in time order. */
  attempts: NightAttempt[];
}

const DAY_MS = 86_400_000;

const ISO_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** The UTC day of an ISO time, or null when it is not one. */
export function utcDay(iso: string): string | null {
  // What the runner writes (toISOString): the day is its first ten characters.
  if (ISO_UTC.test(iso)) return iso.slice(0, 10);
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : null;
}

// The dashboard asks for the same window once per recipe: the last answer is kept.
let lastWindow: { key: string; dates: readonly string[] } | null = null;

/** The `count` UTC days ending with the day of `end`, oldest first. */
export function nightDates(end: string, count: number): string[] {
  const key = `${end}\u0000${count}`;
  if (lastWindow?.key === key) return [...lastWindow.dates];
  const dates = computeNightDates(end, count);
  lastWindow = { key, dates };
  return [...dates];
}

function computeNightDates(end: string, count: number): string[] {
  const last = Date.parse(`${utcDay(end) ?? end.slice(0, 10)}T00:00:00.000Z`);
  if (!Number.isFinite(last)) throw new Error(`not a time: ${JSON.stringify(end)}`);
  return Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

function mostSerious(attempts: readonly NightAttempt[]): OutcomeStyle {
  let best = NO_SWEEP;
  for (const attempt of attempts) {
    const style = outcomeStyle(attempt.outcome);
    if (style.rank > best.rank) best = style;
  }
  return best;
}

/** The nights ending with the day of `end`; attempts outside them (or with a bad time) are left out. */
export function nightsOf(attempts: readonly NightAttempt[], end: string, count: number): Night[] {
  const dates = nightDates(end, count);
  const byDate = new Map<string, NightAttempt[]>(dates.map((d) => [d, []]));
  for (const attempt of attempts) {
    const day = utcDay(attempt.at);
    if (day !== null) byDate.get(day)?.push(attempt);
  }
  return dates.map((date) => {
    const list = byDate.get(date) as NightAttempt[];
    if (list.length > 1) list.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { date, style: mostSerious(list), attempts: list };
  });
}

export interface Segment {
  /** Index of the first night. */
  start: number;
  /** How many nights. */
  length: number;
  cls: OutcomeClass;
  /** The nights of the segment. */
  nights: Night[];
}

/**
 * Runs of consecutive nights with the same class, merged: a quiet recipe's 90 nights are a
 * few shapes, not 90. Unknown outcomes of different names are not merged with each other.
 */
export function segmentsOf(nights: readonly Night[]): Segment[] {
  const segments: Segment[] = [];
  nights.forEach((night, index) => {
    const last = segments.at(-1);
    const sameLabel = last !== undefined && (night.style.cls !== 'other' || last.nights[0]?.style.label === night.style.label);
    if (last && last.cls === night.style.cls && sameLabel) {
      last.length += 1;
      last.nights.push(night);
    } else {
      segments.push({ start: index, length: 1, cls: night.style.cls, nights: [night] });
    }
  });
  return segments;
}

/** "85 skipped, 3 promoted, 2 no sweep": how many nights of each mark, most first. */
export function nightCounts(nights: readonly Night[]): { label: string; cls: OutcomeClass; count: number }[] {
  const counts = new Map<string, { label: string; cls: OutcomeClass; count: number }>();
  for (const night of nights) {
    const key = `${night.style.cls}\u0000${night.style.label}`;
    const entry = counts.get(key) ?? { label: night.style.label, cls: night.style.cls, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
