// The runner's configuration: `--config FILE` or CCCI_CONFIG (JSON, written by the
// NixOS module), then the environment, then defaults. A key set in the file wins.
// This module holds the file's schema, the specification; the commands read the file
// through read-config.ts, which asks this schema only about a file that is not plain.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { recipeNameProblem, serverNameProblem } from '../core/names.js';
import { describeIssues, InputError } from './errors.js';
import { specialKeyProblem } from './prototype-keys.js';
import { recipeOverridesSchema } from './recipe-definition.js';
import { configFileOf, resolveConfig, type Config, type ConfigFile, type MirrorConfig } from './resolve-config.js';

export { defaultRepo, repoUrl, required } from './resolve-config.js';
export type { Config, ConfigFile, MirrorConfig } from './resolve-config.js';

const absolutePath = z.string().refine((p) => path.isAbsolute(p), 'an absolute path');
const baseUrl = z
  .string()
  .regex(/^(https?|file|ssh):\/\/\S+$/, 'a URL (https://, http://, ssh:// or file://)')
  .transform((url) => url.replace(/\/+$/, ''));
/** The ingress: host:port (plain HTTP, or http://host:port), or https://host:port (TLS). */
const ingressAddress = z
  .string()
  .regex(/^(https?:\/\/)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/, 'host:port, http://host:port or https://host:port');
const domainName = z
  .string()
  .regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a DNS domain name');

export const mirrorSchema = z.strictObject({
  url: baseUrl,
  /** Gitea API base, e.g. https://git.example.org/api/v1; null: PRs are not reconciled. */
  api: baseUrl.nullable().default(null),
  owner: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a Gitea owner name'),
  tokenFile: absolutePath,
});

const recipesSchema = z
  .record(z.string(), recipeOverridesSchema)
  .superRefine((recipes, ctx) => {
    for (const name of Object.keys(recipes)) {
      const problem = recipeNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  });

/** abra's server name: a path component under ABRA_DIR/servers/, checked like a recipe name. */
const serverName = z.string().superRefine((name, ctx) => {
  const problem = serverNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** What the file may hold: every key optional, unknown keys refused. */
export const configFileSchema = z.strictObject({
  repo: absolutePath.optional(),
  stateDir: absolutePath.optional(),
  runsDir: absolutePath.optional(),
  cacheDir: absolutePath.optional(),
  abraDir: absolutePath.optional(),
  server: serverName.nullable().optional(),
  domain: domainName.nullable().optional(),
  ingress: ingressAddress.nullable().optional(),
  upstream: baseUrl.optional(),
  mirror: mirrorSchema.nullable().optional(),
  recipes: recipesSchema.optional(),
  maxConcurrentRuns: z.number().int().min(1).max(64).optional(),
  minFreeDiskPercent: z.number().min(0).max(99).optional(),
  metricsFile: absolutePath.nullable().optional(),
  /** Where each sweep writes the static dashboard (null: no dashboard). */
  dashboardDir: absolutePath.nullable().optional(),
});

// The schema describes exactly the types of resolve-config.ts (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameFile: Same<z.infer<typeof configFileSchema>, ConfigFile> = true;
const sameMirror: Same<z.infer<typeof mirrorSchema>, MirrorConfig> = true;
void sameFile;
void sameMirror;

export function loadConfig(
  options: { configFile?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Config {
  const env = options.env ?? process.env;
  const file = configFileOf(options);
  let fromFile: ConfigFile = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new InputError(`${file}: cannot read the configuration: ${(error as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${file}: not valid JSON: ${(error as Error).message}`);
    }
    const special = specialKeyProblem(file, raw);
    if (special) throw new InputError(special);
    const parsed = configFileSchema.safeParse(raw);
    if (!parsed.success) throw new InputError(describeIssues(file, parsed.error));
    fromFile = parsed.data;
  }
  return resolveConfig(fromFile, file, env);
}
