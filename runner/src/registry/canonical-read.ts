// Reading canonical.json on the paths that read it every run (the sweep, status,
// metrics): a record exactly as writeCanonical stores it passes the plain check and is
// read without loading zod; anything else goes to canonical.ts's readCanonical, whose
// schema decides and words the problem. Same answers either way (test/registry/
// canonical-read.test.ts holds the plain check to the schema).
import { readFileSync } from 'node:fs';
import { isCommitId, isRecipeName, isRefName } from '../core/names.js';
import {
  hasKeys,
  isIntegerIn,
  isIsoInstant,
  isNonEmptyPlainString,
  isPlainObject,
  isSafeName,
  isStringArray,
  type Checked,
} from '../core/record-checks.js';
import type { CanonicalRead, CanonicalRecord } from './canonical.js';
import { canonicalPath } from './record-paths.js';

const KEYS = ['schema', 'recipe', 'domain', 'version', 'commit', 'status', 'promotedAt', 'updatedAt', 'runId', 'level', 'snapshot'] as const;
const SNAPSHOT_KEYS = ['id', 'volumes', 'bytes'] as const;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The record as canonicalRecordSchema would return it, when it has the plain shape writeCanonical makes. */
export function checkCanonicalRecord(raw: unknown): Checked<CanonicalRecord> {
  if (!isPlainObject(raw) || !hasKeys(raw, KEYS)) return undefined;
  const { schema, recipe, domain, version, commit, status, promotedAt, updatedAt, runId, level, snapshot } = raw;
  if (schema !== 1) return undefined;
  if (typeof recipe !== 'string' || !isRecipeName(recipe)) return undefined;
  if (typeof domain !== 'string' || !DOMAIN.test(domain)) return undefined;
  if (typeof version !== 'string' || !isRefName(version)) return undefined;
  if (typeof commit !== 'string' || !isCommitId(commit)) return undefined;
  if (status !== 'idle' && status !== 'in-use') return undefined;
  if (!isIsoInstant(promotedAt) || !isIsoInstant(updatedAt)) return undefined;
  if (!isNonEmptyPlainString(runId, 255) || !isSafeName(runId)) return undefined;
  if (!isIntegerIn(level, 0, 5)) return undefined;
  if (!isPlainObject(snapshot) || !hasKeys(snapshot, SNAPSHOT_KEYS)) return undefined;
  const { id, volumes, bytes } = snapshot;
  // At most 200 characters, as the schema's SNAPSHOT_ID: the plain check is never looser than the schema.
  if (!isSafeName(id, 200) || !isStringArray(volumes, isSafeName) || !isIntegerIn(bytes, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  return {
    schema,
    recipe,
    domain,
    version,
    commit,
    status,
    promotedAt,
    updatedAt,
    runId,
    level,
    snapshot: { id, volumes: [...volumes], bytes },
  };
}

export async function readCanonical(stateDir: string, recipe: string): Promise<CanonicalRead> {
  const file = canonicalPath(stateDir, recipe);
  let text: string;
  try {
    // A small local file: one synchronous read is cheaper than the thread pool's four hops.
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return fullRead(stateDir, recipe);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fullRead(stateDir, recipe);
  }
  const record = checkCanonicalRecord(raw);
  if (record && record.recipe === recipe) return { state: 'present', record };
  return fullRead(stateDir, recipe);
}

/** The schema's answer (it reads the file again: this is the rare path). */
async function fullRead(stateDir: string, recipe: string): Promise<CanonicalRead> {
  const { readCanonical: readWithSchema } = await import('./canonical.js');
  return readWithSchema(stateDir, recipe);
}
