// Recipe release tags and their order. Pure: no I/O.
//
// A release tag is `<semver>[+<app version>]`, e.g. `1.13.0+1.31.1`, `3.0.1+v2.0.0`,
// `5.0.3+27.0.1-fpm`. Older recipes also carry `1.13.4_1` / `1.13.4~1` ("legacy") tags.
//
// The order, in this precedence (each key only breaks ties of the ones before):
//   1. major, minor, patch, numerically;
//   2. prerelease by semver precedence: 1.0.0-rc.1 < 1.0.0; identifiers compared numerically
//      when both are numbers, numbers before words, words in ASCII order, a shorter list first;
//   3. legacy counter: none < _1 < _2, so 1.13.4 and 1.13.4+<anything> < 1.13.4_1 < 1.13.4_2 < 1.13.5
//      (a legacy tag was a re-release of its base version, hence right after every form of it);
//   4. app part: none before any; then numeric-aware (digit and non-digit runs, digit runs compared
//      as numbers, a digit run before a non-digit run, a shorter run list first), so
//      1.13.0+1.9.0 < 1.13.0+1.31.1;
//   5. the raw tag string (UTF-16 code units), so compare returns 0 only for identical tags.
// Every key is a total preorder and the last is a total order on strings, so the whole order is
// total, antisymmetric, transitive and deterministic.
//
// npm `semver` is deliberately not used: its valid()/clean() drop the `+…` part and compare()
// ties on it, which would collapse 1.0.0+a and 1.0.0+b into one version.
//
// Rejected (reported with a reason, never a release): empty, whitespace, a leading '-', a leading
// 'v' (Co-op Cloud tags have none, and `v1.2.3` next to `1.2.3` would be two names for one
// version), fewer or more than three numeric parts, leading zeros, numbers beyond 2^53-1,
// malformed prerelease identifiers, an empty or odd app part, a legacy tag with a prerelease or
// app part, anything longer than 255 characters.

export interface ReleaseVersion {
  tag: string; // the tag exactly as given
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly (string | number)[]; // [] when none
  app: string | null; // the part after '+', null when absent
  legacy: number | null; // N of the legacy 1.13.4_N / 1.13.4~N forms, else null
}
export type ParsedTag = { ok: true; version: ReleaseVersion } | { ok: false; tag: string; reason: string };
export interface VersionOptions {
  allowPrereleases?: boolean; // default false
}

const MAX_TAG_LENGTH = 255;
const SHAPE = '<major>.<minor>.<patch>[-<prerelease>][+<app version>]';
const NUMBER = /^(?:0|[1-9][0-9]*)$/;
const DIGITS = /^[0-9]+$/;
const PRERELEASE_IDENTIFIER = /^[0-9A-Za-z-]+$/;
// Free-form upstream version, restricted to characters that are safe in a git ref and on a
// command line: starts and ends with a letter or digit.
const APP_PART = /^[0-9A-Za-z](?:[0-9A-Za-z._+-]*[0-9A-Za-z])?$/;
const LEGACY = /^([^_~-]*)[_~]([^_~]*)$/;

function reject(tag: string, reason: string): ParsedTag {
  return { ok: false, tag, reason };
}

/** A non-negative integer without leading zeros that fits a double exactly, or a reason. */
function numberPart(text: string, what: string): number | string {
  if (!DIGITS.test(text)) return `${what} ${JSON.stringify(text)} is not a number`;
  if (!NUMBER.test(text)) return `${what} ${JSON.stringify(text)} has a leading zero`;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) return `${what} ${text} is larger than ${Number.MAX_SAFE_INTEGER}`;
  return value;
}

/** `1.2.3` into its three numbers, or a reason. */
function parseCore(core: string): [number, number, number] | string {
  const parts = core.split('.');
  if (parts.length !== 3) {
    return `${JSON.stringify(core)} has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'}, a release needs ${SHAPE}`;
  }
  const names = ['major', 'minor', 'patch'] as const;
  const numbers: number[] = [];
  for (const [index, part] of parts.entries()) {
    const value = numberPart(part, names[index] as string);
    if (typeof value === 'string') return value;
    numbers.push(value);
  }
  return numbers as [number, number, number];
}

