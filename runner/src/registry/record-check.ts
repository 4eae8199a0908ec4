// Whether a canonical record can be trusted before anything acts on it: its version is
// a release the recipe allows, it names the warm domain of the current configuration, and the snapshot it names is there and
// whole as far as a cheap look can tell (meta.json valid and agreeing with the record,
// every archive present with the recorded size). No archive is hashed here: this runs
// for every recipe on every sweep, and a night with nothing new must stay cheap. The
// full checksum verification is where the data is used (promote, quick-mode restore).
// The two small reads are synchronous: a promise per file (open, stat, read, close, each a
// trip through libuv's threads) cost more than the reading, 400 times a night.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { warmDomain } from '../core/names.js';
import { isRelease, parseTag } from '../core/versions.js';
import type { CanonicalRead, CanonicalRecord } from './canonical.js';
import { readCanonical } from './canonical-read.js';
import { canonicalPath, snapshotDir } from './record-paths.js';
import { checkSnapshotMeta } from './snapshot-meta-check.js';

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/** Why the snapshot `record` names cannot be trusted, or null. */
export async function snapshotRecordProblem(stateDir: string, record: CanonicalRecord): Promise<string | null> {
  const id = record.snapshot.id;
  const dir = snapshotDir(stateDir, record.recipe, id);
  const where = `snapshot ${id} (${dir})`;
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'meta.json'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${where} is missing or has no meta.json` : `${where}: meta.json unreadable: ${(error as Error).message}`;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return `${where}: meta.json is not valid JSON: ${(error as Error).message}`;
  }
  // The plain check vouches for a meta.json as createSnapshot writes it; the schema judges any other.
  let meta = checkSnapshotMeta(raw);
  if (!meta) {
    const { snapshotMetaSchema } = await import('./snapshot-meta.js');
    const parsed = snapshotMetaSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return `${where}: meta.json: ${issue ? `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}` : 'invalid'}`;
    }
    meta = parsed.data;
  }
  const disagreements: string[] = [];
  if (meta.id !== id) disagreements.push(`id ${meta.id}`);
  if (meta.recipe !== record.recipe) disagreements.push(`recipe ${meta.recipe}`);
  if (meta.version !== record.version) disagreements.push(`version ${meta.version}`);
  if (meta.commit !== record.commit) disagreements.push(`commit ${meta.commit}`);
  if (!sameNames(meta.volumes.map((v) => v.name), record.snapshot.volumes)) {
    disagreements.push(`volumes ${meta.volumes.map((v) => v.name).join(', ') || '(none)'}`);
  }
  const bytes = meta.volumes.reduce((sum, v) => sum + v.bytes, 0);
  if (bytes !== record.snapshot.bytes) disagreements.push(`${bytes} bytes`);
  if (disagreements.length > 0) return `${where}: meta.json says ${disagreements.join(', ')}, not what canonical.json records`;
  for (const volume of meta.volumes) {
    const archive = path.join(dir, volume.archive);
    let size: number;
    try {
      size = statSync(archive).size;
    } catch {
      return `${where}: the archive of volume ${volume.name} (${archive}) is missing`;
    }
    if (size !== volume.bytes) return `${where}: ${archive} has ${size} bytes, meta.json says ${volume.bytes}`;
  }
  return null;
}

/** Why the record's domain is not the recipe's warm domain under `domain`, or null. */
export function recordDomainProblem(record: CanonicalRecord, domain: string): string | null {
  const expected = warmDomain(record.recipe, domain);
  if (record.domain === expected) return null;
  return (
    `domain ${record.domain} is not ${expected}, the warm domain of ${record.recipe} under the configured ` +
    `domain ${domain}; the record was made for another configuration`
  );
}

/** Why the record's version cannot be a canonical of the recipe, or null. */
export function recordVersionProblem(record: CanonicalRecord, allowPrereleases: boolean): string | null {
  const parsed = parseTag(record.version);
  if (!parsed.ok) return `version ${JSON.stringify(record.version)} is not a release version: ${parsed.reason}`;
  if (!isRelease(parsed.version, { allowPrereleases })) {
    return `version ${record.version} is a prerelease and the recipe does not allow prereleases`;
  }
  return null;
}

/**
 * The recipe's prerelease setting (its definition's, with the configuration's override),
 * undefined when the caller has none (then the version is not judged), or a function that
 * gives it: asked for only when the record's version is not a plain release (a prerelease,
 * or no release at all), where the setting can change the answer; a reader that has not
 * loaded the definitions (`ccci status`) then loads none for the usual record.
 */
export type PrereleaseSetting = boolean | undefined | (() => Promise<boolean | undefined>);

/** recordVersionProblem under `setting`, asking a lazy setting only when it can change the answer. */
async function versionProblemUnder(record: CanonicalRecord, setting: PrereleaseSetting): Promise<string | null> {
  if (setting === undefined) return null;
  if (typeof setting === 'boolean') return recordVersionProblem(record, setting);
  // A release with no prerelease part passes under either setting (isRelease only widens).
  if (recordVersionProblem(record, false) === null) return null;
  const allow = await setting();
  return allow === undefined ? null : recordVersionProblem(record, allow);
}

/**
 * readCanonical, and then the checks above: a record that fails them reads as invalid
 * (error:registry, nothing pruned, nothing deployed), naming the file and the problem.
 * `domain`: the configured base domain, or null when the caller has none (a dry run).
 * `allowPrereleases`: see PrereleaseSetting.
 * The one read of a canonical for everything that acts on it or shows it (the sweep, gc,
 * `ccci run` and `decide`, `ccci status`, the dashboard, the metrics), so that nothing
 * calls a canonical good that the sweep would refuse.
 */
export async function readTrustedCanonical(
  stateDir: string,
  recipe: string,
  domain: string | null,
  options: { allowPrereleases?: PrereleaseSetting } = {},
): Promise<CanonicalRead> {
  return (await checkTrustedCanonical(stateDir, recipe, domain, options)).read;
}

/** readTrustedCanonical's answer, and the record that answer refused, if it was one that reads. */
export interface TrustedCanonical {
  read: CanonicalRead;
  /**
   * A record that is well formed but failed a check above (read is then invalid), as it
   * reads: for a person to see what it claims, never to act on. Null otherwise.
   */
  untrusted: CanonicalRecord | null;
}

/** readTrustedCanonical, keeping the refused record for the views that show it (`ccci status RECIPE`). */
export async function checkTrustedCanonical(
  stateDir: string,
  recipe: string,
  domain: string | null,
  options: { allowPrereleases?: PrereleaseSetting } = {},
): Promise<TrustedCanonical> {
  const read = await readCanonical(stateDir, recipe);
  if (read.state !== 'present') return { read, untrusted: null };
  const refuse = (problem: string): TrustedCanonical => ({
    read: { state: 'invalid', problem: `${canonicalPath(stateDir, recipe)}: ${problem}` },
    untrusted: read.record,
  });
  const versionProblem = await versionProblemUnder(read.record, options.allowPrereleases);
  if (versionProblem) return refuse(versionProblem);
  const domainProblem = domain === null ? null : recordDomainProblem(read.record, domain);
  if (domainProblem) return refuse(domainProblem);
  const snapshotProblem = await snapshotRecordProblem(stateDir, read.record);
  if (snapshotProblem) return refuse(snapshotProblem);
  return { read, untrusted: null };
}
