// The sweep decision's inputs, gathered the one way both `ccci sweep` and `ccci decide`
// use: the synced tags, the registry record as read, and the recipe's red runs (from
// its attempts' current state, not a read of the whole history).
import { decide, type CanonicalView, type Decision } from '../core/decision.js';
import { readAttemptMemory, type AttemptMemory } from '../registry/attempts.js';
import type { CanonicalRead, CanonicalRecord } from '../registry/canonical.js';
import type { EnrolledRecipe } from '../config/enrollment.js';

export function canonicalView(read: CanonicalRead): CanonicalView {
  if (read.state === 'present') return { state: 'present', version: read.record.version, commit: read.record.commit };
  return read;
}

export function tagCommitsOf(tags: readonly { tag: string; commit: string }[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.tag, t.commit]));
}

/** The decision from inputs already read. */
export function decideFrom(
  recipe: EnrolledRecipe,
  read: CanonicalRead,
  tags: readonly { tag: string; commit: string }[],
  memory: AttemptMemory,
  retryRed: boolean,
): Decision {
  return decide({
    tags: tags.map((t) => t.tag),
    tagCommits: tagCommitsOf(tags),
    canonical: canonicalView(read),
    redAttempts: memory.red,
    retryRed,
    allowPrereleases: recipe.definition.allowPrereleases,
  });
}

export async function decideRecipe(
  stateDir: string,
  recipe: EnrolledRecipe,
  read: CanonicalRead,
  tags: readonly { tag: string; commit: string }[],
  retryRed: boolean,
): Promise<Decision> {
  const { memory } = await readAttemptMemory(stateDir, recipe.name);
  return decideFrom(recipe, read, tags, memory, retryRed);
}

export interface CanonicalTagMove {
  tag: string;
  /** The commit the canonical was tested at (canonical.json). */
  recorded: string;
  /** The commit the tag names now. */
  now: string;
}

/** The canonical's tag naming another commit than the canonical was tested at, or null. */
export function canonicalTagMove(
  record: Pick<CanonicalRecord, 'version' | 'commit'>,
  tagCommits: Readonly<Record<string, string>>,
): CanonicalTagMove | null {
  const now = Object.hasOwn(tagCommits, record.version) ? tagCommits[record.version] : undefined;
  if (now === undefined || now === record.commit) return null;
  return { tag: record.version, recorded: record.commit, now };
}

export function describeTagMove(move: CanonicalTagMove): string {
  return (
    `CANONICAL TAG MOVED: tag ${move.tag} now names ${move.now}, but the canonical was tested at ${move.recorded}; ` +
    `it stays the canonical until a newer version is promoted`
  );
}
