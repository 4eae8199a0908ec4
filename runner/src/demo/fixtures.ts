// Fixture recipes: real git repositories shaped like Co-op Cloud recipes (compose.yml
// with the app service's version label, volumes, backupbot labels, .env.sample), whose
// top-level `x-ccci-fake:` mapping tells the abra/docker test doubles how to behave.
// Used by the tests, by `ccci demo` and by the benchmark.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { cloneRepo, commitAll, initRepo, pushAll, tagHead } from '../effects/git.js';

export interface FakeBehaviour {
  /** fail: the app exits at once, every time (its tasks keep failing); hang: the deploy itself never returns (doubles only). */
  deploy?: 'ok' | 'fail' | 'hang';
  /** fail: the app runs but its healthcheck never passes (the task stays "starting"). */
  health?: 'ok' | 'fail';
  /** What GET answers once the app is up (the fixture app serves 200 or 404 only). */
  http?: number;
  /** Seconds after each start before the app is ready (a slow starter). */
  startSeconds?: number;
  backup?: 'ok' | 'fail';
  restore?: 'ok' | 'fail' | 'corrupt';
  /** Rule ids (R001-R016) `abra recipe lint` reports as not satisfied. */
  lint?: string[];
}

export interface FixtureShape {
  /** Top-level volumes, mounted into the app service under /data/<name>. Default ['content']. */
  volumes?: string[];
  /** backupbot labels on the app service. Default true. */
  backupCapable?: boolean;
  /** Docker secrets of the app service (abra generates them). Default ['db_password']. */
  secrets?: string[];
}

export interface FixtureRecipeOptions extends FixtureShape {
  /** When set, the first commit carries this version and is tagged with it. */
  version?: string;
  /** The first commit's version label when it is not tagged (default 0.1.0+fixture). */
  untaggedVersion?: string;
  fake?: FakeBehaviour;
}

export interface FixtureRecipe {
  name: string;
  /** The working repository (branch main). */
  dir: string;
}

/** The engine tier's fixture image (checks/engine/up builds it from busybox and checks/engine/fixture-app). */
export const FIXTURE_IMAGE = 'ccci-fixture:1';

const DEFAULT_VOLUMES = ['content'];
const DEFAULT_SECRETS = ['db_password'];

function normalizeFake(fake: FakeBehaviour | undefined): Record<string, unknown> | null {
  if (!fake) return null;
  const entries = Object.entries(fake).filter(([, value]) => value !== undefined);
  return entries.length === 0 ? null : Object.fromEntries(entries);
}

/** `SECRET_<NAME>_VERSION`: the .env key abra reads a secret's version from. */
export function secretVersionKey(secret: string): string {
  return `SECRET_${secret.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_VERSION`;
}

/**
 * The compose.yml text of a fixture recipe (pure). One file for both worlds: the abra/docker
 * doubles read its `x-ccci-fake:` mapping; on a real engine the fixture app reads the same
 * behaviour from the FIXTURE_* variables set here, listens on 127.0.0.1 (the host network)
 * and keeps its task "starting" until its healthcheck passes.
 */
export function fixtureComposeText(version: string, shape: FixtureShape = {}, fake?: FakeBehaviour): string {
  const volumes = shape.volumes ?? DEFAULT_VOLUMES;
  const secrets = shape.secrets ?? DEFAULT_SECRETS;
  const labels = [
    'traefik.enable=true',
    'traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)',
    `coop-cloud.\${STACK_NAME}.version=${version}`,
  ];
  if (shape.backupCapable ?? true) {
    labels.push('backupbot.backup=true', `backupbot.backup.path=${volumes.map((v) => `/data/${v}`).join(',')}`);
  }
  const app: Record<string, unknown> = {
    image: FIXTURE_IMAGE,
    environment: [
      'DOMAIN',
      `FIXTURE_VERSION=${version}`,
      `FIXTURE_DATA=/data/${volumes[0] ?? 'none'}`,
      `FIXTURE_START=${fake?.deploy === 'fail' ? 'fail' : 'ok'}`,
      `FIXTURE_HEALTH=${fake?.health === 'fail' ? 'fail' : 'ok'}`,
      `FIXTURE_START_SECONDS=${fake?.startSeconds ?? 0}`,
      `FIXTURE_HTTP=${fake?.http ?? 200}`,
    ],
    volumes: volumes.map((v) => `${v}:/data/${v}`),
    networks: ['hostnet'],
    healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ready'], interval: '1s', timeout: '1s', retries: 3, start_period: '10m' },
    // A failing app restarts every second (swarm's default is 5 s): red runs end sooner.
    deploy: { labels, restart_policy: { condition: 'any', delay: '1s' } },
  };
  if (secrets.length > 0) app.secrets = secrets;
  const compose: Record<string, unknown> = { version: '3.8', services: { app } };
  if (volumes.length > 0) compose.volumes = Object.fromEntries(volumes.map((v) => [v, null]));
  if (secrets.length > 0) {
    compose.secrets = Object.fromEntries(
      secrets.map((s) => [s, { external: true, name: `\${STACK_NAME}_${s}_\${${secretVersionKey(s)}}` }]),
    );
  }
  compose.networks = { hostnet: { external: true, name: 'host' } };
  const behaviour = normalizeFake(fake);
  if (behaviour) compose['x-ccci-fake'] = behaviour;
  return stringifyYaml(compose, { lineWidth: 0 });
}

