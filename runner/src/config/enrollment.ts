// Which recipes a sweep covers. A hollow enrollment (nothing enrolled, or an enrolled
// recipe without a definition in CCCI_REPO/recipes/) is an error before anything runs:
// the older system reported success every night while sweeping nothing.
import { identityOf, openDefinitionCache } from './definition-cache.js';
import { InputError } from './errors.js';
import { applyOverrides, definitionPath, type RecipeDefinition } from './recipe-types.js';
import type { Config } from './resolve-config.js';

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

/**
 * Loads every definition; all problems are reported together. Definitions whose files
 * did not change since they were last parsed come from the definition cache
 * (definition-cache.ts); `writeCache` (given by a sweep that may change things: an atomic
 * JSON write) writes it back.
 */
export async function loadEnrolled(
  config: Config,
  selected: readonly string[] = [],
  options: { writeCache?: (file: string, value: unknown) => Promise<void> } = {},
): Promise<EnrolledRecipe[]> {
  const names = enrolledNames(config, selected);
  const cache = openDefinitionCache(config.cacheDir);
  const problems: string[] = [];
  const loaded: EnrolledRecipe[] = [];
  for (const name of names) {
    const overrides = config.recipes[name] ?? {};
    const file = definitionPath(config.repo, name);
    const cached = cache.lookup(name, file);
    if (cached) {
      loaded.push({ name, definition: applyOverrides(cached, overrides) });
      continue;
    }
    // Identified before it is read: an edit in between makes the next lookup miss, never hit stale.
    const identity = identityOf(file);
    const { readDefinitionFile } = await import('./recipe-definition.js');
    try {
      const definition = await readDefinitionFile(config.repo, name);
      if (identity) cache.remember(name, identity, definition);
      loaded.push({ name, definition: applyOverrides(definition, overrides) });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new InputError(problems.join('\n'));
  // A cache that cannot be written costs the next sweep time, never correctness.
  if (options.writeCache) await cache.save(options.writeCache).catch(() => undefined);
  return loaded;
}
