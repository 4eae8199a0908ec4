// What a recipe definition (recipes/<name>/recipe.yaml) is once read, and the per-recipe
// overrides of the configuration: the types and the zod-free helpers, apart from the
// schema (recipe-definition.ts, which checks at compile time that it describes exactly
// these types), so that a sweep whose definitions did not change loads neither zod nor
// the YAML parser (definition-cache.ts).
import path from 'node:path';

export const RUNG_NAMES = ['install', 'upgrade', 'backup', 'functional', 'lint'] as const;
export type RungName = (typeof RUNG_NAMES)[number];

/** The keys an operator may also set per recipe in the configuration (services.cc-ci.recipes.<name>). */
export interface RecipeOverrides {
  deployTimeoutSeconds?: number | undefined;
  httpTimeoutSeconds?: number | undefined;
  runTimeoutSeconds?: number | undefined;
  env?: Record<string, string> | undefined;
  upgradeEnv?: Record<string, string> | undefined;
  upgradeBase?: string | null | undefined;
  allowPrereleases?: boolean | undefined;
}

export type ReadyProbe =
  | { http: { path: string; statuses: number[] } }
  | { tcp: { port: number; stableChecks: number } };

export interface FunctionalCheck {
  name?: string | undefined;
  path: string;
  status: number;
  bodyContains?: string | undefined;
}

export interface RecipeDefinition {
  description?: string | undefined;
  deployTimeoutSeconds: number;
  httpTimeoutSeconds: number;
  /** Hard deadline for one whole CI run of this recipe. */
  runTimeoutSeconds: number;
  readyProbe: ReadyProbe;
  env: Record<string, string>;
  upgradeEnv: Record<string, string>;
  backup: {
    capable: boolean;
    /** Where the backup proof writes a marker before the backup and reads it after the restore. */
    verify?: { service: string; path: string } | undefined;
  };
  notApplicable: { rung: RungName; reason: string }[];
  upgradeBase: string | null;
  allowPrereleases: boolean;
  functional: FunctionalCheck[];
  dependsOn: string[];
}

export function definitionPath(repo: string, recipe: string): string {
  return path.join(repo, 'recipes', recipe, 'recipe.yaml');
}

export function applyOverrides(definition: RecipeDefinition, overrides: RecipeOverrides): RecipeDefinition {
  const merged: RecipeDefinition = { ...definition };
  if (overrides.deployTimeoutSeconds !== undefined) merged.deployTimeoutSeconds = overrides.deployTimeoutSeconds;
  if (overrides.httpTimeoutSeconds !== undefined) merged.httpTimeoutSeconds = overrides.httpTimeoutSeconds;
  if (overrides.runTimeoutSeconds !== undefined) merged.runTimeoutSeconds = overrides.runTimeoutSeconds;
  if (overrides.env) merged.env = { ...definition.env, ...overrides.env };
  if (overrides.upgradeEnv) merged.upgradeEnv = { ...definition.upgradeEnv, ...overrides.upgradeEnv };
  if (overrides.upgradeBase !== undefined) merged.upgradeBase = overrides.upgradeBase;
  if (overrides.allowPrereleases !== undefined) merged.allowPrereleases = overrides.allowPrereleases;
  return merged;
}
