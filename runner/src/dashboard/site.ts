// Every page of the dashboard, by its path in the dashboard directory. The copied run
// files are added by dashboard.ts (they are read from disk). Pure.
import { renderBadge } from './badge.js';
import { renderIndex, recipeHref } from './render-index.js';
import { renderRecipePage } from './render-recipe.js';
import type { DashboardModel } from './model.js';
import { DASHBOARD_CSS } from './style.js';

/** The entries of every build (the pages, swapped together) and the directories all builds share. */
export const LAYOUT = {
  built: ['index.html', 'style.css', 'favicon.svg', 'recipes'],
  shared: ['badges', 'runs'],
} as const;

/** The pages' icon: one of the dashboard's own files, so a browser asks for nothing else. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1a7f37"/><path d="M4 8.5l2.5 2.5L12 5.5" fill="none" stroke="#fff" stroke-width="2"/></svg>\n';

/** Every page, one at a time, each rendered when asked for (the caller can write one while the next renders). */
export function* siteFiles(model: DashboardModel): Generator<[string, string]> {
  yield ['style.css', DASHBOARD_CSS];
  yield ['favicon.svg', FAVICON_SVG];
  for (const recipe of model.recipes) {
    yield [recipeHref(recipe.recipe), renderRecipePage(recipe, model.generatedAt)];
    yield [`badges/${recipe.recipe}.svg`, renderBadge(recipe.badge)];
  }
  yield ['index.html', renderIndex(model)];
}

export function renderSite(model: DashboardModel): Map<string, string> {
  return new Map(siteFiles(model));
}
