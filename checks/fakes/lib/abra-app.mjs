// The double's `abra app ...` and `abra server add` commands. Each does to $ABRA_DIR what
// real abra does, and to the swarm through the backend (backend.mjs: the fake swarm, or a
// real engine), and refuses what real abra refuses. What is not confirmed against a real
// abra is marked (check) in ../README.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { backend } from './backend.mjs';
import { fatal, info, warn } from './output.mjs';
import { checkout, headCommit, isDirty, isRepo, resolveCommit, tags } from './git.mjs';
import { appEnvKey, stackName } from './names.mjs';
import { compareReleases, latestRelease, parseRelease } from './versions.mjs';
import { describeStack } from './recipe.mjs';
import { backupsDir } from './state.mjs';
import { table } from './table.mjs';

export function abraDir() {
  return process.env.ABRA_DIR || path.join(process.env.HOME || '/root', '.abra');
}

function requireNoInput(flags, what) {
  if (!flags['no-input'] && !process.stdin.isTTY) {
    fatal(`${what}: unable to prompt for confirmation: not a terminal (use --no-input/-n)`);
  }
}

// Real abra's backup-bot-two commands need a terminal even with --no-input (the older
// system's journals, abra 0.13): bare, they die on the terminal ioctl.
function requireTerminal() {
  if (!process.stdout.isTTY) fatal('inappropriate ioctl for device');
}

function recipeDir(recipe) {
  return path.join(abraDir(), 'recipes', recipe);
}

function requireRecipe(recipe) {
  const dir = recipeDir(recipe);
  if (!existsSync(dir)) fatal(`unable to find recipe ${recipe} in ${path.join(abraDir(), 'recipes')} (offline?)`);
  if (!isRepo(dir)) fatal(`${dir} is not a git repository`);
  return dir;
}

export function readEnvFile(file) {
  const values = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return values;
}

/** Finds servers/<server>/<domain>.env; fatal when the app was never created. */
export function findApp(domain) {
  const servers = path.join(abraDir(), 'servers');
  if (existsSync(servers)) {
    for (const server of readdirSync(servers)) {
      const file = path.join(servers, server, `${domain}.env`);
      if (existsSync(file)) {
        const env = readEnvFile(file);
        const type = env.TYPE ?? env.RECIPE;
        if (!type) fatal(`${file}: no TYPE= (recipe) set`);
        const [recipe, version] = type.split(':');
        return { file, server, domain, env, recipe, envVersion: version || null, stack: env.STACK_NAME || stackName(domain) };
      }
    }
  }
  fatal(`cannot find app with name ${domain} (create it first with "abra app new")`);
}

function setEnvType(file, recipe, version) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => /^(TYPE|RECIPE)=/.test(line));
  const entry = `TYPE=${recipe}${version ? `:${version}` : ''}`;
  if (index >= 0) lines[index] = entry;
  else lines.unshift(entry);
  writeFileSync(file, lines.join('\n'));
}

