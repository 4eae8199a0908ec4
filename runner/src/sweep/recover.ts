// Start-of-sweep repair after a crash: canonical.json is the commit point of a promote,
// so the snapshot link is made to follow it and snapshot directories it does not name
// (a crashed build, a superseded canonical) are removed. Only ever called with a record
// that passed readTrustedCanonical (or none at all): a record naming a snapshot that is
// not there must never decide what is deleted.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { currentSnapshotLink, publishSnapshotLink, pruneSnapshots, snapshotsDir } from '../registry/snapshot.js';
import type { CanonicalRecord } from '../registry/canonical.js';

export async function recoverRecipeState(
  stateDir: string,
  recipe: string,
  canonical: CanonicalRecord | null,
  options: { dryRun?: boolean } = {},
): Promise<string[]> {
  const notes: string[] = [];
  const keep = canonical?.snapshot.id ?? null;
  if (keep) {
    const link = await currentSnapshotLink(stateDir, recipe);
    if (link !== path.join('snapshots', keep)) {
      if (!options.dryRun) await publishSnapshotLink(stateDir, recipe, keep);
      notes.push(`${options.dryRun ? 'would repair' : 'repaired'} the snapshot link to follow canonical.json (${keep})`);
    }
  }
  const dir = snapshotsDir(stateDir, recipe);
  const removed = options.dryRun
    ? (await readdir(dir).catch(() => [] as string[])).filter((name) => name !== keep)
    : await pruneSnapshots(stateDir, recipe, keep);
  if (removed.length > 0) {
    notes.push(
      `${options.dryRun ? 'would remove' : 'removed'} snapshot directories canonical.json does not name: ` +
        removed.map((name) => path.join(dir, name)).join(', '),
    );
  }
  return notes;
}
