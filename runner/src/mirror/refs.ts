// Turns raw ref listings (from ls-remote or for-each-ref, names not yet trusted) into
// the `main` + tags view mirror sync plans with. A tag name git would refuse, or one
// that could be read as an option, is set aside as rejected and goes no further.
import { refNameProblem } from '../core/names.js';
import type { RemoteRef } from '../effects/git.js';
import type { RejectedTag } from './report.js';

export interface RefSnapshot {
  /** The object `main` points at; null when there is no main. */
  main: string | null;
  /** Tag name -> the object the tag ref points at (the tag object for an annotated tag). */
  tags: Map<string, string>;
}

export interface SplitRefs extends RefSnapshot {
  rejected: RejectedTag[];
}

/**
 * Picks `mainRef` and the refs under `tagPrefix` out of `refs`; every other ref is
 * ignored (PR refs, other branches). Tag names are validated here.
 */
export function splitRefs(refs: readonly RemoteRef[], mainRef: string, tagPrefix: string): SplitRefs {
  const split: SplitRefs = { main: null, tags: new Map(), rejected: [] };
  for (const { ref, oid } of refs) {
    if (ref === mainRef) {
      split.main = oid;
      continue;
    }
    if (!ref.startsWith(tagPrefix)) continue;
    const tag = ref.slice(tagPrefix.length);
    const problem = refNameProblem(tag);
    if (problem) split.rejected.push({ tag, reason: problem });
    else split.tags.set(tag, oid);
  }
  return split;
}
