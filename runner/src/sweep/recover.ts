// Start-of-sweep repair after a crash: canonical.json is the commit point of a promote,
// so the snapshot link is made to follow it and snapshot directories it does not name
// (a crashed build, a superseded canonical) are removed.
import { currentSnapshotLink, publishSnapshotLink, pruneSnapshots } from '../registry/snapshot.js';
import type { CanonicalRecord } from '../registry/canonical.js';
import path from 'node:path';

export async function recoverRecipeState(
  stateDir: string,
  recipe: string,
  canonical: CanonicalRecord | null,
): Promise<string[]> {
  const notes: string[] = [];
  const keep = canonical?.snapshot.id ?? null;
  if (keep) {
    const link = await currentSnapshotLink(stateDir, recipe);
    if (link !== path.join('snapshots', keep)) {
      await publishSnapshotLink(stateDir, recipe, keep);
      notes.push(`repaired the snapshot link to follow canonical.json (${keep})`);
    }
  }
  const removed = await pruneSnapshots(stateDir, recipe, keep);
  if (removed.length > 0) notes.push(`removed snapshot directories canonical.json does not name: ${removed.join(', ')}`);
  return notes;
}