function parsePrerelease(text: string): (string | number)[] | string {
  const identifiers: (string | number)[] = [];
  for (const identifier of text.split('.')) {
    if (identifier === '') return `prerelease ${JSON.stringify(text)} has an empty identifier`;
    if (!PRERELEASE_IDENTIFIER.test(identifier)) {
      return `prerelease identifier ${JSON.stringify(identifier)} may only use 0-9, A-Z, a-z and '-'`;
    }
    if (DIGITS.test(identifier)) {
      const value = numberPart(identifier, 'prerelease identifier');
      if (typeof value === 'string') return value;
      identifiers.push(value);
    } else {
      identifiers.push(identifier);
    }
  }
  return identifiers;
}

function appProblem(app: string): string | null {
  if (app === '') return "nothing after '+' (the app version is empty)";
  if (!APP_PART.test(app)) {
    return `app version ${JSON.stringify(app)} must start and end with a letter or digit and use only 0-9, A-Z, a-z, '.', '_', '+', '-'`;
  }
  if (app.includes('..')) return `app version ${JSON.stringify(app)} contains '..'`;
  return null;
}

export function parseTag(tag: string): ParsedTag {
  if (typeof tag !== 'string') return reject(String(tag), `not a string (${typeof tag})`);
  if (tag === '') return reject(tag, 'empty tag');
  if (/\s/.test(tag)) return reject(tag, 'contains whitespace');
  if (tag.length > MAX_TAG_LENGTH) return reject(tag, `longer than ${MAX_TAG_LENGTH} characters`);
  if (tag.startsWith('-')) return reject(tag, "starts with '-' (could be read as an option)");
  if (/^[vV][0-9]/.test(tag)) {
    return reject(tag, "leading 'v': Co-op Cloud release tags have none");
  }

  const plus = tag.indexOf('+');
  const main = plus === -1 ? tag : tag.slice(0, plus);
  const app = plus === -1 ? null : tag.slice(plus + 1);

  const legacy = LEGACY.exec(main);
  if (legacy) {
    const [, base = '', counterText = ''] = legacy;
    const core = parseCore(base);
    if (typeof core === 'string') return reject(tag, `legacy form: ${core}`);
    const counter = numberPart(counterText, 'legacy counter');
    if (typeof counter === 'string') return reject(tag, counter);
    if (app !== null) return reject(tag, "legacy form <major>.<minor>.<patch>_<N> takes no '+' part");
    const [major, minor, patch] = core;
    return { ok: true, version: { tag, major, minor, patch, prerelease: [], app: null, legacy: counter } };
  }
  if (/[_~]/.test(main)) return reject(tag, `'_' or '~' only as in the legacy form <major>.<minor>.<patch>_<N>`);

  const dash = main.indexOf('-');
  const coreText = dash === -1 ? main : main.slice(0, dash);
  const core = parseCore(coreText);
  if (typeof core === 'string') return reject(tag, core);
  const prerelease = dash === -1 ? [] : parsePrerelease(main.slice(dash + 1));
  if (typeof prerelease === 'string') return reject(tag, prerelease);
  if (app !== null) {
    const problem = appProblem(app);
    if (problem) return reject(tag, problem);
  }
  const [major, minor, patch] = core;
  return { ok: true, version: { tag, major, minor, patch, prerelease, app, legacy: null } };
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareStrings(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Digit strings of any length by value ("007" ties with "7"). */
function compareDigitRuns(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  return x.length !== y.length ? sign(x.length - y.length) : compareStrings(x, y);
}

/** semver §11: no prerelease ranks above any; identifiers numeric < alphanumeric. */
function comparePrerelease(a: readonly (string | number)[], b: readonly (string | number)[]): -1 | 0 | 1 {
  if (a.length === 0 || b.length === 0) return sign(b.length - a.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return sign(x - y);
    } else if (typeof x === 'number') {
      return -1;
    } else if (typeof y === 'number') {
      return 1;
    } else if (x !== y) {
      return compareStrings(x, y);
    }
  }
  return sign(a.length - b.length);
}

const RUNS = /[0-9]+|[^0-9]+/g;

/** Numeric-aware order of free-form app versions: 1.9.0 < 1.31.1, 27.0.1 < 27.0.1-fpm. */
export function compareAppVersions(a: string, b: string): -1 | 0 | 1 {
  const x = a.match(RUNS) ?? [];
  const y = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    const pDigits = DIGITS.test(p);
    const qDigits = DIGITS.test(q);
    let order: -1 | 0 | 1;
    if (pDigits && qDigits) order = compareDigitRuns(p, q);
    else if (pDigits) order = -1;
    else if (qDigits) order = 1;
    else order = compareStrings(p, q);
    if (order !== 0) return order;
  }
  return sign(x.length - y.length);
}

