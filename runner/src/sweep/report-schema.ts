// The schema of a sweep report: the specification report.ts's plain check is held to,
// loaded only for a report that check cannot vouch for.
import { z } from 'zod';
import { OUTCOMES, type RecipeReport, type SweepReport } from './report-types.js';

const canonicalSummary = z.object({ version: z.string(), commit: z.string() }).nullable();

export const recipeReportSchema = z.object({
  recipe: z.string(),
  decision: z.string().nullable(),
  reason: z.string(),
  latestTag: z.string().nullable(),
  canonicalBefore: canonicalSummary,
  canonicalAfter: canonicalSummary,
  runId: z.string().nullable(),
  verdict: z.enum(['green', 'red']).nullable(),
  level: z.number().nullable(),
  promoted: z.boolean(),
  outcome: z.enum(OUTCOMES),
  durationMs: z.number(),
  warnings: z.array(z.string()),
  error: z.string().nullable(),
});

export const sweepReportSchema = z.object({
  schema: z.literal(1),
  sweepId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  dryRun: z.boolean(),
  retryRed: z.boolean(),
  enrolled: z.array(z.string()),
  result: z.enum(['ok', 'failed']),
  exitCode: z.number(),
  interrupted: z.string().nullable().optional(),
  cleanup: z.strictObject({ removed: z.array(z.string()), problems: z.array(z.string()) }).optional(),
  recipes: z.array(recipeReportSchema),
  warnings: z.array(z.string()).optional(),
});


// The schemas describe exactly the types of report-types.ts (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameRecipe: Same<z.infer<typeof recipeReportSchema>, RecipeReport> = true;
const sameSweep: Same<z.infer<typeof sweepReportSchema>, SweepReport> = true;
void sameRecipe;
void sameSweep;
