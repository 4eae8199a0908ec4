// A recipe's history as the dashboard needs it: the digest of every line (history-digest.ts)
// and the attempts of the nights shown. The last dashboard's digest is kept in its cache
// with the place in attempts.jsonl it covers, so that the next one reads only the lines
// of its window and folds only the lines written since, however long the history is.
//
// The history is the truth, the cached entry a fold of it: an entry that does not fit
// the files (another inode, a shorter file, a last covered line that reads otherwise, a
// rotation since, a window that moved back, a torn or edited cache) is not used, and the
// history is read whole again. (A file deleted and begun again can get the old one's
// inode number back: the last line it covered is what tells them apart, and it is
// always among the lines read.)
import { hasKeys, isIntegerIn, isPlainObject, isStringArray, isStringOrNull } from '../core/record-checks.js';
import { checkAttempt, type Attempt } from '../registry/attempt.js';
import { checkPosition, currentHistoryFile, readArchivedAttempts, readAttempts, readHistoryLines, type HistoryLine } from '../registry/attempts.js';
import { digestMore, EMPTY_DIGEST, RECENT_ROWS, type HistoryDigest, type RecentRow, type RedTally } from './history-digest.js';
import { utcDay } from './history.js';

export interface HistoryCacheEntry {
  /** The digest folds the history up to byte `bytes` of attempts.jsonl, inode `ino`, after `archived` segments. */
  covers: { archived: number; ino: number | null; bytes: number };
  digest: HistoryDigest;
  badLines: number;
  /** The first day of the window the entry was made for (YYYY-MM-DD). */
  windowStart: string;
  /** Every line of attempts.jsonl before this byte is older than windowStart: never shown again. */
  windowFrom: number;
  /** The line that ends at covers.bytes, as written (null: nothing covered yet). */
  lastLine: string | null;
}

export type HistoryCache = Record<string, HistoryCacheEntry>;

export interface RecipeHistory {
  digest: HistoryDigest;
  /** The attempts from the first day of the window on, oldest first. */
  nightAttempts: Attempt[];
  badLines: number;
  /** What the next dashboard may start from; null when it must read the whole history. */
  entry: HistoryCacheEntry | null;
}

/** Whether an attempt falls before the window (a time that is not one is never shown either). */
function beforeWindow(attempt: Attempt | null, windowStart: string): boolean {
  if (attempt === null) return true;
  const day = utcDay(attempt.at);
  return day === null || day < windowStart;
}

/** The history of `recipe` for a window starting on `windowStart`, from `cached` where it fits. */
export async function readRecipeHistory(
  stateDir: string,
  recipe: string,
  windowStart: string,
  cached: HistoryCacheEntry | undefined,
): Promise<RecipeHistory> {
  const file = currentHistoryFile(stateDir, recipe);
  if (cached && fits(cached, file, windowStart)) {
    const lines = await readHistoryLines(stateDir, recipe, cached.windowFrom, file.ino);
    if (lines && stillCovered(cached, lines)) return fold(cached, lines, windowStart, file.archived);
  }
  return readWhole(stateDir, recipe, windowStart, file);
}

function fits(entry: HistoryCacheEntry, file: ReturnType<typeof currentHistoryFile>, windowStart: string): boolean {
  const { covers } = entry;
  return (
    covers.archived === file.archived &&
    covers.ino === file.ino &&
    covers.bytes <= file.size &&
    entry.windowFrom <= covers.bytes &&
    // The window only moves forward: lines left behind are never needed again.
    windowStart >= entry.windowStart
  );
}

/** Whether the line the entry ends with is still there, as it was. */
function stillCovered(entry: HistoryCacheEntry, lines: readonly HistoryLine[]): boolean {
  if (entry.covers.bytes === 0) return entry.lastLine === null;
  return lines.find((line) => line.end === entry.covers.bytes)?.text === entry.lastLine;
}

/** The cached digest with the lines after it folded on; the window's attempts from all lines read. */
function fold(entry: HistoryCacheEntry, lines: readonly HistoryLine[], windowStart: string, archived: number): RecipeHistory {
  const fresh: Attempt[] = [];
  let badLines = entry.badLines;
  let covered = entry.covers.bytes;
  for (const line of lines) {
    if (line.end <= entry.covers.bytes) continue;
    if (line.attempt) fresh.push(line.attempt);
    else badLines += 1;
    covered = line.end;
  }
  const digest = digestMore(entry.digest, fresh);
  return window(digest, badLines, lines, entry.windowFrom, windowStart, { archived, ino: entry.covers.ino, bytes: covered });
}

/** Every segment read; an entry for next time unless the window reaches into an archived segment. */
async function readWhole(
  stateDir: string,
  recipe: string,
  windowStart: string,
  file: ReturnType<typeof currentHistoryFile>,
): Promise<RecipeHistory> {
  const archived = await readArchivedAttempts(stateDir, recipe, file.archived);
  const lines = await readHistoryLines(stateDir, recipe, 0, file.ino);
  if (!lines) {
    // Rotated between the two reads (a sweep writing meanwhile): all of it, plainly, no entry.
    const all = await readAttempts(stateDir, recipe);
    const nightAttempts = all.attempts.filter((attempt) => !beforeWindow(attempt, windowStart));
    return { digest: digestMore(EMPTY_DIGEST, all.attempts), nightAttempts, badLines: all.badLines, entry: null };
  }
  const current = lines.filter((line) => line.attempt !== null).map((line) => line.attempt as Attempt);
  const badLines = archived.badLines + lines.filter((line) => line.attempt === null).length;
  const digest = digestMore(digestMore(EMPTY_DIGEST, archived.attempts), current);
  const bytes = lines.at(-1)?.end ?? 0;
  const result = window(digest, badLines, lines, 0, windowStart, { archived: file.archived, ino: file.ino, bytes });
  const archivedShown = archived.attempts.filter((attempt) => !beforeWindow(attempt, windowStart));
  if (archivedShown.length === 0) return result;
  // The window begins in a segment that was rotated away: shown, but not cached (the
  // entry speaks of attempts.jsonl only); once the window has moved past it, it is.
  return { ...result, nightAttempts: [...archivedShown, ...result.nightAttempts], entry: null };
}

