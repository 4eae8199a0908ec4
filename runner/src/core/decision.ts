// The sweep decision for one recipe: run the newest release tag, or skip, or refuse. Pure.
import { compareVersions, isRelease, parseTag, sortTags, type ReleaseVersion } from './versions.js';

export type CanonicalView =
  | { state: 'absent' }
  | { state: 'invalid'; problem: string }
  | { state: 'present'; version: string; commit: string };

export interface DecisionInput {
  tags: readonly string[]; // every tag name of the recipe repo (junk included)
  tagCommits: Readonly<Record<string, string>>; // tag -> commit it points at
  canonical: CanonicalView;
  redAttempts: readonly { tag: string; commit: string }[]; // earlier runs that were red
  retryRed: boolean;
  allowPrereleases: boolean;
}

export type DecisionCode =
  | 'run'
  | 'skip:never-released'
  | 'skip:no-new-version'
  | 'skip:known-red'
  | 'error:registry';

export interface Decision {
  code: DecisionCode;
  action: 'run' | 'skip' | 'error';
  tag: string | null; // newest release tag (the one to run on, for 'run')
  commit: string | null; // that tag's commit
  reason: string; // human readable, e.g. "skip:no-new-version (latest 1.2.0+1.0 <= canonical 1.2.0+1.0)"
  rejectedTags: { tag: string; reason: string }[]; // tags that are not releases, reported
}

function actionOf(code: DecisionCode): Decision['action'] {
  if (code === 'run') return 'run';
  if (code === 'error:registry') return 'error';
  return 'skip';
}

function commitOf(tagCommits: Readonly<Record<string, string>>, tag: string): string | null {
  return Object.hasOwn(tagCommits, tag) ? (tagCommits[tag] ?? null) : null;
}

/**
 * Decides in this order: canonical invalid, or its version not a release the recipe allows ->
 * error:registry (always, even with nothing to run: a broken registry is never quiet); no release tag -> skip:never-released; newest <= canonical ->
 * skip:no-new-version; newest already red at the same commit and no retry -> skip:known-red;
 * else run on the newest release tag.
 *
 * Throws when the decision is to run (or known-red) and `tagCommits` has no commit for the newest
 * tag: the caller must pass the commit of every tag, and running without one could test the wrong tree.
 */
export function decide(input: DecisionInput): Decision {
  const options = { allowPrereleases: input.allowPrereleases };
  const { sorted, rejected } = sortTags(input.tags);
  const rejectedTags = [
    ...rejected,
    ...sorted
      .filter((v) => !isRelease(v, options))
      .map((v) => ({ tag: v.tag, reason: 'prerelease (the recipe does not allow prereleases)' })),
  ];
  const releases = sorted.filter((v) => isRelease(v, options));
  const newest: ReleaseVersion | undefined = releases[releases.length - 1];
  const make = (code: DecisionCode, detail: string, tag: string | null = null, commit: string | null = null) => ({
    code,
    action: actionOf(code),
    tag,
    commit,
    reason: `${code} (${detail})`,
    rejectedTags,
  });

  const canonical = input.canonical;
  if (canonical.state === 'invalid') {
    return make('error:registry', `canonical record is invalid: ${canonical.problem}; left as it is`);
  }
  let canonicalVersion: ReleaseVersion | null = null;
  if (canonical.state === 'present') {
    const parsed = parseTag(canonical.version);
    if (!parsed.ok) {
      return make(
        'error:registry',
        `canonical version ${JSON.stringify(canonical.version)} is not a release version: ${parsed.reason}; left as it is`,
      );
    }
    // A prerelease the recipe does not allow can only be there by hand or by an older
    // runner: comparing new tags against it would hide releases below it.
    if (!isRelease(parsed.version, options)) {
      return make(
        'error:registry',
        `canonical version ${canonical.version} is a prerelease and the recipe does not allow prereleases; left as it is`,
      );
    }
    canonicalVersion = parsed.version;
  }

  if (newest === undefined) {
    const prereleases = sorted.length - releases.length;
    const details = [`${input.tags.length} tag${input.tags.length === 1 ? '' : 's'}`];
    if (rejected.length > 0) details.push(`${rejected.length} not a version`);
    if (prereleases > 0) details.push(`${prereleases} prerelease${prereleases === 1 ? '' : 's'} not allowed`);
    return make('skip:never-released', `no release tag among ${details.join(', ')}`);
  }

  const commit = commitOf(input.tagCommits, newest.tag);
  if (canonicalVersion !== null && compareVersions(newest, canonicalVersion) <= 0) {
    return make(
      'skip:no-new-version',
      `latest ${newest.tag} <= canonical ${canonicalVersion.tag}`,
      newest.tag,
      commit,
    );
  }
  if (commit === null) {
    throw new Error(`decide: no commit given for release tag ${newest.tag} (tagCommits must cover every tag)`);
  }

  const knownRed = input.redAttempts.some((a) => a.tag === newest.tag && a.commit === commit);
  if (knownRed && !input.retryRed) {
    return make(
      'skip:known-red',
      `${newest.tag} at ${commit} already ran red; --retry-red retries it`,
      newest.tag,
      commit,
    );
  }
  const why =
    canonicalVersion === null ? `no canonical; newest ${newest.tag}` : `newest ${newest.tag} > canonical ${canonicalVersion.tag}`;
  const retry = knownRed ? '; retrying a known red' : '';
  return make('run', `${why} at ${commit}${retry}`, newest.tag, commit);
}
