// The level ladder of one recipe CI run: L1 install, L2 upgrade, L3 backup+restore,
// L4 functional, L5 lint (advisory). Pure.

export const LADDER = ['install', 'upgrade', 'backup', 'functional', 'lint'] as const; // L1..L5
export type Rung = (typeof LADDER)[number];
/** pass, fail, skip (does not apply, with a reason elsewhere) or unver (should have run and did not). */
export type RungStatus = 'pass' | 'fail' | 'skip' | 'unver';
export type RungStatuses = Record<Rung, RungStatus>;

/** Rungs whose failure makes a run red; lint (L5) only lowers the level. */
export const GATING_RUNGS: readonly Rung[] = ['install', 'upgrade', 'backup', 'functional'];

const RUNG_STATUSES: readonly RungStatus[] = ['pass', 'fail', 'skip', 'unver'];

function statusOf(statuses: RungStatuses, rung: Rung): RungStatus {
  const status = statuses[rung];
  if (!RUNG_STATUSES.includes(status)) {
    throw new Error(`rung ${rung} has status ${JSON.stringify(status)}, expected one of ${RUNG_STATUSES.join(', ')}`);
  }
  return status;
}

/** 0..5: the highest k such that rungs 1..k are all pass or skip. */
export function levelOf(statuses: RungStatuses): number {
  let level = 0;
  for (const rung of LADDER) {
    const status = statusOf(statuses, rung);
    if (status !== 'pass' && status !== 'skip') break;
    level++;
  }
  return level;
}

function describe(statuses: RungStatuses, rungs: readonly Rung[]): string {
  return rungs.map((rung) => `${rung} ${statusOf(statuses, rung)}`).join(', ');
}

/** green <=> install passed and no rung of L1-L4 is fail or unver (lint is advisory). */
export function verdictOf(statuses: RungStatuses): { verdict: 'green' | 'red'; reason: string } {
  const problems: string[] = [];
  const install = statusOf(statuses, 'install');
  if (install !== 'pass') problems.push(`install ${install} (install must pass)`);
  for (const rung of GATING_RUNGS) {
    if (rung === 'install') continue;
    const status = statusOf(statuses, rung);
    if (status === 'fail' || status === 'unver') problems.push(`${rung} ${status}`);
  }
  const level = levelOf(statuses);
  const lint = statusOf(statuses, 'lint');
  const advisory = lint === 'fail' || lint === 'unver' ? `; lint ${lint} (advisory)` : '';
  if (problems.length > 0) {
    return { verdict: 'red', reason: `red at level ${level}: ${problems.join('; ')}${advisory}` };
  }
  return { verdict: 'green', reason: `green at level ${level}: ${describe(statuses, GATING_RUNGS)}${advisory}` };
}
