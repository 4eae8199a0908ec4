// Which recipes a sweep covers. A hollow enrollment (nothing enrolled, or an enrolled
// recipe without a definition in CCCI_REPO/recipes/) is an error before anything runs:
// the older system reported success every night while sweeping nothing.
import { existsSync } from 'node:fs';
import { identityOf, openDefinitionCache, type DefinitionCache } from './definition-cache.js';
import { InputError } from './errors.js';
import { applyOverrides, definitionPath, type RecipeDefinition } from './recipe-types.js';
import type { Config } from './resolve-config.js';

export interface EnrolledRecipe {
  name: string;
  definition: RecipeDefinition;
}

/**
 * The enrolled recipes, or those of them `selected`. `selectedBy` says how a selected name
 * was given, for the error of one that is not enrolled ("--recipe", or "recipe" for a
 * command's argument).
 */
export function enrolledNames(config: Config, selected: readonly string[] = [], selectedBy = '--recipe'): string[] {
  const enrolled = Object.keys(config.recipes).sort();
  if (enrolled.length === 0) {
    throw new InputError(`${config.source}: recipes: nothing is enrolled (the sweep would do nothing)`);
  }
  for (const name of selected) {
    if (!enrolled.includes(name)) throw new InputError(`${selectedBy} ${name}: not enrolled in ${config.source}`);
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
  options: { writeCache?: (file: string, value: unknown) => Promise<void>; selectedBy?: string } = {},
): Promise<EnrolledRecipe[]> {
  const names = enrolledNames(config, selected, options.selectedBy);
  const cache = openDefinitionCache(config.cacheDir);
  const problems: string[] = [];
  // The enrollment is hollow whichever recipes this command looks at: an enrolled recipe
  // left out of the selection still needs its definition (only its presence is checked).
  const looking = new Set(names);
  for (const name of Object.keys(config.recipes).sort()) {
    if (looking.has(name)) continue;
    const file = definitionPath(config.repo, name);
    if (!existsSync(file)) {
      problems.push(`recipe ${name} has no definition: ${file} does not exist (is CCCI_REPO the checkout holding recipes/?)`);
    }
  }
  const loaded: EnrolledRecipe[] = [];
  for (const name of names) {
    try {
      loaded.push({ name, definition: await definitionOf(config, cache, name) });
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

/** The definition of `name` with the configuration's overrides; throws InputError when it cannot be loaded. */
async function definitionOf(config: Config, cache: DefinitionCache, name: string): Promise<RecipeDefinition> {
  const overrides = config.recipes[name] ?? {};
  const file = definitionPath(config.repo, name);
  const cached = cache.lookup(name, file);
  if (cached) return applyOverrides(cached, overrides);
  // Identified before it is read: an edit in between makes the next lookup miss, never hit stale.
  const identity = identityOf(file);
  const { readDefinitionFile } = await import('./recipe-definition.js');
  const definition = await readDefinitionFile(config.repo, name);
  if (identity) cache.remember(name, identity, definition);
  return applyOverrides(definition, overrides);
}

/** A recipe's definition as the sweep takes it, or why it cannot be loaded. */
export type DefinitionRead = { definition: RecipeDefinition; problem: null } | { definition: null; problem: string };

/**
 * The definitions exactly as loadEnrolled gives them to the sweep (the definition cache,
 * the configuration's overrides), for the commands that only read and show (status, the
 * dashboard, the metrics): a recipe whose definition cannot be loaded is told of with the
 * reason instead of failing the whole command, nothing else is required of the
 * enrollment, and the cache is never written. Each is loaded when first asked for, at
 * most once, and the cache is opened on the first: a reader that needs few pays for few.
 */
export function definitionReader(config: Config): (name: string) => Promise<DefinitionRead> {
  let cache: DefinitionCache | null = null;
  const reads = new Map<string, Promise<DefinitionRead>>();
  const load = async (name: string): Promise<DefinitionRead> => {
    cache ??= openDefinitionCache(config.cacheDir);
    try {
      return { definition: await definitionOf(config, cache, name), problem: null };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { definition: null, problem: error.message };
    }
  };
  return (name) => {
    let read = reads.get(name);
    if (!read) reads.set(name, (read = load(name)));
    return read;
  };
}

/**
 * `name`'s prerelease setting for readTrustedCanonical, given lazily: it asks only for a
 * version that is not a plain release, and only then is the definition loaded. A
 * definition that cannot be loaded leaves the version unjudged (undefined), its problem
 * told to `onProblem`.
 */
export function lazyPrereleaseSetting(
  definitionOf: (name: string) => Promise<DefinitionRead>,
  name: string,
  onProblem: (problem: string) => void = () => undefined,
): () => Promise<boolean | undefined> {
  return async () => {
    const read = await definitionOf(name);
    if (read.problem) onProblem(read.problem);
    return read.definition?.allowPrereleases;
  };
}