function window(
  digest: HistoryDigest,
  badLines: number,
  lines: readonly HistoryLine[],
  from: number,
  windowStart: string,
  covers: HistoryCacheEntry['covers'],
): RecipeHistory {
  let windowFrom = from;
  let leading = true;
  let lastLine: string | null = null;
  const nightAttempts: Attempt[] = [];
  for (const line of lines) {
    if (line.end > covers.bytes) break;
    const before = beforeWindow(line.attempt, windowStart);
    // (never past the last line covered: the next read checks it is still there)
    if (leading && before && line.end < covers.bytes) windowFrom = line.end;
    else leading = false;
    if (!before) nightAttempts.push(line.attempt as Attempt);
    if (line.end === covers.bytes) lastLine = line.text;
  }
  // Nothing to check the next read against: no entry.
  const entry = covers.bytes > 0 && lastLine === null ? null : { covers, digest, badLines, windowStart, windowFrom, lastLine };
  return { digest, nightAttempts, badLines, entry };
}

// ------------------------------------------------------------------ the cache, as read back

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function checkTally(raw: unknown): RedTally | undefined {
  if (!isPlainObject(raw) || !hasKeys(raw, ['tag', 'commit', 'firstAt', 'lastAt', 'count', 'runId'])) return undefined;
  const { tag, commit, firstAt, lastAt, count, runId } = raw;
  if (!isString(tag) || !isStringOrNull(commit) || !isString(firstAt) || !isString(lastAt) || !isStringOrNull(runId)) return undefined;
  if (!isIntegerIn(count, 1, Number.MAX_SAFE_INTEGER)) return undefined;
  return { tag, commit, firstAt, lastAt, count, runId };
}

function checkRow(raw: unknown): RecentRow | undefined {
  if (!isPlainObject(raw) || !hasKeys(raw, ['attempt', 'since', 'count'])) return undefined;
  const attempt = checkAttempt(raw.attempt);
  if (!attempt || !isString(raw.since) || !isIntegerIn(raw.count, 1, Number.MAX_SAFE_INTEGER)) return undefined;
  return { attempt, since: raw.since, count: raw.count };
}

function checkAll<T>(raw: unknown, check: (entry: unknown) => T | undefined, max = Infinity): T[] | undefined {
  if (!Array.isArray(raw) || raw.length > max) return undefined;
  const out: T[] = [];
  for (const entry of raw) {
    const checked = check(entry);
    if (checked === undefined) return undefined;
    out.push(checked);
  }
  return out;
}

function checkDigest(raw: unknown): HistoryDigest | undefined {
  if (!isPlainObject(raw) || !hasKeys(raw, ['red', 'promoted', 'last', 'lastTagged', 'lastRunId', 'recent'])) return undefined;
  const red = checkAll(raw.red, checkTally);
  const promoted = isStringArray(raw.promoted, () => true) ? raw.promoted : undefined;
  const recent = checkAll(raw.recent, checkRow, RECENT_ROWS);
  const last = raw.last === null ? null : checkAttempt(raw.last);
  const tagged = raw.lastTagged;
  const lastTagged =
    tagged === null ? null : isPlainObject(tagged) && hasKeys(tagged, ['tag', 'commit']) && isString(tagged.tag) && isStringOrNull(tagged.commit) ? { tag: tagged.tag, commit: tagged.commit } : undefined;
  if (!red || !promoted || !recent || last === undefined || lastTagged === undefined || !isStringOrNull(raw.lastRunId)) return undefined;
  return { red, promoted, last, lastTagged, lastRunId: raw.lastRunId, recent };
}

/** One recipe's entry as the cache file holds it, or undefined for anything else (the history is then read whole). */
export function checkHistoryEntry(raw: unknown): HistoryCacheEntry | undefined {
  if (!isPlainObject(raw) || !hasKeys(raw, ['covers', 'digest', 'badLines', 'windowStart', 'windowFrom', 'lastLine'])) return undefined;
  if (!isStringOrNull(raw.lastLine)) return undefined;
  const covers = checkPosition(raw.covers);
  if (!covers) return undefined;
  if (!isIntegerIn(raw.badLines, 0, Number.MAX_SAFE_INTEGER) || !isIntegerIn(raw.windowFrom, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (!isString(raw.windowStart) || !/^\d{4}-\d{2}-\d{2}$/.test(raw.windowStart)) return undefined;
  const digest = checkDigest(raw.digest);
  if (!digest) return undefined;
  return { covers, digest, badLines: raw.badLines, windowStart: raw.windowStart, windowFrom: raw.windowFrom, lastLine: raw.lastLine };
}
