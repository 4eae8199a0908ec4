// Reading the sync record on the no-op path (fast-path.ts): a record exactly as
// writeSyncRecord stores it passes the plain check and is read without loading zod;
// anything else goes to sync-record.ts's readSyncRecord, whose schema decides.
import { readFileSync } from 'node:fs';
import { isRefName } from '../core/names.js';
import { hasKeys, isIsoInstant, isNonEmptyPlainString, isPlainObject, type Checked } from '../core/record-checks.js';
import { MAIN_REF, TAG_PREFIX } from './refs.js';
import type { SyncRecord, SyncRecordRead } from './sync-record.js';

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const KEYS = ['schema', 'recipe', 'upstreamUrl', 'mirrorUrl', 'syncedAt', 'upstream', 'published', 'tags'] as const;

function checkRefs(raw: unknown): Checked<{ ref: string; oid: string }[]> {
  if (!Array.isArray(raw)) return undefined;
  const seen = new Set<string>();
  const refs: { ref: string; oid: string }[] = [];
  for (const item of raw as unknown[]) {
    if (!isPlainObject(item) || !hasKeys(item, ['ref', 'oid'])) return undefined;
    const { ref, oid } = item;
    if (!isNonEmptyPlainString(ref) || typeof oid !== 'string' || !OBJECT_ID.test(oid)) return undefined;
    if ((ref !== MAIN_REF && !ref.startsWith(TAG_PREFIX)) || seen.has(ref)) return undefined;
    seen.add(ref);
    refs.push({ ref, oid });
  }
  return refs;
}

/** The record as syncRecordSchema would return it, when it has the plain shape writeSyncRecord makes. */
export function checkSyncRecord(raw: unknown): Checked<SyncRecord> {
  if (!isPlainObject(raw) || !hasKeys(raw, KEYS)) return undefined;
  const { schema, recipe, upstreamUrl, mirrorUrl, syncedAt } = raw;
  if (schema !== 1 || !isNonEmptyPlainString(recipe) || !isNonEmptyPlainString(upstreamUrl)) return undefined;
  if (mirrorUrl !== null && !isNonEmptyPlainString(mirrorUrl)) return undefined;
  if (!isIsoInstant(syncedAt)) return undefined;
  const upstream = checkRefs(raw.upstream);
  const published = checkRefs(raw.published);
  if (!upstream || !published || !upstream.some(({ ref }) => ref === MAIN_REF)) return undefined;
  if (!Array.isArray(raw.tags)) return undefined;
  const publishedRefs = new Set(published.map(({ ref }) => ref));
  const tags: { tag: string; commit: string }[] = [];
  for (const item of raw.tags as unknown[]) {
    if (!isPlainObject(item) || !hasKeys(item, ['tag', 'commit'])) return undefined;
    const { tag, commit } = item;
    if (typeof tag !== 'string' || !isRefName(tag) || typeof commit !== 'string' || !OBJECT_ID.test(commit)) return undefined;
    if (!publishedRefs.has(`${TAG_PREFIX}${tag}`)) return undefined;
    tags.push({ tag, commit });
  }
  return { schema, recipe, upstreamUrl, mirrorUrl, syncedAt, upstream, published, tags };
}

/** Reads and validates the record. Anything but a valid record is absent or invalid, never an error. */
export async function readSyncRecord(file: string): Promise<SyncRecordRead> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    raw = undefined;
  }
  const record = raw === undefined ? undefined : checkSyncRecord(raw);
  if (record) return { state: 'present', record };
  const { readSyncRecord: readWithSchema } = await import('./sync-record.js');
  return readWithSchema(file);
}
