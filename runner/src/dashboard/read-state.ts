// Gathers what the dashboard shows from the state, runs and cache directories. Reads
// only: the registry records (each canonical as the sweep reads it: readTrustedCanonical,
// so a record the sweep refuses is shown as invalid with the reason, never as the
// canonical), attempts, sweep reports of the window, sync records, and
// of each run shown exactly two files, run.log and results.json, opened without
// following links (a run directory also holds an ABRA_DIR with .env files: nothing
// else of it is ever read). Both are redacted here, before anything else sees them.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { definitionReader, enrolledNames, lazyPrereleaseSetting, type DefinitionRead } from '../config/enrollment.js';
import { SYNC_RECORD_SCHEMA, syncRecordPath } from '../mirror/sync-record-path.js';
import { readToken, tokenPath } from '../mirror/secrets.js';
import type { Attempt } from '../registry/attempts.js';
import type { CanonicalRead } from '../registry/canonical.js';
import { readTrustedCanonical } from '../registry/record-check.js';
import { latestReportOf, readSweepSummaries, type ReportedSweep, type SummaryCache } from '../status/sweep-reports.js';
import { formatBytes } from '../text/format.js';
import { REDACTION_FINGERPRINT, redactJson, redactSecrets } from '../text/redact.js';
import { nightDates } from './history.js';
import { summarizeOnThread } from './summary-thread.js';
import type { CanonicalState, DashboardInput, RecipeInput, RunInput } from './input.js';
import { runsToRead } from './model.js';
import { EMPTY_DIGEST } from './history-digest.js';
import { checkHistoryEntry, readRecipeHistory, type HistoryCache, type HistoryCacheEntry } from './read-history.js';

/** A copied log keeps its last part when it is longer: the failure is at the end. */
export const MAX_LOG_BYTES = 256 * 1024;
const MAX_RESULTS_BYTES = 1024 * 1024;

/** A file the live build already has, unchanged: link it; `produce` makes it when the build lacks it. */
export interface Reused {
  produce: () => Promise<string>;
}
export type FileContent = string | Reused;

/** The redacted copies of a run's two files (null: not there, or not a regular file). */
export interface RunFiles {
  log: FileContent | null;
  results: FileContent | null;
}

/** How a run file was when it was last copied: the same size, mtime and inode is the same file. */
interface FileId {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What the last dashboard learnt of each run it carried, to skip reading it again. */
export interface RunCache {
  /** Secrets and redaction rules the copies were made with (other ones: copy again). */
  fingerprint: string;
  runs: Record<string, { log: FileId | null; results: FileId | null; input: RunInput }>;
}

export interface GatheredState {
  input: DashboardInput;
  runFiles: Map<string, RunFiles>;
  runCache: RunCache;
  /** The report summaries to keep for the next call (see readSweepSummaries). */
  summaries: SummaryCache;
  /** The recipes' history digests to keep for the next call (see read-history.ts). */
  histories: HistoryCache;
}

/**
 * A regular file's content (its last `maxBytes` when longer, with how much was left out),
 * or null when it is missing, a link or anything but a regular file. Synchronous, as all
 * reads of this module: hundreds of small files, each read once, cost less read in turn
 * than as promises (four trips each through libuv's four threads).
 */
function readRegularFile(file: string, maxBytes: number): { text: string; omitted: number } | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return null;
    const start = Math.max(0, stat.size - maxBytes);
    const length = stat.size - start;
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.toString('utf8', 0, read), omitted: start };
  } finally {
    closeSync(fd);
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function runInputOf(runId: string, results: unknown, hasLog: boolean): RunInput {
  const r = (typeof results === 'object' && results !== null ? results : {}) as Record<string, unknown>;
  const rungs = Array.isArray(r.rungs)
    ? r.rungs
        .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
        .map((x) => ({ rung: str(x.rung) ?? '?', status: str(x.status) ?? '?', reason: str(x.reason) ?? '' }))
    : [];
  return {
    runId,
    hasLog,
    hasResults: results !== null,
    verdict: str(r.verdict),
    verdictReason: str(r.verdictReason),
    level: num(r.level),
    version: str(r.version),
    commit: str(r.commit),
    mode: str(r.mode),
    startedAt: str(r.startedAt),
    durationMs: num(r.durationMs),
    interrupted: str(r.interrupted),
    rungs,
  };
}

function fileId(file: string): FileId | null {
  try {
    const info = lstatSync(file);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino } : null;
  } catch {
    return null;
  }
}

const sameFile = (a: FileId | null, b: FileId | null | undefined) =>
  b !== undefined && (a === null ? b === null : b !== null && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino);

