// <stateDir>/<recipe>/attempts.jsonl: one line per sweep run of a recipe, append-only.
// It is the sweep's memory: a tag that ran red at a commit is not run again nightly.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { appendLineDurable } from '../effects/atomic-file.js';
import { recipeStateDir } from './canonical.js';

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
export type Attempt = z.infer<typeof attemptSchema>;

export function attemptsPath(stateDir: string, recipe: string): string {
  return path.join(recipeStateDir(stateDir, recipe), 'attempts.jsonl');
}

export async function appendAttempt(stateDir: string, attempt: Attempt): Promise<void> {
  await appendLineDurable(attemptsPath(stateDir, attempt.recipe), JSON.stringify(attemptSchema.parse(attempt)));
}

/** Every well-formed line; a line torn by a crash or edited by hand is counted, not fatal. */
export async function readAttempts(
  stateDir: string,
  recipe: string,
): Promise<{ attempts: Attempt[]; badLines: number }> {
  let text: string;
  try {
    text = await readFile(attemptsPath(stateDir, recipe), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { attempts: [], badLines: 0 };
    throw error;
  }
  const attempts: Attempt[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = attemptSchema.safeParse(JSON.parse(line));
      if (parsed.success) attempts.push(parsed.data);
      else badLines += 1;
    } catch {
      badLines += 1;
    }
  }
  return { attempts, badLines };
}

/** The outcome of a run that a signal stopped: never a verdict on the tag. */
export const INTERRUPTED = 'interrupted';

/** Runs that were red, as the decision wants them: tag and commit. Interrupted runs are not red. */
export function redRuns(attempts: readonly Attempt[]): { tag: string; commit: string }[] {
  return attempts
    .filter((a) => a.verdict === 'red' && a.outcome !== INTERRUPTED && a.tag !== null && a.commit !== null)
    .map((a) => ({ tag: a.tag as string, commit: a.commit as string }));
}