export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): -1 | 0 | 1 {
  if (a.major !== b.major) return sign(a.major - b.major);
  if (a.minor !== b.minor) return sign(a.minor - b.minor);
  if (a.patch !== b.patch) return sign(a.patch - b.patch);
  const pre = comparePrerelease(a.prerelease, b.prerelease);
  if (pre !== 0) return pre;
  if (a.legacy !== b.legacy) {
    if (a.legacy === null) return -1;
    if (b.legacy === null) return 1;
    return sign(a.legacy - b.legacy);
  }
  if (a.app !== b.app) {
    if (a.app === null) return -1;
    if (b.app === null) return 1;
    const app = compareAppVersions(a.app, b.app);
    if (app !== 0) return app;
  }
  return compareStrings(a.tag, b.tag);
}

/** Parses or throws an Error naming the tag and why it is not a version. */
export function parseTagOrThrow(tag: string): ReleaseVersion {
  const parsed = parseTag(tag);
  if (!parsed.ok) throw new Error(`${JSON.stringify(parsed.tag)} is not a release version: ${parsed.reason}`);
  return parsed.version;
}

export function compareTags(a: string, b: string): -1 | 0 | 1 {
  return compareVersions(parseTagOrThrow(a), parseTagOrThrow(b));
}

/** A release is not a prerelease, unless the recipe opts in to prereleases. */
export function isRelease(v: ReleaseVersion, options: VersionOptions = {}): boolean {
  return v.prerelease.length === 0 || options.allowPrereleases === true;
}

/** Valid tags ascending (each once), and every tag that is not a version with its reason (each once, in input order). */
export function sortTags(tags: readonly string[]): {
  sorted: ReleaseVersion[];
  rejected: { tag: string; reason: string }[];
} {
  const seen = new Set<string>();
  const sorted: ReleaseVersion[] = [];
  const rejected: { tag: string; reason: string }[] = [];
  for (const tag of tags) {
    if (seen.has(tag)) continue;
    seen.add(tag);
    const parsed = parseTag(tag);
    if (parsed.ok) sorted.push(parsed.version);
    else rejected.push({ tag: parsed.tag, reason: parsed.reason });
  }
  sorted.sort(compareVersions);
  return { sorted, rejected };
}

/** Releases among tags, ascending (prereleases only when allowed). */
export function sortedReleases(tags: readonly string[], options: VersionOptions = {}): ReleaseVersion[] {
  return sortTags(tags).sorted.filter((v) => isRelease(v, options));
}

export function latestRelease(tags: readonly string[], options: VersionOptions = {}): ReleaseVersion | null {
  let best: ReleaseVersion | null = null;
  for (const tag of tags) {
    const parsed = parseTag(tag);
    if (!parsed.ok || !isRelease(parsed.version, options)) continue;
    if (best === null || compareVersions(parsed.version, best) > 0) best = parsed.version;
  }
  return best;
}

/** The newest release strictly older than `than` (which must be a version; throws otherwise). */
export function newestOlderThan(
  tags: readonly string[],
  than: string,
  options: VersionOptions = {},
): ReleaseVersion | null {
  const limit = parseTagOrThrow(than);
  let best: ReleaseVersion | null = null;
  for (const tag of tags) {
    const parsed = parseTag(tag);
    if (!parsed.ok || !isRelease(parsed.version, options)) continue;
    if (compareVersions(parsed.version, limit) >= 0) continue;
    if (best === null || compareVersions(parsed.version, best) > 0) best = parsed.version;
  }
  return best;
}

/** `version` is literally one of `tags` and is a release (prereleases only when allowed). */
export function isPublishedRelease(
  tags: readonly string[],
  version: string,
  options: VersionOptions = {},
): boolean {
  if (!tags.includes(version)) return false;
  const parsed = parseTag(version);
  return parsed.ok && isRelease(parsed.version, options);
}

/** Why `version` is not a published release among `tags`, or null when it is one. */
export function publishedReleaseProblem(
  tags: readonly string[],
  version: string,
  options: VersionOptions = {},
): string | null {
  const parsed = parseTag(version);
  if (!parsed.ok) return `${JSON.stringify(version)} is not a release version: ${parsed.reason}`;
  if (!isRelease(parsed.version, options)) {
    return `${version} is a prerelease and the recipe does not allow prereleases`;
  }
  if (!tags.includes(version)) return `${version} is not a published tag`;
  return null;
}
