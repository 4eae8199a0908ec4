// Reading the sweep reports of <stateDir>/sweeps/ back: for `ccci status RECIPE` and the
// dashboard. Read leniently (a report of an older or newer runner still gives what it
// has) and cheaply: the file name says when the sweep started, so a time window picks
// its files without opening the others. The writer and its schema are sweep/report.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** What a report says about one recipe (the fields the readers use). */
export interface ReportedRecipe {
  recipe: string;
  decision: string | null;
  reason: string;
  latestTag: string | null;
  runId: string | null;
  outcome: string;
  error: string | null;
  warnings: string[];
}

export interface ReportedSweep {
  file: string;
  sweepId: string;
  startedAt: string;
  durationMs: number;
  result: string;
  exitCode: number | null;
  retryRed: boolean;
  dryRun: boolean;
  /** What it said of each recipe; empty when only its summary was read (see readSweepSummaries). */
  recipes: ReportedRecipe[];
  /** How many recipes it covered. */
  recipeCount: number;
  /** Sweep-level warnings (e.g. the dashboard could not be written). */
  warnings: string[];
}

export function sweepsDir(stateDir: string): string {
  return path.join(stateDir, 'sweeps');
}

/** `2026-11-01T02-00-00-123Z-ab12.json` -> its start time in ms, or null for any other name. */
export function reportFileTime(name: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-[0-9a-f]+\.json$/.exec(name);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isFinite(ms) ? ms : null;
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function recipeOf(raw: unknown): ReportedRecipe | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.recipe !== 'string') return null;
  return {
    recipe: r.recipe,
    decision: strOrNull(r.decision),
    reason: str(r.reason),
    latestTag: strOrNull(r.latestTag),
    runId: strOrNull(r.runId),
    outcome: str(r.outcome, 'unknown'),
    error: strOrNull(r.error),
    warnings: strings(r.warnings),
  };
}

