// A snapshot's meta.json as the sweep reads it on every night (record-check.ts): a file
// exactly as createSnapshot writes it passes this plain check without loading zod; any
// other goes to the schema (snapshot-meta.ts), which decides and words the problem.
import { hasKeys, isIntegerIn, isPlainObject, isSafeName, type Checked } from '../core/record-checks.js';

export interface PlainSnapshotMeta {
  schema: 1;
  id: string;
  recipe: string;
  version: string;
  commit: string;
  stack: string;
  createdAt: string;
  volumes: { name: string; archive: string; bytes: number; sha256: string }[];
}

const KEYS = ['schema', 'id', 'recipe', 'version', 'commit', 'stack', 'createdAt', 'volumes'] as const;
const VOLUME_KEYS = ['name', 'archive', 'bytes', 'sha256'] as const;
const ARCHIVE = /^volumes\/[A-Za-z0-9][A-Za-z0-9_.-]*\.tar$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function checkSnapshotMeta(raw: unknown): Checked<PlainSnapshotMeta> {
  if (!isPlainObject(raw) || !hasKeys(raw, KEYS) || raw.schema !== 1) return undefined;
  const { id, recipe, version, commit, stack, createdAt, volumes } = raw;
  for (const field of [id, recipe, version, commit, stack, createdAt]) if (typeof field !== 'string') return undefined;
  if (!Array.isArray(volumes)) return undefined;
  const checked: PlainSnapshotMeta['volumes'] = [];
  for (const volume of volumes) {
    if (!isPlainObject(volume) || !hasKeys(volume, VOLUME_KEYS)) return undefined;
    const { name, archive, bytes, sha256 } = volume;
    if (!isSafeName(name) || typeof archive !== 'string' || !ARCHIVE.test(archive)) return undefined;
    if (!isIntegerIn(bytes, 0, Number.MAX_SAFE_INTEGER) || typeof sha256 !== 'string' || !SHA256.test(sha256)) return undefined;
    checked.push({ name, archive, bytes, sha256 });
  }
  return {
    schema: 1,
    id: id as string,
    recipe: recipe as string,
    version: version as string,
    commit: commit as string,
    stack: stack as string,
    createdAt: createdAt as string,
    volumes: checked,
  };
}
