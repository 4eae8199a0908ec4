// results.json of one recipe CI run: validated with zod before it is written (atomically)
// and when it is read back.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LADDER, type RungStatuses } from '../core/ladder.js';
import { writeJsonAtomic } from '../effects/atomic-file.js';

export const RESULT_SCHEMA = 1;

export const RUN_OUTCOMES = ['green', 'red', 'interrupted'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

const rungStatus = z.enum(['pass', 'fail', 'skip', 'unver']);

export const rungResultSchema = z.strictObject({
  rung: z.enum(LADDER),
  status: rungStatus,
  reason: z.string().min(1),
  durationMs: z.number().int().nonnegative(),
});
export type RungResult = z.infer<typeof rungResultSchema>;

export const runResultSchema = z
  .strictObject({
    schema: z.literal(RESULT_SCHEMA),
    runId: z.string().min(1),
    recipe: z.string().min(1),
    /** The head version (compose label of the tested commit); the ref when the label is missing. */
    version: z.string().min(1),
    /** Whether `version` came from the compose label (false: the label is missing). */
    versionFromLabel: z.boolean(),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-hex commit id'),
    ref: z.string().min(1),
    prRef: z.string().nullable(),
    source: z.union([
      z.strictObject({ kind: z.literal('git'), url: z.string() }),
      z.strictObject({ kind: z.literal('dir'), dir: z.string(), dirty: z.boolean() }),
    ]),
    mode: z.enum(['cold', 'quick']),
    /** Why a quick run ran cold instead; null when it did not fall back. */
    fellBackToCold: z.string().nullable(),
    domain: z.string().min(1),
    base: z.strictObject({
      version: z.string().nullable(),
      rule: z.enum(['pin', 'canonical', 'step-back', 'newest-older', 'none', 'invalid-pin', 'invalid-head', 'quick-canonical']),
      reason: z.string(),
    }),
    rungs: z.array(rungResultSchema).length(LADDER.length),
    level: z.number().int().min(0).max(LADDER.length),
    verdict: z.enum(['green', 'red']),
    verdictReason: z.string(),
    /**
     * green or red as the verdict says; interrupted when a signal stopped the run (systemd
     * stop, a reboot) before it finished: not a verdict on the recipe, never remembered as
     * red. A run that reaches its own deadline is red.
     */
    outcome: z.enum(RUN_OUTCOMES),
    teardown: z.strictObject({ ok: z.boolean(), problems: z.array(z.string()) }),
    /** Set when the run was cut short: the deadline or a signal. */
    interrupted: z.string().nullable(),
    startedAt: z.iso.datetime({ offset: true }),
    finishedAt: z.iso.datetime({ offset: true }),
    durationMs: z.number().int().nonnegative(),
    runDir: z.string().min(1),
  })
  .refine((r) => r.rungs.every((rung, i) => rung.rung === LADDER[i]), 'rungs must be in ladder order');
export type RunResult = z.infer<typeof runResultSchema>;

export function resultsPath(runDir: string): string {
  return path.join(runDir, 'results.json');
}

export async function writeRunResult(result: RunResult): Promise<void> {
  await writeJsonAtomic(resultsPath(result.runDir), runResultSchema.parse(result));
}

export async function readRunResult(runDir: string): Promise<RunResult> {
  return runResultSchema.parse(JSON.parse(await readFile(resultsPath(runDir), 'utf8')));
}

/** The ladder's view of a run's rung results (each rung exactly once). */
export function statusesOf(rungs: readonly RungResult[]): RungStatuses {
  const statuses = {} as RungStatuses;
  for (const rung of LADDER) {
    const found = rungs.find((r) => r.rung === rung);
    if (!found) throw new Error(`internal: rung ${rung} has no result`);
    statuses[rung] = found.status;
  }
  return statuses;
}
