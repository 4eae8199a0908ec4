// How the dashboard shows a sweep outcome. Outcomes are open strings: the runner may
// learn new ones (attempts.jsonl keeps whatever the sweep wrote), and an unknown one
// gets the neutral style with its own name as the label, never an error. Pure.

export type OutcomeClass =
  | 'promoted'
  | 'skipped'
  | 'red'
  | 'error'
  | 'interrupted'
  | 'not-promoted'
  | 'promote-failed'
  | 'would-run'
  | 'other'
  | 'none';

export interface OutcomeStyle {
  /** The CSS class (a fixed word: never taken from the input). */
  cls: OutcomeClass;
  /** What a person reads. */
  label: string;
  /** Which outcome marks a night when it had several sweeps: the highest rank. */
  rank: number;
}

const KNOWN: Readonly<Record<string, OutcomeStyle>> = {
  skipped: { cls: 'skipped', label: 'skipped', rank: 0 },
  'would-run': { cls: 'would-run', label: 'would run', rank: 1 },
  promoted: { cls: 'promoted', label: 'promoted', rank: 2 },
  'not-promoted': { cls: 'not-promoted', label: 'not promoted', rank: 4 },
  interrupted: { cls: 'interrupted', label: 'interrupted', rank: 5 },
  error: { cls: 'error', label: 'error', rank: 6 },
  'promote-failed': { cls: 'promote-failed', label: 'promote failed', rank: 7 },
  red: { cls: 'red', label: 'red', rank: 8 },
};

/** An outcome the dashboard does not know: between a promote and a failure. */
const OTHER_RANK = 3;
/** A night without any sweep. */
export const NO_SWEEP: OutcomeStyle = { cls: 'none', label: 'no sweep', rank: -1 };

export function outcomeStyle(outcome: string | null | undefined): OutcomeStyle {
  if (outcome === null || outcome === undefined) return NO_SWEEP;
  if (Object.hasOwn(KNOWN, outcome)) return { ...(KNOWN[outcome] as OutcomeStyle) };
  return { cls: 'other', label: outcome, rank: OTHER_RANK };
}

/** The classes a legend shows, in the order of their rank. */
export const LEGEND: readonly OutcomeStyle[] = [
  ...Object.values(KNOWN).filter((s) => s.cls !== 'would-run'),
  { cls: 'other' as const, label: 'other', rank: OTHER_RANK },
  NO_SWEEP,
].sort((a, b) => a.rank - b.rank);

/** Outcomes an operator has to look at. */
export function needsAttention(outcome: string | null): boolean {
  const cls = outcomeStyle(outcome).cls;
  return cls === 'red' || cls === 'error' || cls === 'promote-failed' || cls === 'not-promoted' || cls === 'interrupted' || cls === 'other';
}
