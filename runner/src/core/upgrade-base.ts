// Which version the upgrade rung deploys first, before upgrading to head. Pure.
//
// 1 the recipe's explicit pin, if set: must be a published release tag strictly older than head;
// 2 the canonical, if older than head (the known-good install every user upgrades from);
// 3 canonical == head: the newest release strictly older than head ("samever" step-back), since
//   upgrading a version to itself proves nothing;
// 4 no canonical, or canonical newer than head: the newest release strictly older than head;
// 5 none of these: no base, the upgrade rung is skipped ("no upgrade target").
//
// "Older" is the total tag order of versions.ts. A canonical that is not a version is ignored
// (with the reason saying so): the decision step already refuses an invalid registry.
import { compareVersions, newestOlderThan, parseTag, publishedReleaseProblem } from './versions.js';

export interface UpgradeBaseInput {
  tags: readonly string[];
  head: string; // head version (compose label) of the checkout under test; may be untagged
  canonicalVersion: string | null;
  pin: string | null; // recipe's explicit pin
  allowPrereleases: boolean;
}

export type UpgradeBaseRule =
  | 'pin'
  | 'canonical'
  | 'step-back'
  | 'newest-older'
  | 'none'
  | 'invalid-pin'
  | 'invalid-head';

export interface UpgradeBase {
  base: string | null;
  rule: UpgradeBaseRule;
  reason: string;
}

export function resolveUpgradeBase(input: UpgradeBaseInput): UpgradeBase {
  const options = { allowPrereleases: input.allowPrereleases };
  const head = parseTag(input.head);
  if (!head.ok) {
    return {
      base: null,
      rule: 'invalid-head',
      reason: `head version ${JSON.stringify(input.head)} is not a release version: ${head.reason}`,
    };
  }

  if (input.pin !== null) {
    const problem = publishedReleaseProblem(input.tags, input.pin, options);
    if (problem !== null) return { base: null, rule: 'invalid-pin', reason: `upgrade base pin: ${problem}` };
    const pin = parseTag(input.pin);
    if (pin.ok && compareVersions(pin.version, head.version) >= 0) {
      return {
        base: null,
        rule: 'invalid-pin',
        reason: `upgrade base pin ${input.pin} is not older than head ${input.head}`,
      };
    }
    return { base: input.pin, rule: 'pin', reason: `pinned upgrade base ${input.pin} (head ${input.head})` };
  }

  const newestOlder = newestOlderThan(input.tags, input.head, options);
  const fromNewestOlder = (rule: 'step-back' | 'newest-older', why: string): UpgradeBase =>
    newestOlder === null
      ? { base: null, rule: 'none', reason: `no upgrade target: ${why}, and no release is older than head ${input.head}` }
      : { base: newestOlder.tag, rule, reason: `${why}: newest release older than head is ${newestOlder.tag}` };

  if (input.canonicalVersion === null) return fromNewestOlder('newest-older', 'no canonical');
  const canonical = parseTag(input.canonicalVersion);
  if (!canonical.ok) {
    return fromNewestOlder(
      'newest-older',
      `canonical ${JSON.stringify(input.canonicalVersion)} ignored (not a release version: ${canonical.reason})`,
    );
  }
  const order = compareVersions(canonical.version, head.version);
  if (order < 0) {
    return {
      base: canonical.version.tag,
      rule: 'canonical',
      reason: `canonical ${canonical.version.tag} is older than head ${input.head}`,
    };
  }
  if (order === 0) return fromNewestOlder('step-back', `canonical equals head ${input.head}, stepping back`);
  return fromNewestOlder('newest-older', `canonical ${canonical.version.tag} is newer than head ${input.head}`);
}
