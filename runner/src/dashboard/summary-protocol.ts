// The messages between summary-thread.ts and its thread (summary-worker.ts).
import type { SummaryOutcome } from '../status/sweep-reports.js';

export interface SummaryRequest {
  files: string[];
}

export interface SummaryReply {
  /** One per file asked for, in the same order. */
  outcomes: SummaryOutcome[];
}
