// The runner's configuration as every command uses it, and how it is put together: the
// file's keys win, then the environment, then defaults. Apart from the file's zod schema
// (config.ts), so that a command reading a plain configuration (read-config.ts) never
// loads zod.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from './errors.js';
import type { RecipeOverrides } from './recipe-types.js';

export interface MirrorConfig {
  url: string;
  /** Gitea API base, e.g. https://git.example.org/api/v1; null: PRs are not reconciled. */
  api: string | null;
  owner: string;
  tokenFile: string;
}

/** What the configuration file holds once validated (configFileSchema's output). */
export interface ConfigFile {
  repo?: string | undefined;
  stateDir?: string | undefined;
  runsDir?: string | undefined;
  cacheDir?: string | undefined;
  abraDir?: string | undefined;
  server?: string | null | undefined;
  domain?: string | null | undefined;
  ingress?: string | null | undefined;
  upstream?: string | undefined;
  mirror?: MirrorConfig | null | undefined;
  recipes?: Record<string, RecipeOverrides> | undefined;
  maxConcurrentRuns?: number | undefined;
  minFreeDiskPercent?: number | undefined;
  metricsFile?: string | null | undefined;
  dashboardDir?: string | null | undefined;
}

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
  recipes: Record<string, RecipeOverrides>;
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

/** Where the configuration file is: --config, else CCCI_CONFIG, else none. */
export function configFileOf(options: { configFile?: string | undefined; env?: NodeJS.ProcessEnv }): string | undefined {
  const env = options.env ?? process.env;
  return options.configFile ?? (env.CCCI_CONFIG || undefined);
}

/** The file's validated keys, completed from the environment and the defaults. */
export function resolveConfig(fromFile: ConfigFile, file: string | undefined, env: NodeJS.ProcessEnv): Config {
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
