// Whether the canonical's release tag still names the commit that was tested. Upstream
// can move a tag; the mirror follows, and from then on the canonical version and the
// tag disagree. The mirror sync warns once, when it sees the move; this answers every
// time from the tags of the last sync. Pure.

// How src/mirror/plan.ts words its warning for the canonical's tag.
const CANONICAL_TAG_WARNING = /CANONICAL VERSION TAG (MOVED|DELETED UPSTREAM)/;

/** A sentence saying how the canonical's tag moved, or null when it did not (or nothing tells). */
export function movedCanonicalTag(
  canonical: { version: string; commit: string } | null,
  publishedTags: readonly { tag: string; commit: string }[] | null,
  warnings: readonly string[] = [],
): string | null {
  if (canonical && publishedTags) {
    const published = publishedTags.find((t) => t.tag === canonical.version);
    if (published && published.commit !== canonical.commit) {
      return `tag ${canonical.version} now names ${published.commit.slice(0, 12)}, but the canonical was tested at ${canonical.commit.slice(0, 12)}`;
    }
  }
  return warnings.find((w) => CANONICAL_TAG_WARNING.test(w)) ?? null;
}
