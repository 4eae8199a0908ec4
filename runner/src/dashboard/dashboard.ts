// The dashboard, end to end: gather the state, build the model, render the pages, add
// the redacted run files, publish the directory in one step. Used after every sweep and
// by `ccci dashboard --out DIR`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { writeJsonAtomic } from '../effects/atomic-file.js';
import { computeAtFullSpeed } from '../effects/exec.js';
import type { SummaryCache } from '../status/sweep-reports.js';
import { buildDashboard } from './model.js';
import { beginPublication, type PublishResult } from './publish.js';
import type { HistoryCache } from './read-history.js';
import { gatherDashboardState, type RunCache } from './read-state.js';
import { runHref } from './render-recipe.js';
import { LAYOUT, siteFiles } from './site.js';

/**
 * What the last dashboard learnt and the next may trust: sweep report summaries and the
 * runs it copied. Beside the builds, a dot-file (never served). Losing it only costs the
 * next dashboard a full read.
 */
const CACHE = '.cache.json';

interface Cache {
  sweeps: SummaryCache;
  runs: RunCache | undefined;
  /** Recipe -> its history digest (each entry checked when used, read-history.ts). */
  histories: Record<string, unknown>;
}

function isRunEntry(runId: string, entry: unknown): boolean {
  const input = (entry as { input?: Record<string, unknown> } | null)?.input;
  return (
    typeof input === 'object' && input !== null && input.runId === runId && Array.isArray(input.rungs) &&
    typeof input.hasLog === 'boolean' && typeof input.hasResults === 'boolean'
  );
}

async function readCache(file: string): Promise<Cache> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Cache>;
    const sweeps = typeof parsed.sweeps === 'object' && parsed.sweeps !== null ? parsed.sweeps : {};
    const runs = parsed.runs;
    const valid =
      typeof runs === 'object' && runs !== null && typeof runs.fingerprint === 'string' && typeof runs.runs === 'object' && runs.runs !== null
        ? { fingerprint: runs.fingerprint, runs: Object.fromEntries(Object.entries(runs.runs).filter(([id, e]) => isRunEntry(id, e))) }
        : undefined;
    const histories = typeof parsed.histories === 'object' && parsed.histories !== null && !Array.isArray(parsed.histories) ? parsed.histories : {};
    return { sweeps, runs: valid, histories };
  } catch {
    return { sweeps: {}, runs: undefined, histories: {} };
  }
}

/** How many nights of history the dashboard shows. */
export const DASHBOARD_NIGHTS = 90;

export interface DashboardWritten extends PublishResult {
  recipes: number;
  /** Recipes that need a look (red, erroring, invalid record, moved tag). */
  attention: number;
  /** Files of the state that could not be read (shown on the dashboard). */
  problems: string[];
}

/** Writes the dashboard of `config`'s state into `dir` (see publish.ts for the layout). */
export async function writeDashboard(
  config: Config,
  dir: string,
  options: { now?: Date; nights?: number } = {},
): Promise<DashboardWritten> {
  // Reading and rendering 400 recipes is computing, not starting programs (exec.ts says why this matters).
  return computeAtFullSpeed(() => write(config, dir, options));
}

async function write(config: Config, dir: string, options: { now?: Date; nights?: number }): Promise<DashboardWritten> {
  const now = options.now ?? new Date();
  const cacheFile = path.join(path.resolve(dir), CACHE);
  const cache = await readCache(cacheFile);
  // The build is begun first (the directory claimed and locked) so that each file can be
  // written as soon as it is made, while the next ones are read and rendered.
  const publication = await beginPublication(dir, LAYOUT, now);
  let written: Omit<DashboardWritten, keyof PublishResult>;
  let kept: { sweeps: SummaryCache; runs: RunCache; histories: HistoryCache };
  try {
    const { input, summaries, runCache, histories } = await gatherDashboardState(config, {
      now,
      nights: options.nights ?? DASHBOARD_NIGHTS,
      summaries: cache.sweeps,
      histories: cache.histories,
      ...(cache.runs ? { runCache: cache.runs } : {}),
      onRunFiles: (runId, copy) => {
        if (copy.log !== null) publication.add(runHref(runId, 'run.log', ''), copy.log);
        if (copy.results !== null) publication.add(runHref(runId, 'results.json', ''), copy.results);
      },
    });
    const model = buildDashboard(input);
    for (const [name, content] of siteFiles(model)) publication.add(name, content);
    written = {
      recipes: model.recipes.length,
      attention: model.recipes.filter((r) => r.attention.length > 0).length,
      problems: model.problems,
    };
    kept = { sweeps: summaries, runs: runCache, histories };
  } catch (error) {
    await publication.abandon();
    throw error;
  }
  const published = await publication.commit();
  await writeJsonAtomic(cacheFile, kept).catch(() => undefined);
  return { ...published, ...written };
}
