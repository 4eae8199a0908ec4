// attempts.jsonl read for the dashboard, which reads 400 of them at once: a line of the
// shape the sweep writes is taken after plain type checks, and only any other line goes
// through the registry's schema (which decides, as for every reader). The checks accept
// exactly what attemptSchema accepts (test/dashboard/read-attempts.test.ts holds that).
import { readFile } from 'node:fs/promises';
import { attemptSchema, attemptsPath, type Attempt } from '../registry/attempts.js';

const isStringOrNull = (v: unknown) => v === null || typeof v === 'string';

/** The line as an Attempt when it is plainly one (no extra keys), else null. */
export function plainAttempt(raw: unknown): Attempt | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const a = raw as Record<string, unknown>;
  const level = a.level;
  const ok =
    typeof a.at === 'string' &&
    typeof a.sweepId === 'string' &&
    typeof a.recipe === 'string' &&
    typeof a.decision === 'string' &&
    isStringOrNull(a.tag) &&
    isStringOrNull(a.commit) &&
    isStringOrNull(a.runId) &&
    (a.verdict === null || a.verdict === 'green' || a.verdict === 'red') &&
    (level === null || (typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 5)) &&
    typeof a.promoted === 'boolean' &&
    typeof a.outcome === 'string' &&
    typeof a.durationMs === 'number' &&
    Number.isFinite(a.durationMs) &&
    a.durationMs >= 0 &&
    Object.keys(a).length === 12;
  return ok ? (a as unknown as Attempt) : null;
}

export async function readAttemptsForDashboard(stateDir: string, recipe: string): Promise<{ attempts: Attempt[]; badLines: number }> {
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
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      badLines += 1;
      continue;
    }
    const plain = plainAttempt(raw);
    if (plain) {
      attempts.push(plain);
      continue;
    }
    const parsed = attemptSchema.safeParse(raw);
    if (parsed.success) attempts.push(parsed.data);
    else badLines += 1;
  }
  return { attempts, badLines };
}
