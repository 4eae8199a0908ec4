// Types shared by the run's modules (run.ts and the ladders it drives), in a file of their
// own so that no module of run/ imports another only for its types and back.
import type { RunResult, RungResult } from './result.js';

/** The upgrade base the run chose, with the rule and the reason (as results.json has it). */
export type BaseChoice = RunResult['base'];

export interface TeardownReport {
  ok: boolean;
  problems: string[];
}

/** What a ladder (cold or quick) hands back to the run. */
export interface RungsOutcome {
  rungs: RungResult[];
  teardown: TeardownReport;
  base: BaseChoice;
}
