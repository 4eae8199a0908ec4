// The schema of an attempts line: the specification the plain check of attempt.ts is
// held to, and the judge of any line that check does not vouch for. Loaded only then.
import { z } from 'zod';
import type { Attempt } from './attempt.js';

export const attemptSchema = z.object({
  at: z.string(),
  sweepId: z.string(),
  recipe: z.string(),
  decision: z.string(),
  tag: z.string().nullable(),
  commit: z.string().nullable(),
  runId: z.string().nullable(),
  verdict: z.enum(['green', 'red']).nullable(),
  level: z.number().int().min(0).max(5).nullable(),
  promoted: z.boolean(),
  /** The recipe's outcome in the sweep report, e.g. promoted, red, promote-failed, skipped. */
  outcome: z.string(),
  durationMs: z.number().nonnegative(),
  /** Set when the canonical's tag named another commit upstream than the canonical was tested at. */
  canonicalTagMoved: z.strictObject({ tag: z.string(), recorded: z.string(), now: z.string() }).nullable().optional(),
});

// The hand-written interface and the schema describe the same thing (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.infer<typeof attemptSchema>, Attempt> = true;
void sameShape;