function copyRun(
  runsDir: string,
  runId: string,
  withLog: boolean,
  secrets: readonly string[],
): { input: RunInput; log: string | null; results: string | null } {
  const dir = path.join(runsDir, runId);
  const log = withLog ? readRegularFile(path.join(dir, 'run.log'), MAX_LOG_BYTES) : null;
  const results = readRegularFile(path.join(dir, 'results.json'), MAX_RESULTS_BYTES);
  let parsed: unknown = null;
  let resultsCopy: string | null = null;
  if (results && results.omitted === 0) {
    try {
      parsed = redactJson(JSON.parse(results.text), secrets);
      resultsCopy = `${JSON.stringify(parsed)}\n`;
    } catch {
      parsed = null;
    }
  }
  let logCopy: string | null = null;
  if (log) {
    const head =
      log.omitted > 0
        ? `[ccci dashboard: the first ${formatBytes(log.omitted)} of this log are left out; the whole log is run.log of run ${runId} on the CI machine]\n`
        : '';
    logCopy = redactSecrets(head + log.text, secrets);
  }
  return { input: { ...runInputOf(runId, parsed, logCopy !== null), logOmitted: !withLog }, log: logCopy, results: resultsCopy };
}

/**
 * A run's input and its two files. A run whose files are the ones the last dashboard
 * copied (by size, mtime and inode) is not read again: its copies are linked from the live
 * build, and read only if that build lacks them.
 */
function readRun(
  runsDir: string,
  runId: string,
  withLog: boolean,
  secrets: readonly string[],
  cached: RunCache['runs'][string] | undefined,
): { input: RunInput; files: RunFiles; entry: RunCache['runs'][string] } {
  const dir = path.join(runsDir, runId);
  const logId = withLog ? fileId(path.join(dir, 'run.log')) : null;
  const resultsId = fileId(path.join(dir, 'results.json'));
  if (cached && sameFile(logId, cached.log) && sameFile(resultsId, cached.results)) {
    let copy: ReturnType<typeof copyRun> | null = null;
    const again = () => (copy ??= copyRun(runsDir, runId, withLog, secrets));
    const produce = (which: 'log' | 'results') => async () => again()[which] ?? '';
    return {
      input: cached.input,
      files: {
        log: cached.input.hasLog ? { produce: produce('log') } : null,
        results: cached.input.hasResults ? { produce: produce('results') } : null,
      },
      entry: cached,
    };
  }
  const copy = copyRun(runsDir, runId, withLog, secrets);
  return {
    input: copy.input,
    files: { log: copy.log, results: copy.results },
    entry: { log: logId, results: resultsId, input: copy.input },
  };
}

/** The values no copy may hold, where the runner can know them: the mirror token. */
async function knownSecrets(config: Config): Promise<string[]> {
  if (!config.mirror) return [];
  try {
    return [await readToken(tokenPath(config.mirror.tokenFile))];
  } catch {
    return [];
  }
}

/**
 * The tags the last mirror sync published, from its sync record, or null. Read for
 * display only (the newest tag, a moved canonical tag): the record's full check is the
 * sweep's business (mirror/sync-record.ts), here a tag is a name and a 40-hex commit.
 */
function publishedTagsOf(file: string): { tag: string; commit: string }[] | null {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as { schema?: unknown; tags?: unknown };
    if (record.schema !== SYNC_RECORD_SCHEMA || !Array.isArray(record.tags)) return null;
    const tags = record.tags.filter(
      (t): t is { tag: string; commit: string } =>
        typeof t === 'object' && t !== null && typeof t.tag === 'string' && typeof t.commit === 'string' && /^[0-9a-f]{40}$/.test(t.commit),
    );
    return tags.length === record.tags.length ? tags.map(({ tag, commit }) => ({ tag, commit })) : null;
  } catch {
    return null;
  }
}

function canonicalStateOf(read: CanonicalRead): CanonicalState {
  if (read.state !== 'present') return read;
  const r = read.record;
  return {
    state: 'present',
    record: {
      version: r.version,
      commit: r.commit,
      level: r.level,
      status: r.status,
      promotedAt: r.promotedAt,
      updatedAt: r.updatedAt,
      runId: r.runId,
      domain: r.domain,
      snapshot: { id: r.snapshot.id, volumes: r.snapshot.volumes, bytes: r.snapshot.bytes },
    },
  };
}

