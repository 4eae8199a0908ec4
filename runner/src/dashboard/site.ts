// Every page of the dashboard, by its path in the dashboard directory. The copied run
// files are added by dashboard.ts (they are read from disk). Pure.
import { renderBadge } from './badge.js';
import { renderIndex, recipeHref } from './render-index.js';
import { renderRecipePage } from './render-recipe.js';
import type { DashboardModel } from './model.js';
import { DASHBOARD_CSS } from './style.js';

/** The top-level entries of a dashboard directory (each its own name in every build). */
export const TOP_LEVEL = ['index.html', 'style.css', 'recipes', 'badges', 'runs'] as const;

export function renderSite(model: DashboardModel): Map<string, string> {
  const files = new Map<string, string>();
  files.set('index.html', renderIndex(model));
  files.set('style.css', DASHBOARD_CSS);
  for (const recipe of model.recipes) {
    files.set(recipeHref(recipe.recipe), renderRecipePage(recipe, model.generatedAt));
    files.set(`badges/${recipe.recipe}.svg`, renderBadge(recipe.badge));
  }
  return files;
}
