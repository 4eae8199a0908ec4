// The runner's configuration: `--config FILE` or CCCI_CONFIG (JSON, written by the
// NixOS module), then the environment, then defaults. A key set in the file wins.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { recipeNameProblem, serverNameProblem } from '../core/names.js';
import { describeIssues, InputError } from './errors.js';
import { specialKeyProblem } from './prototype-keys.js';
import { recipeOverridesSchema } from './recipe-definition.js';

const absolutePath = z.string().refine((p) => path.isAbsolute(p), 'an absolute path');
const baseUrl = z
  .string()
  .regex(/^(https?|file|ssh):\/\/\S+$/, 'a URL (https://, http://, ssh:// or file://)')
  .transform((url) => url.replace(/\/+$/, ''));
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'host:port');
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
export type MirrorConfig = z.infer<typeof mirrorSchema>;

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
  ingress: hostPort.nullable().optional(),
  upstream: baseUrl.optional(),
  mirror: mirrorSchema.nullable().optional(),
  recipes: recipesSchema.optional(),
  maxConcurrentRuns: z.number().int().min(1).max(64).optional(),
  minFreeDiskPercent: z.number().min(0).max(99).optional(),
  metricsFile: absolutePath.nullable().optional(),
  /** Where each sweep writes the static dashboard (null: no dashboard). */
  dashboardDir: absolutePath.nullable().optional(),
});
type ConfigFile = z.infer<typeof configFileSchema>;

export interface Config {
  /** The checkout holding recipes/<name>/recipe.yaml. */
  repo: string;
  stateDir: string;
  runsDir: string;
  cacheDir: string;
  abraDir: string;
  server: string | null;
  domain: string | null;
  ingress: string | null;
  upstream: string;
  mirror: MirrorConfig | null;
  recipes: Record<string, z.infer<typeof recipeOverridesSchema>>;
  maxConcurrentRuns: number;
  minFreeDiskPercent: number;
  metricsFile: string | null;
  /** Where each sweep writes the dashboard; null or absent: none. */
  dashboardDir?: string | null;
  /** Where the configuration came from, for messages. */
  source: string;
}

/** The checkout this runner was built from: the nearest ancestor holding recipes/. */
export function defaultRepo(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'recipes'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

const ENV_KEYS = {
  CCCI_REPO: 'repo',
  CCCI_STATE_DIR: 'stateDir',
  CCCI_RUNS_DIR: 'runsDir',
  CCCI_CACHE_DIR: 'cacheDir',
  ABRA_DIR: 'abraDir',
} as const;

export function loadConfig(
  options: { configFile?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Config {
  const env = options.env ?? process.env;
  const file = options.configFile ?? (env.CCCI_CONFIG || undefined);
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
  const fromEnv: Partial<Record<(typeof ENV_KEYS)[keyof typeof ENV_KEYS], string>> = {};
  for (const [variable, key] of Object.entries(ENV_KEYS)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if (!path.isAbsolute(value)) {
      throw new InputError(`environment ${variable}: expected an absolute path, got ${JSON.stringify(value)}`);
    }
    fromEnv[key] = value;
  }
  const home = env.HOME || os.homedir();
  return {
    repo: fromFile.repo ?? fromEnv.repo ?? defaultRepo(),
    stateDir: fromFile.stateDir ?? fromEnv.stateDir ?? '/var/lib/ci-warm',
    runsDir: fromFile.runsDir ?? fromEnv.runsDir ?? '/var/lib/cc-ci-runs',
    cacheDir: fromFile.cacheDir ?? fromEnv.cacheDir ?? '/var/cache/cc-ci',
    abraDir: fromFile.abraDir ?? fromEnv.abraDir ?? path.join(home, '.abra'),
    server: fromFile.server ?? null,
    domain: fromFile.domain ?? null,
    ingress: fromFile.ingress ?? null,
    upstream: fromFile.upstream ?? 'https://git.coopcloud.tech/coop-cloud',
    mirror: fromFile.mirror ?? null,
    recipes: fromFile.recipes ?? {},
    maxConcurrentRuns: fromFile.maxConcurrentRuns ?? 1,
    minFreeDiskPercent: fromFile.minFreeDiskPercent ?? 10,
    metricsFile: fromFile.metricsFile ?? null,
    dashboardDir: fromFile.dashboardDir ?? null,
    source: file ?? 'defaults and environment',
  };
}

/** `<base>/<name>.git`, the one rule for upstream and mirror repository URLs. */
export function repoUrl(base: string, recipe: string): string {
  return `${base}/${recipe}.git`;
}

/** A key a command cannot work without. */
export function required<K extends 'server' | 'domain'>(config: Config, key: K): string {
  const value = config[key];
  if (!value) throw new InputError(`${config.source}: ${key}: required for this command, but not set`);
  return value;
}
