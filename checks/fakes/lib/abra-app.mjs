// The fake `abra app ...` commands. Each mirrors what real abra 0.11 does to
// $ABRA_DIR and to the swarm (here: $FAKE_SWARM_DIR), and refuses what real abra refuses.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fatal, info } from './output.mjs';
import { checkout, headCommit, isDirty, isRepo, resolveCommit, tags } from './git.mjs';
import { compareReleases, latestRelease, parseRelease } from './versions.mjs';
import { describeStack } from './recipe.mjs';
import {
  backupsDir,
  createVolume,
  listVolumes,
  readStack,
  removeStack,
  removeVolumeDir,
  volumeMountpoint,
  writeStack,
} from './state.mjs';

export function abraDir() {
  const dir = process.env.ABRA_DIR || path.join(process.env.HOME || '/root', '.abra');
  return dir;
}

export function stackName(domain) {
  return domain.replace(/\./g, '_');
}

function requireNoInput(flags, what) {
  if (!flags['no-input'] && !process.stdin.isTTY) {
    fatal(`${what}: unable to prompt for confirmation: not a terminal (use --no-input/-n)`);
  }
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
        return { file, server, env, recipe, envVersion: version || null };
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
  writeFileSync(envFile, lines.join('\n'));
  setEnvType(envFile, recipe, version ?? null);
  if (flags.secrets) {
    // Real abra generates the recipe's secrets into the swarm; the fake only records that it did.
    writeFileSync(`${path.join(serverDir, `.${flags.domain}.secrets-generated`)}`, `${new Date().toISOString()}\n`);
  }
  info(`${flags.domain} created (recipe ${recipe}${version ? ` ${version}` : ''})`);
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

function hangForever() {
  // Real abra waits for convergence that never comes; only a signal ends this.
  setInterval(() => undefined, 60_000);
}

function deployStack(domain, app, prepared) {
  const stack = stackName(domain);
  const dir = recipeDir(app.recipe);
  const described = describeStack(dir, stack, app.env);
  const volumes = described.volumes.map((v) => `${stack}_${v}`);
  for (const volume of volumes) createVolume(volume, { 'com.docker.stack.namespace': stack });
  const chaos = prepared.chaosVersion !== null;
  const services = {};
  for (const [name, labels] of Object.entries(described.services)) {
    services[name] = { ...labels, 'com.docker.stack.namespace': stack };
  }
  services.app[`coop-cloud.${stack}.chaos`] = String(chaos);
  services.app[`coop-cloud.${stack}.recipe`] = app.recipe;
  if (chaos) services.app[`coop-cloud.${stack}.chaos-version`] = prepared.chaosVersion;
  const record = {
    domain,
    stack,
    recipe: app.recipe,
    server: app.server,
    version: described.version,
    chaos,
    chaosVersion: prepared.chaosVersion,
    behaviour: described.behaviour,
    backupCapable: described.backupCapable,
    services,
    volumes,
    state: described.behaviour.deploy === 'ok' ? 'running' : described.behaviour.deploy === 'fail' ? 'failed' : 'starting',
    healthy: described.behaviour.deploy === 'ok' && described.behaviour.health === 'ok',
    deployedAt: new Date().toISOString(),
  };
  writeStack(stack, record);
  if (volumes.length > 0) {
    // Like an app running its migrations: every deploy leaves a trace in the first volume,
    // so an upgrade changes the data (what quick mode's snapshot restore must undo).
    appendFileSync(path.join(volumeMountpoint(volumes[0]), 'fake-app.log'), `deployed ${chaos ? prepared.chaosVersion : described.version}\n`);
  }
  if (described.behaviour.deploy === 'fail') {
    fatal(`${domain}: deploy failed: service ${stack}_app did not converge (task exited with code 1)`);
  }
  if (described.behaviour.deploy === 'hang') {
    info(`${domain}: waiting for ${stack}_app to converge...`);
    hangForever();
    return false;
  }
  if (!chaos) setEnvType(app.file, app.recipe, prepared.target ?? described.version);
  info(`${domain} deployed (${chaos ? `chaos ${prepared.chaosVersion}` : `version ${described.version}`})`);
  return true;
}

// abra app deploy <domain> [version] [--chaos] [--force] [--no-converge-checks] [--no-domain-checks]
export function appDeploy({ flags, args }) {
  const [domain, version] = args;
  requireNoInput(flags, 'app deploy');
  const app = findApp(domain);
  const dir = requireRecipe(app.recipe);
  const existing = readStack(stackName(domain));
  if (existing && !flags.force) fatal(`${domain} is already deployed (use --force/-f to redeploy)`);
  if (version && flags.chaos) fatal('cannot use [version] and --chaos/-C together');
  const prepared = prepareCheckout(app, dir, version ?? null, {
    chaos: Boolean(flags.chaos),
    ignoreEnvVersion: Boolean(flags['ignore-env-version']),
  });
  deployStack(domain, app, prepared);
}

// abra app upgrade <domain> [version]
export function appUpgrade({ flags, args }) {
  const [domain, version] = args;
  requireNoInput(flags, 'app upgrade');
  const app = findApp(domain);
  const dir = requireRecipe(app.recipe);
  const existing = readStack(stackName(domain));
  if (!existing) fatal(`${domain} is not deployed?`);
  const available = tags(dir);
  const target = version ?? latestRelease(available);
  if (!target) fatal(`no available upgrades for ${domain}`);
  if (!available.includes(target)) fatal(`${target} is not a published version of ${app.recipe}`);
  const current = existing.chaos ? null : parseRelease(existing.version ?? '');
  const wanted = parseRelease(target);
  if (!wanted) fatal(`${target} is not a release version`);
  if (current && compareReleases(wanted, current) <= 0) {
    fatal(`${target} is not an upgrade from the deployed ${existing.version} (use abra app rollback)`);
  }
  const prepared = prepareCheckout(app, dir, target, { chaos: false, ignoreEnvVersion: true });
  deployStack(domain, app, prepared);
}

// abra app undeploy <domain> [--prune]
export function appUndeploy({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app undeploy');
  findApp(domain);
  const stack = stackName(domain);
  if (!readStack(stack)) fatal(`${domain} is not deployed?`);
  removeStack(stack);
  info(`${domain} undeployed (volumes kept)`);
}

// abra app remove <domain> [--force]
export function appRemove({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app remove');
  const app = findApp(domain);
  const stack = stackName(domain);
  if (readStack(stack)) fatal(`${domain} is still deployed. Run "abra app undeploy ${domain}"`);
  for (const volume of listVolumes()) {
    if (volume.labels?.['com.docker.stack.namespace'] === stack) removeVolumeDir(volume.name);
  }
  rmSync(app.file, { force: true });
  rmSync(path.join(path.dirname(app.file), `.${domain}.secrets-generated`), { force: true });
  info(`${domain} removed (config, volumes and secrets)`);
}

function requireRunning(domain) {
  findApp(domain);
  const record = readStack(stackName(domain));
  if (!record) fatal(`${domain} is not deployed?`);
  if (record.state !== 'running') fatal(`${domain}: service ${record.stack}_app is not running`);
  if (!record.backupCapable) fatal(`no backup-capable services found for ${domain} (missing backupbot.backup=true)`);
  return record;
}

function runTar(args) {
  const result = spawnSync('tar', args, { encoding: 'utf8' });
  if (result.status !== 0) fatal(`tar ${args.join(' ')}: ${result.stderr.trim()}`);
}

function clearDir(dir) {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
}

// abra app backup create <domain>
export function appBackupCreate({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app backup create');
  const record = requireRunning(domain);
  if (record.behaviour.backup === 'fail') fatal(`${domain}: backup failed: backupbot exited with code 1`);
  const id = `${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
  const dir = path.join(backupsDir(record.stack), id);
  mkdirSync(dir, { recursive: true });
  for (const volume of record.volumes) {
    runTar(['--create', '--file', path.join(dir, `${volume}.tar`), '--directory', volumeMountpoint(volume), '.']);
  }
  writeFileSync(path.join(backupsDir(record.stack), 'latest'), `${id}\n`);
  info(`backup created: snapshot ${id}`);
}

// abra app restore <domain> [--snapshot ID]
export function appRestore({ flags, args }) {
  const [domain] = args;
  requireNoInput(flags, 'app restore');
  const record = requireRunning(domain);
  const latestFile = path.join(backupsDir(record.stack), 'latest');
  const id = flags.snapshot ?? (existsSync(latestFile) ? readFileSync(latestFile, 'utf8').trim() : null);
  if (!id || !existsSync(path.join(backupsDir(record.stack), id))) fatal(`no backup snapshot found for ${domain}`);
  if (record.behaviour.restore === 'fail') fatal(`${domain}: restore failed: backupbot exited with code 1`);
  for (const volume of record.volumes) {
    const mountpoint = volumeMountpoint(volume);
    clearDir(mountpoint);
    if (record.behaviour.restore === 'corrupt') {
      writeFileSync(path.join(mountpoint, 'restored-garbage'), 'not the data that was backed up\n');
    } else {
      runTar(['--extract', '--file', path.join(backupsDir(record.stack), id, `${volume}.tar`), '--directory', mountpoint]);
    }
  }
  info(`restore of snapshot ${id} complete`);
}

// abra app ps <domain>
export function appPs({ flags, args }) {
  const [domain] = args;
  findApp(domain);
  void flags;
  const record = readStack(stackName(domain));
  if (!record) fatal(`${domain} is not deployed?`);
  process.stdout.write('SERVICE\tSTATE\tVERSION\n');
  for (const name of Object.keys(record.services)) {
    const state = record.state === 'running' && record.healthy ? 'running' : record.state === 'running' ? 'unhealthy' : record.state;
    process.stdout.write(`${record.stack}_${name}\t${state}\t${record.chaos ? record.chaosVersion : record.version}\n`);
  }
}

