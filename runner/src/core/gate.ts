// The promote gate: may this run's result become the canonical? Pure.
//
// promote <=> enrolled, green, cold, not a PR, the tested version is a published release tag,
// that tag points at the commit that was tested, and it is the tag the run staged (a tag
// whose compose label names another release tested that release's label, not itself). Every unmet condition is reported, not
// just the first, so a refused promote says everything that was wrong.
import { publishedReleaseProblem } from './versions.js';

export interface GateInput {
  enrolled: boolean;
  verdict: 'green' | 'red';
  mode: 'cold' | 'quick';
  prRef: string | null;
  testedVersion: string; // head version of the tested checkout
  testedCommit: string; // commit that was tested
  stagedTag: string | null; // the tag the run checked out (the sweep's decision); null: a ref or a directory
  tags: readonly string[];
  tagCommits: Readonly<Record<string, string>>;
  allowPrereleases: boolean;
}

export interface GateResult {
  promote: boolean;
  reason: string;
  failed: string[]; // every unmet condition, readable
}

export function gate(input: GateInput): GateResult {
  const failed: string[] = [];
  if (!input.enrolled) failed.push('the recipe is not enrolled');
  if (input.verdict !== 'green') failed.push(`the verdict is ${input.verdict}, not green`);
  if (input.mode !== 'cold') failed.push(`the run was ${input.mode}, only a cold run promotes`);
  if (input.prRef !== null) failed.push(`the run tested PR ref ${JSON.stringify(input.prRef)}`);

  const version = input.testedVersion;
  const published = publishedReleaseProblem(input.tags, version, { allowPrereleases: input.allowPrereleases });
  if (published !== null) failed.push(`the tested version ${published}`);

  const tagCommit = Object.hasOwn(input.tagCommits, version) ? input.tagCommits[version] : undefined;
  if (tagCommit === undefined) {
    failed.push(`no commit is known for tag ${JSON.stringify(version)}, so it cannot be shown to be the tested commit`);
  } else if (tagCommit !== input.testedCommit) {
    failed.push(`tag ${version} points at ${tagCommit}, not at the tested commit ${input.testedCommit}`);
  }

  if (input.stagedTag !== null && input.stagedTag !== version) {
    failed.push(
      `the run staged tag ${input.stagedTag}, but its checkout's version (the compose label) is ${version}: a tag is promoted only as itself`,
    );
  }

  if (failed.length > 0) return { promote: false, reason: `no promote: ${failed.join('; ')}`, failed };
  return {
    promote: true,
    reason: `promote: green cold run of published release ${version} at its tag commit ${input.testedCommit}`,
    failed,
  };
}
