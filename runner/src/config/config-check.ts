// The plain check of the configuration file (see core/record-checks.ts for why): it
// returns what configFileSchema would for a file as the NixOS module writes it, and
// undefined for anything it cannot vouch for (the schema then decides and words it).
import path from 'node:path';
import { isRecipeName } from '../core/names.js';
import { hasKeys, isFiniteNumberIn, isIntegerIn, isPlainObject, isPlainString, type Checked } from '../core/record-checks.js';
import { specialKeyPath } from './prototype-keys.js';
import type { RecipeOverrides } from './recipe-types.js';
import type { ConfigFile, MirrorConfig } from './resolve-config.js';

/** The file's keys, in the schema's order. */
export const CONFIG_FILE_KEYS = [
  'repo',
  'stateDir',
  'runsDir',
  'cacheDir',
  'abraDir',
  'server',
  'domain',
  'ingress',
  'upstream',
  'mirror',
  'recipes',
  'maxConcurrentRuns',
  'minFreeDiskPercent',
  'metricsFile',
  'dashboardDir',
] as const;
export const MIRROR_KEYS = ['url', 'api', 'owner', 'tokenFile'] as const;
export const OVERRIDE_KEYS = [
  'deployTimeoutSeconds',
  'httpTimeoutSeconds',
  'runTimeoutSeconds',
  'env',
  'upgradeEnv',
  'upgradeBase',
  'allowPrereleases',
] as const;

const BASE_URL = /^(https?|file|ssh):\/\/\S+$/;
const INGRESS = /^(https?:\/\/)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/;
const DOMAIN = /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const OWNER = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isAbsolutePath = (v: unknown): v is string => isPlainString(v) && path.isAbsolute(v);
const isBaseUrl = (v: unknown): v is string => isPlainString(v) && BASE_URL.test(v);
const trimSlashes = (url: string) => url.replace(/\/+$/, '');
const isPositiveInt = (v: unknown): v is number => isIntegerIn(v, 1, Number.MAX_SAFE_INTEGER);

function checkEnv(raw: unknown): Checked<Record<string, string>> {
  if (!isPlainObject(raw)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!ENV_NAME.test(key) || typeof value !== 'string') return undefined;
    out[key] = value;
  }
  return out;
}

function checkOverrides(raw: unknown): Checked<RecipeOverrides> {
  if (!isPlainObject(raw) || !hasKeys(raw, OVERRIDE_KEYS, [])) return undefined;
  const out: RecipeOverrides = {};
  for (const key of ['deployTimeoutSeconds', 'httpTimeoutSeconds', 'runTimeoutSeconds'] as const) {
    if (!Object.hasOwn(raw, key)) continue;
    if (!isPositiveInt(raw[key])) return undefined;
    out[key] = raw[key];
  }
  for (const key of ['env', 'upgradeEnv'] as const) {
    if (!Object.hasOwn(raw, key)) continue;
    const env = checkEnv(raw[key]);
    if (!env) return undefined;
    out[key] = env;
  }
  if (Object.hasOwn(raw, 'upgradeBase')) {
    const base = raw.upgradeBase;
    if (base !== null && !(isPlainString(base) && base.length > 0)) return undefined;
    out.upgradeBase = base;
  }
  if (Object.hasOwn(raw, 'allowPrereleases')) {
    if (typeof raw.allowPrereleases !== 'boolean') return undefined;
    out.allowPrereleases = raw.allowPrereleases;
  }
  // The schema's key order, whatever the file's.
  const ordered: RecipeOverrides = {};
  for (const key of OVERRIDE_KEYS) if (Object.hasOwn(out, key)) (ordered as Record<string, unknown>)[key] = out[key];
  return ordered;
}

function checkMirror(raw: unknown): Checked<MirrorConfig> {
  if (!isPlainObject(raw) || !hasKeys(raw, MIRROR_KEYS, ['url', 'owner', 'tokenFile'])) return undefined;
  const { url, owner, tokenFile } = raw;
  const api = Object.hasOwn(raw, 'api') ? raw.api : null;
  if (!isBaseUrl(url) || (api !== null && !isBaseUrl(api))) return undefined;
  if (typeof owner !== 'string' || !OWNER.test(owner) || !isAbsolutePath(tokenFile)) return undefined;
  return { url: trimSlashes(url), api: api === null ? null : trimSlashes(api), owner, tokenFile };
}

export function checkConfigFile(raw: unknown): Checked<ConfigFile> {
  if (!isPlainObject(raw) || !hasKeys(raw, CONFIG_FILE_KEYS, [])) return undefined;
  // A __proto__ key anywhere (an env name matches the pattern) is never vouched for: the
  // schema's reader refuses it, naming where it is.
  if (specialKeyPath(raw) !== null) return undefined;
  const out: Record<string, unknown> = {};
  const has = (key: string) => Object.hasOwn(raw, key);
  for (const key of ['repo', 'stateDir', 'runsDir', 'cacheDir', 'abraDir'] as const) {
    if (!has(key)) continue;
    if (!isAbsolutePath(raw[key])) return undefined;
    out[key] = raw[key];
  }
  if (has('server')) {
    // Stricter than the schema (a non-empty string): a name as abra's servers/ directory holds them.
    if (raw.server !== null && !(typeof raw.server === 'string' && isRecipeName(raw.server))) return undefined;
    out.server = raw.server;
  }
  if (has('domain')) {
    if (raw.domain !== null && !(typeof raw.domain === 'string' && DOMAIN.test(raw.domain))) return undefined;
    out.domain = raw.domain;
  }
  if (has('ingress')) {
    if (raw.ingress !== null && !(typeof raw.ingress === 'string' && INGRESS.test(raw.ingress))) return undefined;
    out.ingress = raw.ingress;
  }
  if (has('upstream')) {
    if (!isBaseUrl(raw.upstream)) return undefined;
    out.upstream = trimSlashes(raw.upstream);
  }
  if (has('mirror')) {
    if (raw.mirror === null) out.mirror = null;
    else {
      const mirror = checkMirror(raw.mirror);
      if (!mirror) return undefined;
      out.mirror = mirror;
    }
  }
  if (has('recipes')) {
    if (!isPlainObject(raw.recipes)) return undefined;
    const recipes: Record<string, RecipeOverrides> = {};
    for (const [name, value] of Object.entries(raw.recipes)) {
      if (!isRecipeName(name)) return undefined;
      const overrides = checkOverrides(value);
      if (!overrides) return undefined;
      recipes[name] = overrides;
    }
    out.recipes = recipes;
  }
  if (has('maxConcurrentRuns')) {
    if (!isIntegerIn(raw.maxConcurrentRuns, 1, 64)) return undefined;
    out.maxConcurrentRuns = raw.maxConcurrentRuns;
  }
  if (has('minFreeDiskPercent')) {
    if (!isFiniteNumberIn(raw.minFreeDiskPercent, 0, 99)) return undefined;
    out.minFreeDiskPercent = raw.minFreeDiskPercent;
  }
  if (has('metricsFile')) {
    if (raw.metricsFile !== null && !isAbsolutePath(raw.metricsFile)) return undefined;
    out.metricsFile = raw.metricsFile;
  }
  if (has('dashboardDir')) {
    if (raw.dashboardDir !== null && !isAbsolutePath(raw.dashboardDir)) return undefined;
    out.dashboardDir = raw.dashboardDir;
  }
  const ordered: Record<string, unknown> = {};
  for (const key of CONFIG_FILE_KEYS) if (Object.hasOwn(out, key)) ordered[key] = out[key];
  return ordered as ConfigFile;
}
