// The sync record: <cacheDir>/mirrors/<recipe>.sync.json, what the last successful
// (not dry-run) sync of a recipe saw upstream and left on the mirror. With it, a night
// on which nothing changed costs one `git ls-remote` per remote and nothing else.
//
// The rule that makes it safe: a record that exists matches the cache clone. Every sync
// that goes on to change the clone or the mirror removes the record first (durably),
// and only a sync that finished its ref work writes a new one. A crash in between
// leaves no record, and the next sync does the whole work.
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { fsyncDirectory, writeJsonAtomic } from '../effects/atomic-file.js';
import { MAIN_REF, TAG_PREFIX } from './refs.js';
import { SYNC_RECORD_SCHEMA } from './sync-record-path.js';
import { objectIdSchema, peeledTagSchema } from './report.js';

export { SYNC_RECORD_SCHEMA };

const listedRefSchema = z.strictObject({ ref: z.string().min(1), oid: objectIdSchema });

/** Only refs/heads/main and refs/tags/*, each once. */
const syncedRefsSchema = z.array(listedRefSchema).superRefine((refs, ctx) => {
  const seen = new Set<string>();
  refs.forEach(({ ref }, index) => {
    if (ref !== MAIN_REF && !ref.startsWith(TAG_PREFIX)) {
      ctx.addIssue({ code: 'custom', path: [index, 'ref'], message: `not refs/heads/main or a tag: ${JSON.stringify(ref)}` });
    }
    if (seen.has(ref)) ctx.addIssue({ code: 'custom', path: [index, 'ref'], message: `listed twice: ${JSON.stringify(ref)}` });
    seen.add(ref);
  });
});

export const syncRecordSchema = z
  .strictObject({
    schema: z.literal(SYNC_RECORD_SCHEMA),
    recipe: z.string().min(1),
    /** The URLs the sync used: a record made for other URLs says nothing about these. */
    upstreamUrl: z.string().min(1),
    mirrorUrl: z.string().min(1).nullable(),
    syncedAt: z.iso.datetime({ offset: true }),
    /** Upstream's main and tags as `git ls-remote` lists them (unpeeled, names raw), as fetched. */
    upstream: syncedRefsSchema,
    /**
     * main and tags on the mirror once the sync was done (no mirror configured: the
     * cache's refs/heads/main and refs/tags/*, which stand in for it).
     */
    published: syncedRefsSchema,
    /** The published tags with the commits they name: the sweep's input. */
    tags: z.array(peeledTagSchema),
  })
  .superRefine((record, ctx) => {
    if (!record.upstream.some(({ ref }) => ref === MAIN_REF)) {
      ctx.addIssue({ code: 'custom', path: ['upstream'], message: 'upstream has no refs/heads/main' });
    }
    const published = new Set(record.published.map(({ ref }) => ref));
    record.tags.forEach(({ tag }, index) => {
      if (!published.has(`${TAG_PREFIX}${tag}`)) {
        ctx.addIssue({ code: 'custom', path: ['tags', index, 'tag'], message: `tag ${tag} is not among the published refs` });
      }
    });
  });
export type SyncRecord = z.infer<typeof syncRecordSchema>;

export type SyncRecordRead =
  | { state: 'absent' }
  | { state: 'invalid'; problem: string }
  | { state: 'present'; record: SyncRecord };

export { syncRecordPath } from './sync-record-path.js';

/** Reads and validates the record. Anything but a valid record is absent or invalid, never an error. */
export async function readSyncRecord(file: string): Promise<SyncRecordRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'absent' };
    return { state: 'invalid', problem: `${file}: cannot be read (${code ?? 'error'})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { state: 'invalid', problem: `${file}: not JSON` };
  }
  const parsed = syncRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { state: 'invalid', problem: `${file}: ${where}${issue?.message ?? 'invalid'}` };
  }
  return { state: 'present', record: parsed.data };
}

/**
 * Removes the record, durably (the directory is synced), before anything changes the
 * clone or the mirror. No record there is fine.
 */
export async function removeSyncRecord(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`cannot remove the sync record ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  await fsyncDirectory(path.dirname(file));
}

/** Writes the record atomically. Private to the service: the URLs may carry user names. */
export async function writeSyncRecord(file: string, record: SyncRecord): Promise<void> {
  await writeJsonAtomic(file, syncRecordSchema.parse(record), { mode: 0o600 });
}
