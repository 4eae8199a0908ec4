// The registry record: <stateDir>/<recipe>/canonical.json, the recipe's known-good
// version. Readers get a typed answer; an unreadable or invalid file is reported,
// never repaired or overwritten by a reader.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isCommitId, recipeNameProblem } from '../core/names.js';
import { writeJsonAtomic } from '../effects/atomic-file.js';
import { canonicalPath } from './record-paths.js';

export { canonicalPath, recipeStateDir } from './record-paths.js';

export const CANONICAL_SCHEMA = 1;

const isoTime = z.iso.datetime({ offset: true });

/** A name that is one directory entry, never `.`, `..` or a path: it names what recovery keeps. */
export const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
export const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

export const snapshotRefSchema = z.strictObject({
  /** Directory name under <recipe>/snapshots/. */
  id: z.string().regex(SNAPSHOT_ID, "a snapshot directory name (letters, digits, '.', '_', '-', starting with a letter or digit)"),
  volumes: z.array(z.string().regex(VOLUME_NAME, 'a volume name')),
  bytes: z.number().int().nonnegative(),
});

export const canonicalRecordSchema = z.strictObject({
  schema: z.literal(CANONICAL_SCHEMA),
  recipe: z.string().refine((r) => recipeNameProblem(r) === null, 'a recipe name'),
  /** The warm domain the canonical was deployed and snapshotted on. */
  domain: z.string().min(1),
  version: z.string().min(1),
  commit: z.string().refine(isCommitId, 'a 40-hex commit id'),
  /** idle: undeployed, volumes as snapshotted; in-use: a quick run has it attached. */
  status: z.enum(['idle', 'in-use']),
  /** When this version became the canonical. A status write never changes it. */
  promotedAt: isoTime,
  /** Last write of any kind. */
  updatedAt: isoTime,
  runId: z.string().min(1),
  level: z.number().int().min(0).max(5),
  snapshot: snapshotRefSchema,
});
export type CanonicalRecord = z.infer<typeof canonicalRecordSchema>;

export type CanonicalRead =
  | { state: 'absent' }
  | { state: 'invalid'; problem: string }
  | { state: 'present'; record: CanonicalRecord };

export class RegistryError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'RegistryError';
  }
}

export async function readCanonical(stateDir: string, recipe: string): Promise<CanonicalRead> {
  const file = canonicalPath(stateDir, recipe);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'invalid', problem: `${file}: unreadable: ${(error as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { state: 'invalid', problem: `${file}: not valid JSON: ${(error as Error).message}` };
  }
  const parsed = canonicalRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`)
      .join('; ');
    return { state: 'invalid', problem: `${file}: invalid record: ${detail}` };
  }
  if (parsed.data.recipe !== recipe) {
    return { state: 'invalid', problem: `${file}: record names recipe ${parsed.data.recipe}, not ${recipe}` };
  }
  return { state: 'present', record: parsed.data };
}

/** The record, or null when there is none; throws RegistryError for an invalid one. */
export async function loadCanonical(stateDir: string, recipe: string): Promise<CanonicalRecord | null> {
  const read = await readCanonical(stateDir, recipe);
  if (read.state === 'invalid') throw new RegistryError(canonicalPath(stateDir, recipe), read.problem);
  return read.state === 'present' ? read.record : null;
}

/** Validates, then writes atomically. The caller reads back to confirm a promote. */
export async function writeCanonical(stateDir: string, record: CanonicalRecord): Promise<void> {
  const valid = canonicalRecordSchema.parse(record);
  await writeJsonAtomic(canonicalPath(stateDir, valid.recipe), valid);
}

/** A status change: updatedAt moves, promotedAt and everything else stay. */
export async function writeCanonicalStatus(
  stateDir: string,
  recipe: string,
  status: CanonicalRecord['status'],
  now: Date = new Date(),
): Promise<CanonicalRecord> {
  const current = await loadCanonical(stateDir, recipe);
  if (!current) throw new RegistryError(canonicalPath(stateDir, recipe), 'no canonical to change the status of');
  const next: CanonicalRecord = { ...current, status, updatedAt: now.toISOString() };
  await writeCanonical(stateDir, next);
  return next;
}