/** A report from its JSON text; throws with the problem when it is not one. */
export function parseSweepReport(file: string, text: string): ReportedSweep {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: not a sweep report (not an object)`);
  const r = raw as Record<string, unknown>;
  if (typeof r.sweepId !== 'string' || typeof r.startedAt !== 'string' || !Array.isArray(r.recipes)) {
    throw new Error(`${file}: not a sweep report (sweepId, startedAt or recipes missing)`);
  }
  return {
    file,
    sweepId: r.sweepId,
    startedAt: r.startedAt,
    durationMs: typeof r.durationMs === 'number' && r.durationMs >= 0 ? r.durationMs : 0,
    result: str(r.result, 'unknown'),
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : null,
    retryRed: r.retryRed === true,
    dryRun: r.dryRun === true,
    recipes: r.recipes.map(recipeOf).filter((x): x is ReportedRecipe => x !== null),
    recipeCount: r.recipes.length,
    warnings: strings(r.warnings),
  };
}

/** The summary fields of a report: what parseSweepReport returns, less what it said of each recipe. */
function summaryOf(report: ReportedSweep): SweepSummary {
  const { recipes: _recipes, ...summary } = report;
  return summary;
}

const RECIPES_KEY = '\n  "recipes": [';
const WARNINGS_KEY = '\n  "warnings": ';
/** Where each recipe's object starts in a report as the writer indents it (two levels in). */
const RECIPE_START = '\n    {';

/**
 * A report's summary without parsing what it says of each recipe (nine tenths of the
 * file): for a report exactly as writeSweepReport writes it (JSON.stringify with an
 * indent of 2, `recipes` last but for `warnings`), the fields before `recipes` and the
 * `warnings` after it are parsed on their own and the recipes counted by where their
 * objects start (a raw newline cannot be inside a JSON string, so the indentation is
 * only ever layout). Any other text gets the full parse, which also words the errors.
 * The test holds the two to the same answer.
 */
export function summarizeSweepReport(file: string, text: string): SweepSummary {
  const recipesAt = text.indexOf(RECIPES_KEY);
  if (recipesAt > 0 && text.startsWith('{\n  "') && text.indexOf(RECIPES_KEY, recipesAt + 1) < 0) {
    const warningsAt = text.lastIndexOf(WARNINGS_KEY);
    const withWarnings = warningsAt > recipesAt;
    // The recipes array, up to where the writer closes it: `],` before the warnings, `]\n}` at the end.
    const body = text.slice(recipesAt + RECIPES_KEY.length, withWarnings ? warningsAt : text.length).trimEnd();
    if ((withWarnings ? /(^|\n {2})\],$/ : /(^|\n {2})\]\n\}$/).test(body)) {
      try {
        const head = JSON.parse(`${text.slice(0, recipesAt).replace(/,\s*$/, '')}\n}`) as Record<string, unknown>;
        const tail = withWarnings ? (JSON.parse(`{${text.slice(warningsAt + 1)}`) as Record<string, unknown>) : {};
        const tailKeys = Object.keys(tail);
        if (!Object.hasOwn(head, 'recipes') && tailKeys.every((k) => k === 'warnings')) {
          let count = 0;
          for (let at = body.indexOf(RECIPE_START); at >= 0; at = body.indexOf(RECIPE_START, at + 1)) count += 1;
          const report = parseSweepReport(file, JSON.stringify({ ...head, recipes: [], warnings: tail.warnings }));
          return { ...summaryOf(report), recipeCount: count };
        }
      } catch {
        // Not the writer's layout after all: the full parse below decides.
      }
    }
  }
  return summaryOf(parseSweepReport(file, text));
}

export interface ReportsRead {
  /** Oldest first. */
  reports: ReportedSweep[];
  /** Files that could not be read, each with the reason. */
  problems: string[];
}

/** The report files started at or after `sinceMs`, oldest first (all of them when null). */
export async function readSweepReports(stateDir: string, sinceMs: number | null): Promise<ReportsRead> {
  const dir = sweepsDir(stateDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { reports: [], problems: [] };
    throw error;
  }
  const chosen = names
    .map((name) => ({ name, ms: reportFileTime(name) }))
    .filter((f): f is { name: string; ms: number } => f.ms !== null && (sinceMs === null || f.ms >= sinceMs))
    .sort((a, b) => a.ms - b.ms || (a.name < b.name ? -1 : 1));
  const problems: string[] = [];
  const reports = await Promise.all(
    chosen.map(async ({ name }) => {
      const file = path.join(dir, name);
      try {
        return parseSweepReport(file, await readFile(file, 'utf8'));
      } catch (error) {
        problems.push((error as Error).message);
        return null;
      }
    }),
  );
  return { reports: reports.filter((r): r is ReportedSweep => r !== null), problems: problems.sort() };
}

/** The newest report that covered `recipe`, with what it said of it. */
export function latestReportOf(
  reports: readonly ReportedSweep[],
  recipe: string,
): { sweep: ReportedSweep; recipe: ReportedRecipe } | null {
  for (let i = reports.length - 1; i >= 0; i -= 1) {
    const sweep = reports[i] as ReportedSweep;
    const found = sweep.recipes.find((r) => r.recipe === recipe);
    if (found) return { sweep, recipe: found };
  }
  return null;
}

/**
 * The newest report that covered `recipe`, reading from the newest file back (a
 * `--recipe` sweep may not have covered it), at most `limit` files.
 */
export async function findLatestReportOf(
  stateDir: string,
  recipe: string,
  limit = 100,
): Promise<{ sweep: ReportedSweep; recipe: ReportedRecipe } | null> {
  let names: string[];
  try {
    names = await readdir(sweepsDir(stateDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const newestFirst = names
    .map((name) => ({ name, ms: reportFileTime(name) }))
    .filter((f): f is { name: string; ms: number } => f.ms !== null)
    .sort((a, b) => b.ms - a.ms || (a.name < b.name ? 1 : -1))
    .slice(0, limit);
  for (const { name } of newestFirst) {
    const file = path.join(sweepsDir(stateDir), name);
    try {
      const found = latestReportOf([parseSweepReport(file, await readFile(file, 'utf8'))], recipe);
      if (found) return found;
    } catch {
      // An unreadable report says nothing about the recipe: look further back.
    }
  }
  return null;
}

/** A report file's summary, or why it has none: what summarising one file gives. */
export type SummaryOutcome = { summary: SweepSummary } | { problem: string };

function problemOf(file: string, error: unknown): string {
  return error instanceof SyntaxError ? `${file}: ${error.message}` : (error as Error).message;
}

/** Reads and summarises one report file (see summarizeSweepReport); never throws. */
export function summarizeReportFile(file: string): SummaryOutcome {
  try {
    return { summary: summarizeSweepReport(file, readFileSync(file, 'utf8')) };
  } catch (error) {
    return { problem: problemOf(file, error) };
  }
}

/** Summarises report files, in the order given: one by one here, or elsewhere (a thread). */
export type SummarizeFiles = (files: readonly string[]) => Promise<SummaryOutcome[]>;

export const summarizeHere: SummarizeFiles = async (files) => files.map(summarizeReportFile);

/** The cache is a file too: an entry of the wrong shape is read again from its report. */
function isSummary(value: unknown): value is SweepSummary {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.sweepId === 'string' && typeof v.startedAt === 'string' && typeof v.durationMs === 'number' &&
    typeof v.result === 'string' && typeof v.recipeCount === 'number' && typeof v.retryRed === 'boolean' &&
    typeof v.dryRun === 'boolean' && Array.isArray(v.warnings) && v.warnings.every((w) => typeof w === 'string')
  );
}

/** A report without what it said of each recipe: what a chart of the sweeps needs. */
export type SweepSummary = Omit<ReportedSweep, 'recipes'>;

/** Summaries of report files already read, by file name, with what identified the file then. */
export type SummaryCache = Record<string, { size: number; mtimeMs: number; summary: SweepSummary }>;

/**
 * The reports of the window, oldest first, for a view of many nights: the newest ones are
 * read in full until every recipe of `recipes` has its latest report (a `--recipe` sweep
 * covers only some), the older ones only summarised, from `cache` when the file is the
 * one summarised there (same size and mtime). A report file is never changed once
 * written, so 90 nights of 400-recipe reports cost one full read, not ninety.
 * Returns the cache to keep for the next call. The files are read synchronously, one after
 * another: each is read once in order, and a promise per file (open, stat, read, close
 * each a trip through libuv's four threads) cost more than the reading. The summaries
 * not in the cache are made by `summarize` (here, by default), given all at once once the
 * full reads are done: a caller with other work can have them made on another thread.
 */
export async function readSweepSummaries(
  stateDir: string,
  sinceMs: number,
  recipes: readonly string[],
  cache: SummaryCache,
  summarize: SummarizeFiles = summarizeHere,
): Promise<ReportsRead & { cache: SummaryCache }> {
  const dir = sweepsDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { reports: [], problems: [], cache: {} };
    throw error;
  }
  const newestFirst = names
    .map((name) => ({ name, ms: reportFileTime(name) }))
    .filter((f): f is { name: string; ms: number } => f.ms !== null && f.ms >= sinceMs)
    .sort((a, b) => b.ms - a.ms || (a.name < b.name ? 1 : -1));
  const uncovered = new Set(recipes);
  // Newest first, as read; a report still to be summarised holds its place as null.
  const reports: (ReportedSweep | null)[] = [];
  const toSummarize: { at: number; name: string; file: string; size: number; mtimeMs: number }[] = [];
  const problems: string[] = [];
  const next: SummaryCache = {};
  for (const { name } of newestFirst) {
    const file = path.join(dir, name);
    try {
      const info = statSync(file);
      const known = cache[name];
      if (uncovered.size === 0 && known && known.size === info.size && known.mtimeMs === info.mtimeMs && isSummary(known.summary)) {
        reports.push({ ...known.summary, file, recipes: [] });
        next[name] = known;
      } else if (uncovered.size > 0) {
        const report = parseSweepReport(file, readFileSync(file, 'utf8'));
        next[name] = { size: info.size, mtimeMs: info.mtimeMs, summary: summaryOf(report) };
        for (const r of report.recipes) uncovered.delete(r.recipe);
        reports.push(report);
      } else {
        toSummarize.push({ at: reports.length, name, file, size: info.size, mtimeMs: info.mtimeMs });
        reports.push(null);
      }
    } catch (error) {
      problems.push(problemOf(file, error));
    }
  }
  if (toSummarize.length > 0) {
    const outcomes = await summarize(toSummarize.map((s) => s.file));
    toSummarize.forEach(({ at, name, size, mtimeMs }, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) throw new Error(`internal: no summary of ${name}`);
      if ('problem' in outcome) {
        problems.push(outcome.problem);
        return;
      }
      next[name] = { size, mtimeMs, summary: outcome.summary };
      reports[at] = { ...outcome.summary, recipes: [] };
    });
  }
  return {
    reports: reports.filter((r): r is ReportedSweep => r !== null).reverse(),
    problems: problems.sort(),
    cache: next,
  };
}
