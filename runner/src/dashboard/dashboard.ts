// The dashboard, end to end: gather the state, build the model, render the pages, add
// the redacted run files, publish the directory in one step. Used after every sweep and
// by `ccci dashboard --out DIR`.
import type { Config } from '../config/config.js';
import { buildDashboard } from './model.js';
import { publishDirectory, type PublishResult } from './publish.js';
import { gatherDashboardState } from './read-state.js';
import { runHref } from './render-recipe.js';
import { renderSite, TOP_LEVEL } from './site.js';

/** How many nights of history the dashboard shows. */
export const DASHBOARD_NIGHTS = 90;

export interface DashboardWritten extends PublishResult {
  recipes: number;
  /** Recipes that need a look (red, erroring, invalid record, moved tag). */
  attention: number;
  /** Files of the state that could not be read (shown on the dashboard). */
  problems: string[];
}

export async function writeDashboard(
  config: Config,
  dir: string,
  options: { now?: Date; nights?: number } = {},
): Promise<DashboardWritten> {
  const now = options.now ?? new Date();
  const { input, runFiles } = await gatherDashboardState(config, { now, nights: options.nights ?? DASHBOARD_NIGHTS });
  const model = buildDashboard(input);
  const files: Map<string, string | Uint8Array> = renderSite(model);
  for (const [runId, copy] of runFiles) {
    if (copy.log !== null) files.set(runHref(runId, 'run.log', ''), copy.log);
    if (copy.results !== null) files.set(runHref(runId, 'results.json', ''), copy.results);
  }
  const published = await publishDirectory(dir, files, { topLevel: TOP_LEVEL, directories: ['recipes', 'badges', 'runs'] }, now);
  return {
    ...published,
    recipes: model.recipes.length,
    attention: model.recipes.filter((r) => r.attention.length > 0).length,
    problems: model.problems,
  };
}
