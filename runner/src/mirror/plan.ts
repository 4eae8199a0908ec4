// The pure heart of mirror sync: given what upstream has and what the mirror had,
// which refs to push and what to warn about. No I/O; sync.ts gathers the inputs.
//
// Faithful means: after the sync the mirror's main and every upstream tag equal
// upstream's. Tags the mirror has and upstream no longer has are kept (a release
// never disappears silently), with a warning every sync until someone acts.
import type { MirrorWarning, PushedRef, RejectedTag } from './report.js';
import type { RefSnapshot } from './refs.js';

export interface PlanInput {
  /**
   * `refused`: tags upstream has but that are not mirrored (upstreamTagProblem): the
   * mirror's copy of one is left alone, never reported as deleted upstream.
   */
  upstream: { main: string; tags: ReadonlyMap<string, string>; refused?: ReadonlySet<string> };
  /** The mirror as it was read before the sync. */
  previous: RefSnapshot;
  /** Whether previous.main is an ancestor of upstream.main (read only when they differ). */
  mainFastForward: boolean;
  /** The recipe's canonical version, if any: a moved or vanished canonical tag is flagged loudly. */
  canonicalVersion: string | null;
}

export interface SyncPlan {
  /** main first, then tags in name order. */
  pushes: PushedRef[];
  warnings: MirrorWarning[];
  /** The mirror's main and tags once the pushes landed. */
  target: { main: string; tags: Map<string, string> };
  /** Tags kept although upstream dropped them. */
  kept: string[];
}

function short(oid: string): string {
  return oid.slice(0, 12);
}

export function planSync(input: PlanInput): SyncPlan {
  const { upstream, previous, canonicalVersion } = input;
  const pushes: PushedRef[] = [];
  const warnings: MirrorWarning[] = [];

  if (previous.main !== upstream.main) {
    const forced = previous.main !== null && !input.mainFastForward;
    pushes.push({ ref: 'refs/heads/main', from: previous.main, to: upstream.main, forced });
    if (forced && previous.main !== null) {
      warnings.push({
        code: 'main-force-pushed',
        message:
          `upstream main was force-pushed: the mirror's main ${short(previous.main)} is not an ancestor of ` +
          `upstream main ${short(upstream.main)}; the mirror follows upstream`,
      });
    }
  }

  const tagNames = [...upstream.tags.keys()].sort();
  for (const tag of tagNames) {
    const to = upstream.tags.get(tag) as string;
    const from = previous.tags.get(tag) ?? null;
    if (from === to) continue;
    const moved = from !== null;
    pushes.push({ ref: `refs/tags/${tag}`, from, to, forced: moved });
    if (moved) {
      const canonical = tag === canonicalVersion;
      warnings.push({
        code: 'tag-moved',
        message: canonical
          ? // The listings name tag objects, not commits (ls-remote --refs): a tag annotated
            // again at the same commit moves too. Whether the canonical's tested commit is
            // still the tag's, the sweep checks against the commits (its canonical-tag check).
            `CANONICAL VERSION TAG MOVED: tag ${tag} is the recipe's canonical version and moved upstream from ` +
            `${short(from)} to ${short(to)}; the mirror follows (whether it still names the commit the canonical ` +
            `was tested at, the sweep's canonical check says)`
          : `tag ${tag} moved upstream from ${short(from)} to ${short(to)}; the mirror follows`,
      });
    }
  }

  const kept: string[] = [];
  const targetTags = new Map(upstream.tags);
  for (const [tag, oid] of [...previous.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (upstream.tags.has(tag) || upstream.refused?.has(tag)) continue;
    kept.push(tag);
    targetTags.set(tag, oid);
    const canonical = tag === canonicalVersion;
    warnings.push({
      code: 'tag-deleted-upstream',
      message: canonical
        ? `CANONICAL VERSION TAG DELETED UPSTREAM: tag ${tag} (${short(oid)}) is the recipe's canonical version and is gone upstream; kept on the mirror`
        : `tag ${tag} (${short(oid)}) is gone upstream; kept on the mirror`,
    });
  }

  return { pushes, warnings, target: { main: upstream.main, tags: targetTags }, kept };
}

/**
 * What the report says about a plan: its warnings, then the tag names refused on either
 * side (each also as a warning). The same for a sync that fetched and one answered from
 * the sync record, so a kept or refused tag is warned about every night alike.
 */
export function syncFindings(
  upstreamRejected: readonly RejectedTag[],
  previousRejected: readonly RejectedTag[],
  plan: SyncPlan,
): { warnings: MirrorWarning[]; rejectedTags: RejectedTag[] } {
  const rejectedTags: RejectedTag[] = [
    ...upstreamRejected.map((r) => ({ tag: r.tag, reason: `upstream: ${r.reason}; not mirrored` })),
    ...previousRejected.map((r) => ({ tag: r.tag, reason: `mirror: ${r.reason}; left as it is` })),
  ];
  const warnings: MirrorWarning[] = [
    ...plan.warnings,
    ...rejectedTags.map((r) => ({ code: 'tag-rejected' as const, message: `tag ${JSON.stringify(r.tag)} refused: ${r.reason}` })),
  ];
  return { warnings, rejectedTags };
}

/**
 * Tags upstream has that name no commit (a tree or a blob): mirrored as they are, but no
 * release is there to run or promote. Reported every sync, as a refused tag is.
 */
export function nonCommitTagFindings(tags: readonly string[]): { warnings: MirrorWarning[]; rejectedTags: RejectedTag[] } {
  const rejectedTags = [...tags].sort().map((tag) => ({ tag, reason: 'upstream: it names no commit (a tree or a blob); not a release' }));
  const warnings = rejectedTags.map((r) => ({ code: 'tag-rejected' as const, message: `tag ${JSON.stringify(r.tag)} refused: ${r.reason}` }));
  return { warnings, rejectedTags };
}