/** What a deploy interpolates the compose files with: the app's .env, STACK_NAME and DOMAIN. */
function deployEnv(app) {
  return { ...readEnvFile(app.file), STACK_NAME: app.stack, DOMAIN: app.domain };
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// abra watches the deploy until every service converges, and gives up after a while
// (check: the older system saw it fail slow apps that converged later, so it passed
// --no-converge-checks and waited itself). The double's limit: FAKE_ABRA_CONVERGE_TIMEOUT_MS.
function convergeTimeoutMs() {
  const raw = process.env.FAKE_ABRA_CONVERGE_TIMEOUT_MS;
  return raw && /^\d+$/.test(raw) ? Number(raw) : 10_000;
}

function waitConverged(domain, stack) {
  const limit = convergeTimeoutMs();
  const started = Date.now();
  for (;;) {
    const state = backend().convergence(stack);
    if (state.converged) return;
    if (state.failure) fatal(`${domain}: deploy failed: ${stack} did not converge: ${state.failure}`);
    if (Date.now() - started >= limit) {
      fatal(`${domain}: deploy timed out: ${stack} did not converge within ${limit / 1000} s (${state.detail})`);
    }
    sleepSync(250);
  }
}

function hangForever() {
  // A deploy stuck talking to the engine: only a signal ends this.
  setInterval(() => undefined, 60_000);
}

// --- secrets -----------------------------------------------------------------------------

/**
 * Generates the values of the app's secrets into the swarm and prints them, as real abra
 * does (`abra app new --secrets`, `abra app secret generate --all`): whoever runs it must
 * keep that output out of logs.
 */
function generateSecrets(app, only = null) {
  const dir = requireRecipe(app.recipe);
  const env = readEnvFile(app.file);
  const described = describeStack(dir, app.stack, deployEnv(app));
  const rows = [];
  for (const [key, name] of Object.entries(described.secrets)) {
    if (only !== null && key !== only) continue;
    const version = env[appEnvKey(key)] ?? 'v1';
    const value = randomBytes(16).toString('hex');
    backend().createSecret(name, value);
    rows.push([key, version, value]);
  }
  if (only !== null && rows.length === 0) fatal(`${only} is not a secret of ${app.recipe}`);
  if (rows.length === 0) {
    info(`${app.domain}: ${app.recipe} has no secrets to generate`);
    return;
  }
  process.stdout.write(`${table(['NAME', 'VERSION', 'VALUE'], rows)}\n`);
  warn('generated secrets are not saved anywhere: note them down now if you need them');
}

// abra app secret generate <domain> [<secret> <version>] [--all]
export function appSecretGenerate({ flags, args }) {
  const [domain, secret] = args;
  requireNoInput(flags, 'app secret generate');
  const app = findApp(domain);
  if (!flags.all && !secret) fatal('provide a secret name or --all/-a');
  if (flags.all && secret) fatal('cannot use a secret name and --all/-a together');
  generateSecrets(app, flags.all ? null : secret);
}

// --- the app lifecycle -------------------------------------------------------------------

// abra app new <recipe> [version] --server S --domain D [--secrets] [--chaos]
export function appNew({ flags, args }) {
  const [recipe, version] = args;
  requireNoInput(flags, 'app new');
  if (!flags.server) fatal('no server provided (--server/-s is required with --no-input)');
  if (!flags.domain) fatal('no domain provided (--domain/-D is required with --no-input)');
  const dir = requireRecipe(recipe);
  const serverDir = path.join(abraDir(), 'servers', flags.server);
  if (!existsSync(serverDir)) fatal(`server ${flags.server} does not exist (abra server add ${flags.server})`);
  const envFile = path.join(serverDir, `${flags.domain}.env`);
  if (existsSync(envFile)) fatal(`${envFile} already exists?`);
  if (version) {
    if (!tags(dir).includes(version) && !resolveCommit(dir, version)) fatal(`${version} is not a known version of ${recipe}`);
    if (isDirty(dir)) fatal(`${recipe} has locally unstaged changes? please commit/remove your changes before proceeding`);
    checkout(dir, version);
  } else if (!flags.chaos) {
    const latest = latestRelease(tags(dir));
    if (latest) {
      if (isDirty(dir)) fatal(`${recipe} has locally unstaged changes? please commit/remove your changes before proceeding`);
      checkout(dir, latest);
    }
  }
  const sample = path.join(dir, '.env.sample');
  if (!existsSync(sample)) fatal(`${sample} does not exist?`);
  const lines = readFileSync(sample, 'utf8')
    .split('\n')
    .map((line) => (/^\s*DOMAIN=/.test(line) ? `DOMAIN=${flags.domain}` : line));
  mkdirSync(serverDir, { recursive: true });
  writeFileSync(envFile, lines.join('\n'), { mode: 0o600 });
  setEnvType(envFile, recipe, version ?? null);
  info(`${flags.domain} created (recipe ${recipe}${version ? ` ${version}` : ''})`);
  if (flags.secrets) generateSecrets(findApp(flags.domain));
}

/** Decides what a deploy deploys and checks the recipe checkout out accordingly (as abra does). */
function prepareCheckout(app, dir, requested, { chaos, ignoreEnvVersion }) {
  if (chaos) {
    const dirty = isDirty(dir);
    return { chaosVersion: `${headCommit(dir).slice(0, 8)}${dirty ? '+U' : ''}` };
  }
  let target = requested;
  if (!target && !ignoreEnvVersion && app.envVersion) target = app.envVersion;
  if (!target) target = latestRelease(tags(dir));
  if (!target) {
    // No released versions: abra deploys the latest commit.
    return { chaosVersion: headCommit(dir).slice(0, 8) };
  }
  if (!tags(dir).includes(target) && !resolveCommit(dir, target)) fatal(`${target} is not a known version of ${app.recipe}`);
  if (isDirty(dir)) fatal(`${app.recipe} has locally unstaged changes? please commit/remove your changes before proceeding`);
  checkout(dir, target);
  return { chaosVersion: null, target };
}

function deployStack(app, prepared, flags) {
  const dir = recipeDir(app.recipe);
  const env = deployEnv(app);
  const described = describeStack(dir, app.stack, env);
  const chaos = prepared.chaosVersion !== null;
  const abraLabels = {
    [`coop-cloud.${app.stack}.chaos`]: String(chaos),
    [`coop-cloud.${app.stack}.recipe`]: app.recipe,
    ...(chaos ? { [`coop-cloud.${app.stack}.chaos-version`]: prepared.chaosVersion } : {}),
  };
  backend().deploy({
    domain: app.domain,
    stack: app.stack,
    recipe: app.recipe,
    server: app.server,
    recipeDir: dir,
    env,
    described,
    abraLabels,
    chaos,
    chaosVersion: prepared.chaosVersion,
  });
  if (described.behaviour.deploy === 'hang') {
    info(`${app.domain}: waiting for ${app.stack}_app to converge...`);
    hangForever();
    return;
  }
  if (!flags['no-converge-checks']) waitConverged(app.domain, app.stack);
  if (!chaos) setEnvType(app.file, app.recipe, prepared.target ?? described.version);
  info(`${app.domain} deployed (${chaos ? `chaos ${prepared.chaosVersion}` : `version ${described.version}`})`);
}

// abra app deploy <domain> [version] [--chaos] [--force] [--no-converge-checks] [--no-domain-checks]
export function appDeploy({ flags, args }) {
  const [domain, version] = args;
  requireNoInput(flags, 'app deploy');
  const app = findApp(domain);
  const dir = requireRecipe(app.recipe);
  if (backend().isDeployed(app.stack) && !flags.force) fatal(`${domain} is already deployed (use --force/-f to redeploy)`);
  if (version && flags.chaos) fatal('cannot use [version] and --chaos/-C together');
  const prepared = prepareCheckout(app, dir, version ?? null, {
    chaos: Boolean(flags.chaos),
    ignoreEnvVersion: Boolean(flags['ignore-env-version']),
  });
  deployStack(app, prepared, flags);
}

/** The deployed release of the app service from its labels (null for a chaos deploy), as abra reads it. */
function deployedVersionOf(app) {
  const labels = backend().appLabels(app.stack) ?? {};
  if (labels[`coop-cloud.${app.stack}.chaos`] === 'true') return null;
  return labels[`coop-cloud.${app.stack}.version`] ?? null;
}

// abra app upgrade <domain> [version]
export function appUpgrade({ flags, args }) {
  const [domain, version] = args;
  requireNoInput(flags, 'app upgrade');
  const app = findApp(domain);
  const dir = requireRecipe(app.recipe);
  if (!backend().isDeployed(app.stack)) fatal(`${domain} is not deployed?`);
  const available = tags(dir);
  const target = version ?? latestRelease(available);
  if (!target) fatal(`no available upgrades for ${domain}`);
  if (!available.includes(target)) fatal(`${target} is not a published version of ${app.recipe}`);
  const deployed = deployedVersionOf(app);
  const current = deployed ? parseRelease(deployed) : null;
  const wanted = parseRelease(target);
  if (!wanted) fatal(`${target} is not a release version`);
  if (current && compareReleases(wanted, current) <= 0) {
    fatal(`${target} is not an upgrade from the deployed ${deployed} (use abra app rollback)`);
  }
  const prepared = prepareCheckout(app, dir, target, { chaos: false, ignoreEnvVersion: true });
  deployStack(app, prepared, flags);
}

// abra app undeploy <domain> [--prune]: `docker stack rm`, which returns before the
// stack's containers are gone (they linger while they shut down).
export function appUndeploy({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app undeploy');
  const app = findApp(domain);
  if (!backend().isDeployed(app.stack)) fatal(`${domain} is not deployed?`);
  backend().undeploy(app.stack);
  info(`${domain} undeployed (volumes kept)`);
}

// abra app remove <domain> [--force]: the .env, the volumes and the secrets.
export function appRemove({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app remove');
  const app = findApp(domain);
  const swarm = backend();
  if (swarm.isDeployed(app.stack)) fatal(`${domain} is still deployed. Run "abra app undeploy ${domain}"`);
  for (const volume of swarm.stackVolumes(app.stack)) {
    const problem = swarm.removeVolume(volume.name);
    if (problem) fatal(`removing volume ${volume.name}: ${problem}`);
  }
  for (const secret of swarm.stackSecretNames(app.stack)) swarm.removeSecret(secret);
  rmSync(app.file, { force: true });
  info(`${domain} removed (config, volumes and secrets)`);
}

function requireRunning(app) {
  const deployed = backend().describeDeployed(app.stack);
  if (!deployed) fatal(`${app.domain} is not deployed?`);
  if (!deployed.running) fatal(`${app.domain}: service ${app.stack}_app is not running`);
  if (!deployed.backupCapable) fatal(`no backup-capable services found for ${app.domain} (missing backupbot.backup=true)`);
  return describeStack(recipeDir(app.recipe), app.stack, deployEnv(app)).behaviour;
}

function runTar(args) {
  const result = spawnSync('tar', args, { encoding: 'utf8' });
  if (result.status !== 0) fatal(`tar ${args.join(' ')}: ${result.stderr.trim()}`);
}

function clearDir(dir) {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
}

// abra app backup create <domain> (backup-bot-two; the double tars every volume)
export function appBackupCreate({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app backup create');
  requireTerminal();
  const app = findApp(domain);
  const behaviour = requireRunning(app);
  if (behaviour.backup === 'fail') fatal(`${domain}: backup failed: backupbot exited with code 1`);
  const id = `${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
  const dir = path.join(backupsDir(app.stack), id);
  mkdirSync(dir, { recursive: true });
  for (const volume of backend().stackVolumes(app.stack)) {
    runTar(['--create', '--file', path.join(dir, `${volume.name}.tar`), '--directory', volume.mountpoint, '.']);
  }
  writeFileSync(path.join(backupsDir(app.stack), 'latest'), `${id}\n`);
  info(`backup created: snapshot ${id}`);
}

// abra app restore <domain> [--snapshot ID]
export function appRestore({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app restore');
  requireTerminal();
  const app = findApp(domain);
  const behaviour = requireRunning(app);
  const latestFile = path.join(backupsDir(app.stack), 'latest');
  const id = flags.snapshot ?? (existsSync(latestFile) ? readFileSync(latestFile, 'utf8').trim() : null);
  if (!id || !existsSync(path.join(backupsDir(app.stack), id))) fatal(`no backup snapshot found for ${domain}`);
  if (behaviour.restore === 'fail') fatal(`${domain}: restore failed: backupbot exited with code 1`);
  for (const volume of backend().stackVolumes(app.stack)) {
    clearDir(volume.mountpoint);
    if (behaviour.restore === 'corrupt') {
      writeFileSync(path.join(volume.mountpoint, 'restored-garbage'), 'not the data that was backed up\n');
    } else {
      runTar(['--extract', '--file', path.join(backupsDir(app.stack), id, `${volume.name}.tar`), '--directory', volume.mountpoint]);
    }
  }
  info(`restore of snapshot ${id} complete`);
}

// abra app ps <domain>
export function appPs({ args }) {
  const [domain] = args;
  const app = findApp(domain);
  const services = backend().services(app.stack);
  if (services.length === 0) fatal(`${domain} is not deployed?`);
  process.stdout.write(`${table(['SERVICE', 'STATE', 'VERSION'], services.map((s) => [s.name, s.state, s.version]))}\n`);
}

// abra server add --local: the engine this machine's docker client talks to, as "default".
export function serverAdd({ flags, args }) {
  const [name] = args;
  if (!flags.local) fatal(`the abra double adds only the local server (abra server add --local), not ${name ?? '(none)'}`);
  if (name !== undefined) fatal('abra server add --local takes no server name');
  const dir = path.join(abraDir(), 'servers', 'default');
  if (existsSync(dir)) fatal(`server at ${dir} already exists?`);
  mkdirSync(dir, { recursive: true });
  info('local server added as "default"');
}
