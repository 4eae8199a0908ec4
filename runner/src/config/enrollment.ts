// Which recipes a sweep covers. A hollow enrollment (nothing enrolled, or an enrolled
// recipe without a definition in CCCI_REPO/recipes/) is an error before anything runs:
// the older system reported success every night while sweeping nothing.
import { InputError } from './errors.js';
import { loadRecipeDefinition, type RecipeDefinition } from './recipe-definition.js';
import type { Config } from './config.js';

export interface EnrolledRecipe {
  name: string;
  definition: RecipeDefinition;
}

export function enrolledNames(config: Config, selected: readonly string[] = []): string[] {
  const enrolled = Object.keys(config.recipes).sort();
  if (enrolled.length === 0) {
    throw new InputError(`${config.source}: recipes: nothing is enrolled (the sweep would do nothing)`);
  }
  for (const name of selected) {
    if (!enrolled.includes(name)) throw new InputError(`--recipe ${name}: not enrolled in ${config.source}`);
  }
  return selected.length > 0 ? [...new Set(selected)].sort() : enrolled;
}

/** Loads every definition; all problems are reported together. */
export async function loadEnrolled(config: Config, selected: readonly string[] = []): Promise<EnrolledRecipe[]> {
  const names = enrolledNames(config, selected);
  const problems: string[] = [];
  const loaded: EnrolledRecipe[] = [];
  for (const name of names) {
    try {
      loaded.push({ name, definition: await loadRecipeDefinition(config.repo, name, config.recipes[name] ?? {}) });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new InputError(problems.join('\n'));
  return loaded;
}