const ENV_SAMPLE = (name: string, secrets: readonly string[]) =>
  [
    `TYPE=${name}`,
    '',
    `DOMAIN=${name}.example.com`,
    '',
    '## Domain aliases',
    '#EXTRA_DOMAINS=',
    'LETS_ENCRYPT_ENV=',
    '',
    ...secrets.map((s) => `${secretVersionKey(s)}=v1`),
    '',
  ].join('\n');

async function readShape(repo: string): Promise<FixtureShape> {
  const compose = parseYaml(await readFile(path.join(repo, 'compose.yml'), 'utf8')) as {
    volumes?: Record<string, unknown>;
    secrets?: Record<string, unknown>;
    services?: { app?: { deploy?: { labels?: string[] } } };
  };
  return {
    volumes: Object.keys(compose.volumes ?? {}),
    backupCapable: (compose.services?.app?.deploy?.labels ?? []).includes('backupbot.backup=true'),
    secrets: Object.keys(compose.secrets ?? {}),
  };
}

async function writeCompose(repo: string, version: string, shape: FixtureShape, fake?: FakeBehaviour): Promise<void> {
  await writeFile(path.join(repo, 'compose.yml'), fixtureComposeText(version, shape, fake));
}

/** Builds the working repository `dir` of recipe `name` with one commit (tagged when `version` is set). */
export async function createFixtureRecipe(
  dir: string,
  name: string,
  options: FixtureRecipeOptions = {},
): Promise<FixtureRecipe> {
  await mkdir(dir, { recursive: true });
  await initRepo(dir);
  const shape: FixtureShape = {
    volumes: options.volumes ?? DEFAULT_VOLUMES,
    backupCapable: options.backupCapable ?? true,
    secrets: options.secrets ?? DEFAULT_SECRETS,
  };
  const version = options.version ?? options.untaggedVersion ?? '0.1.0+fixture';
  await writeCompose(dir, version, shape, options.fake);
  await writeFile(path.join(dir, '.env.sample'), ENV_SAMPLE(name, shape.secrets ?? DEFAULT_SECRETS));
  await writeFile(
    path.join(dir, 'README.md'),
    `# ${name}\n\nA fixture recipe for cc-ci tests. Its \`x-ccci-fake:\` mapping steers the abra/docker test doubles, and the fixture app on a real engine.\n`,
  );
  await commitAll(dir, `${name}: initial recipe`);
  if (options.version) await tagHead(dir, options.version);
  return { name, dir };
}

/** Commits a new version of the recipe (version label + fake behaviour) and tags it. Returns the commit. */
export async function releaseVersion(repo: string, version: string, fake?: FakeBehaviour): Promise<string> {
  await writeCompose(repo, version, await readShape(repo), fake);
  const commit = await commitAll(repo, `release ${version}`);
  await tagHead(repo, version);
  return commit;
}

/** Commits without a tag (main moves ahead of the newest release). Returns the commit. */
export async function commitUntagged(
  repo: string,
  options: { version: string; fake?: FakeBehaviour; message?: string },
): Promise<string> {
  await writeCompose(repo, options.version, await readShape(repo), options.fake);
  return commitAll(repo, options.message ?? `work towards ${options.version}`);
}

/** `git clone --bare` of the working repository: an upstream or mirror to point the CI at. */
export async function bareCloneOf(repo: string, dest: string): Promise<string> {
  await cloneRepo(repo, dest, { bare: true });
  return dest;
}

/** Pushes main and every tag of the working repository to a bare clone made by bareCloneOf. */
export async function publishTo(repo: string, bare: string): Promise<void> {
  await pushAll(repo, bare);
}

/** Writes `<configRepo>/recipes/<name>/recipe.yaml` (a recipe definition) from an object. */
export async function writeRecipeDefinition(
  configRepo: string,
  name: string,
  definition: Record<string, unknown> = {},
): Promise<string> {
  const file = path.join(configRepo, 'recipes', name, 'recipe.yaml');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Object.keys(definition).length === 0 ? '{}\n' : stringifyYaml(definition));
  return file;
}
