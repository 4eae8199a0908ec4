// recipes/<name>/recipe.yaml: what the CI needs to know about one recipe.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { recipeNameProblem } from '../core/names.js';
import { describeIssues, InputError } from './errors.js';
import { specialKeyProblem } from './prototype-keys.js';
import { applyOverrides, definitionPath, RUNG_NAMES, type RecipeDefinition, type RecipeOverrides } from './recipe-types.js';

export { applyOverrides, definitionPath, RUNG_NAMES } from './recipe-types.js';
export type { RecipeDefinition, RecipeOverrides, RungName } from './recipe-types.js';

const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an env variable name'), z.string());
const httpStatus = z.number().int().min(100).max(599);

const readyProbeSchema = z.union([
  z.strictObject({
    http: z.strictObject({
      path: z.string().startsWith('/'),
      statuses: z.array(httpStatus).min(1).default([200, 301, 302]),
    }),
  }),
  z.strictObject({
    tcp: z.strictObject({
      port: z.number().int().min(1).max(65535),
      stableChecks: z.number().int().min(1).default(3),
    }),
  }),
], { error: 'expected exactly one of {http: {path, statuses}} and {tcp: {port, stableChecks}}' });

const functionalCheckSchema = z.strictObject({
  name: z.string().min(1).optional(),
  path: z.string().startsWith('/'),
  status: httpStatus.default(200),
  bodyContains: z.string().optional(),
});

/** The keys an operator may also set per recipe in the configuration (services.cc-ci.recipes.<name>). */
export const recipeOverridesSchema = z.strictObject({
  deployTimeoutSeconds: z.number().int().positive().optional(),
  httpTimeoutSeconds: z.number().int().positive().optional(),
  runTimeoutSeconds: z.number().int().positive().optional(),
  env: envMap.optional(),
  upgradeEnv: envMap.optional(),
  upgradeBase: z.string().min(1).nullable().optional(),
  allowPrereleases: z.boolean().optional(),
});

export const recipeDefinitionSchema = z.strictObject({
  description: z.string().optional(),
  deployTimeoutSeconds: z.number().int().positive().default(300),
  httpTimeoutSeconds: z.number().int().positive().default(30),
  /** Hard deadline for one whole CI run of this recipe. */
  runTimeoutSeconds: z.number().int().positive().default(3600),
  readyProbe: readyProbeSchema.default({ http: { path: '/', statuses: [200, 301, 302] } }),
  env: envMap.default({}),
  upgradeEnv: envMap.default({}),
  backup: z
    .strictObject({
      capable: z.boolean(),
      /** Where the backup proof writes a marker before the backup and reads it after the restore. */
      verify: z
        .strictObject({ service: z.string().min(1).default('app'), path: z.string().startsWith('/') })
        .optional(),
    })
    .default({ capable: false }),
  notApplicable: z
    .array(z.strictObject({ rung: z.enum(RUNG_NAMES), reason: z.string().min(1) }))
    .default([]),
  upgradeBase: z.string().min(1).nullable().default(null),
  allowPrereleases: z.boolean().default(false),
  functional: z.array(functionalCheckSchema).default([]),
  dependsOn: z.array(z.string()).default([]),
});

// The schemas describe exactly the types of recipe-types.ts (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameDefinition: Same<z.infer<typeof recipeDefinitionSchema>, RecipeDefinition> = true;
const sameOverrides: Same<z.infer<typeof recipeOverridesSchema>, RecipeOverrides> = true;
void sameDefinition;
void sameOverrides;

/**
 * Parses and validates one definition; errors name the file and the key. The YAML parser
 * is loaded here, on first use: `ccci status` takes the definitions from the definition
 * cache (definition-cache.ts) and skips it unless one changed since the last sweep.
 */
export async function parseRecipeDefinition(text: string, file: string): Promise<RecipeDefinition> {
  const { parse: parseYaml } = await import('yaml');
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new InputError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const special = specialKeyProblem(file, raw);
  if (special) throw new InputError(special);
  const parsed = recipeDefinitionSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(describeIssues(file, parsed.error));
  return parsed.data;
}

/** Reads and validates recipes/<recipe>/recipe.yaml, as the file says (no overrides). */
export async function readDefinitionFile(repo: string, recipe: string): Promise<RecipeDefinition> {
  const nameProblem = recipeNameProblem(recipe);
  if (nameProblem) throw new InputError(nameProblem);
  const file = definitionPath(repo, recipe);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT'
        ? `recipe ${recipe} has no definition: ${file} does not exist (is CCCI_REPO the checkout holding recipes/?)`
        : `${file}: cannot read: ${(error as Error).message}`,
    );
  }
  return parseRecipeDefinition(text, file);
}

export async function loadRecipeDefinition(
  repo: string,
  recipe: string,
  overrides: RecipeOverrides = {},
): Promise<RecipeDefinition> {
  return applyOverrides(await readDefinitionFile(repo, recipe), overrides);
}
