// Turns raw ref listings (from ls-remote or for-each-ref, names not yet trusted) into
// the `main` + tags view mirror sync plans with. A tag name git would refuse, or one
// that could be read as an option, is set aside as rejected and goes no further.
import { refNameProblem, refStorageProblem } from '../core/names.js';
import { parseTag } from '../core/versions.js';
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
 * Why an upstream tag is not fetched nor mirrored, or null when it is: a name git would
 * refuse or could read as an option, one git cannot store as a ref file (one such tag
 * would fail the whole fetch, night after night), or anything that cannot be a release.
 */
export function upstreamTagProblem(tag: string): string | null {
  const problem = refNameProblem(tag) ?? refStorageProblem(tag);
  if (problem) return problem;
  const parsed = parseTag(tag);
  return parsed.ok ? null : `not a release tag: ${parsed.reason}`;
}

/**
 * Picks `mainRef` and the refs under `tagPrefix` out of `refs`; every other ref is
 * ignored (PR refs, other branches). Tag names are validated here, with `tagProblem`:
 * by default the rules of git's ref names; upstream's tags with upstreamTagProblem.
 */
export function splitRefs(
  refs: readonly RemoteRef[],
  mainRef: string,
  tagPrefix: string,
  tagProblem: (tag: string) => string | null = refNameProblem,
): SplitRefs {
  const split: SplitRefs = { main: null, tags: new Map(), rejected: [] };
  for (const { ref, oid } of refs) {
    if (ref === mainRef) {
      split.main = oid;
      continue;
    }
    if (!ref.startsWith(tagPrefix)) continue;
    const tag = ref.slice(tagPrefix.length);
    const problem = tagProblem(tag);
    if (problem) split.rejected.push({ tag, reason: problem });
    else split.tags.set(tag, oid);
  }
  return split;
}

export const MAIN_REF = 'refs/heads/main';
export const TAG_PREFIX = 'refs/tags/';

/**
 * The refs mirror sync is about, refs/heads/main and refs/tags/*, sorted by name (names
 * still raw: a hostile tag name is kept here so that a change to it is noticed too).
 */
export function syncedRefs(refs: readonly RemoteRef[]): RemoteRef[] {
  return refs
    .filter(({ ref }) => ref === MAIN_REF || ref.startsWith(TAG_PREFIX))
    .map(({ ref, oid }) => ({ ref, oid }))
    .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/** Whether two listings name the same refs with the same objects (order does not matter). */
export function sameRefs(a: readonly RemoteRef[], b: readonly RemoteRef[]): boolean {
  if (a.length !== b.length) return false;
  const byRef = new Map(a.map(({ ref, oid }) => [ref, oid]));
  return byRef.size === a.length && b.every(({ ref, oid }) => byRef.get(ref) === oid);
}

/** `refs` after `updates` landed (a ref set to its new object, or added), sorted like syncedRefs. */
export function withUpdates(refs: readonly RemoteRef[], updates: readonly { ref: string; to: string }[]): RemoteRef[] {
  const byRef = new Map(refs.map(({ ref, oid }) => [ref, oid]));
  for (const { ref, to } of updates) byRef.set(ref, to);
  return syncedRefs([...byRef].map(([ref, oid]) => ({ ref, oid })));
}