async function readRecipe(
  config: Config,
  recipe: string,
  windowStart: string,
  cached: HistoryCacheEntry | undefined,
  problems: string[],
  definitionOf: (name: string) => Promise<DefinitionRead>,
): Promise<{ recipe: Omit<RecipeInput, 'runs' | 'lastReport'>; entry: HistoryCacheEntry | null }> {
  // The prerelease setting as the sweep has it, loaded only for a version that needs it
  // (a prerelease: the usual dashboard loads no definition).
  const allowPrereleases = lazyPrereleaseSetting(definitionOf, recipe, (problem) =>
    problems.push(`${recipe}: canonical version not judged against the prerelease setting: ${problem}`),
  );
  const [canonical, history, sync] = await Promise.all([
    readTrustedCanonical(config.stateDir, recipe, config.domain, { allowPrereleases }),
    readRecipeHistory(config.stateDir, recipe, windowStart, cached).catch((error: Error) => {
      problems.push(`${recipe}: attempts.jsonl: ${error.message}`);
      return { digest: EMPTY_DIGEST, nightAttempts: [] as Attempt[], badLines: 0, entry: null };
    }),
    publishedTagsOf(syncRecordPath(config.cacheDir, recipe)),
  ]);
  return {
    recipe: {
      recipe,
      canonical: canonicalStateOf(canonical),
      history: history.digest,
      nightAttempts: history.nightAttempts,
      badAttemptLines: history.badLines,
      publishedTags: sync,
    },
    entry: history.entry,
  };
}

function lastReportOf(reports: readonly ReportedSweep[], recipe: string): RecipeInput['lastReport'] {
  const latest = latestReportOf(reports, recipe);
  return latest ? { sweepId: latest.sweep.sweepId, startedAt: latest.sweep.startedAt, recipe: latest.recipe } : null;
}

export async function gatherDashboardState(
  config: Config,
  options: {
    now: Date;
    nights: number;
    summaries?: SummaryCache;
    runCache?: RunCache;
    /** The last call's histories (checked here: an entry that does not fit is not used). */
    histories?: Record<string, unknown>;
    /** Told of each run's files as soon as they are read (the caller may write them meanwhile). */
    onRunFiles?: (runId: string, files: RunFiles) => void;
  },
): Promise<GatheredState> {
  const generatedAt = options.now.toISOString();
  const windowStart = nightDates(generatedAt, options.nights)[0] as string;
  const since = Date.parse(`${windowStart}T00:00:00.000Z`);
  const names = enrolledNames(config);
  // The old reports are summarised on another thread while the recipes are read here;
  // the newest ones, read in full, are ready when this returns (it reads them first).
  const sweepsRead = readSweepSummaries(config.stateDir, since, names, options.summaries ?? {}, summarizeOnThread());
  sweepsRead.catch(() => undefined); // (awaited below; not an unhandled rejection meanwhile)
  const problems: string[] = [];
  const secrets = await knownSecrets(config);
  const fingerprint = createHash('sha256').update(REDACTION_FINGERPRINT).update('\u0000').update(secrets.join('\u0000')).digest('hex');
  const previousRuns = options.runCache?.fingerprint === fingerprint ? options.runCache.runs : {};
  const runCache: RunCache = { fingerprint, runs: {} };
  const runFiles = new Map<string, RunFiles>();
  // One recipe after another: every read here is synchronous (see readRegularFile), so
  // reading several at once would only interleave them.
  const recipes: Omit<RecipeInput, 'lastReport'>[] = [];
  const histories: HistoryCache = {};
  const definitionOf = definitionReader(config);
  for (const name of names) {
    const cached = options.histories && Object.hasOwn(options.histories, name) ? checkHistoryEntry(options.histories[name]) : undefined;
    const { recipe, entry } = await readRecipe(config, name, windowStart, cached, problems, definitionOf);
    if (entry) histories[name] = entry;
    const runs: Record<string, RunInput> = {};
    for (const { runId, log } of runsToRead(recipe)) {
      const run = readRun(config.runsDir, runId, log, secrets, Object.hasOwn(previousRuns, runId) ? previousRuns[runId] : undefined);
      runs[runId] = run.input;
      // (a run named by two recipes' records, by hand, is told of once)
      if (!runFiles.has(runId)) options.onRunFiles?.(runId, run.files);
      runFiles.set(runId, run.files);
      runCache.runs[runId] = run.entry;
    }
    recipes.push({ ...recipe, runs });
  }
  const { reports, problems: reportProblems, cache } = await sweepsRead;
  return {
    input: {
      generatedAt,
      nights: options.nights,
      recipes: recipes.map((recipe) => ({ ...recipe, lastReport: lastReportOf(reports, recipe.recipe) })),
      sweeps: reports,
      problems: [...reportProblems, ...problems].sort(),
    },
    runFiles,
    runCache,
    summaries: cache,
    histories,
  };
}
