// The fake swarm: all state under $FAKE_SWARM_DIR.
//   stacks/<stack>.json        a deployed stack (services, labels, health, behaviour)
//   containers/<stack>.json    the containers of an undeployed stack, still shutting down
//   volumes/<name>/meta.json   a volume's labels; volumes/<name>/_data is its mountpoint
//   secrets/<name>.json        a swarm secret (its value: the double's swarm is a file tree)
//   backups/<stack>/<id>/      one backup: <volume>.tar per volume
//   log.jsonl                  every fake invocation (argv, cwd), for tests
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function swarmDir() {
  const dir = process.env.FAKE_SWARM_DIR;
  if (!dir) {
    process.stderr.write('FAKE_SWARM_DIR is not set: the abra/docker test doubles keep their state there\n');
    process.exit(3);
  }
  if (!path.isAbsolute(dir)) {
    process.stderr.write(`FAKE_SWARM_DIR must be an absolute path, got ${dir}\n`);
    process.exit(3);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

function writeJson(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, file);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

export function logInvocation(program, argv) {
  const line = JSON.stringify({ program, argv, cwd: process.cwd(), abraDir: process.env.ABRA_DIR ?? null, pid: process.pid });
  appendFileSync(path.join(swarmDir(), 'log.jsonl'), `${line}\n`);
  settleLingeringContainers();
}

// After `docker stack rm` a real stack's task containers take seconds to stop (the app's
// own shutdown, then docker's stop grace period): meanwhile `docker ps -a` lists them, their
// volumes are "in use", and the app may still write to its data. The double keeps an
// undeployed stack's containers for $FAKE_LINGER_MS (default 300 ms; a real engine here
// took 6 to 16 s); the first invocation after that time finishes their shutdown: it
// appends "stopped <version>" to the first volume's fake-app.log, as the fixture app does.
export function lingerMs() {
  const raw = process.env.FAKE_LINGER_MS;
  if (raw === undefined || raw === '') return 300;
  if (!/^\d+$/.test(raw)) {
    process.stderr.write(`FAKE_LINGER_MS must be a number of milliseconds, got ${raw}\n`);
    process.exit(3);
  }
  return Number(raw);
}

function containersFile(stack) {
  return path.join(swarmDir(), 'containers', `${stack}.json`);
}
export function addLingeringContainers(record) {
  writeJson(containersFile(record.stack), {
    stack: record.stack,
    volumes: record.volumes,
    version: record.chaos ? record.chaosVersion : record.version,
    until: Date.now() + lingerMs(),
  });
}
export function listContainers() {
  const dir = path.join(swarmDir(), 'containers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => readJson(path.join(dir, name)))
    .filter(Boolean);
}
/** Stops the containers of `stack` now (a new deploy of the stack replaces them). */
export function stopContainers(stack) {
  const record = readJson(containersFile(stack));
  if (!record) return;
  const first = record.volumes[0];
  if (first && existsSync(volumeMountpoint(first))) {
    appendFileSync(path.join(volumeMountpoint(first), 'fake-app.log'), `stopped ${record.version}\n`);
  }
  rmSync(containersFile(stack), { force: true });
}
function settleLingeringContainers() {
  for (const record of listContainers()) if (record.until <= Date.now()) stopContainers(record.stack);
}

export function stackFile(stack) {
  return path.join(swarmDir(), 'stacks', `${stack}.json`);
}
export function readStack(stack) {
  return readJson(stackFile(stack));
}
export function writeStack(stack, value) {
  writeJson(stackFile(stack), value);
}
export function removeStack(stack) {
  rmSync(stackFile(stack), { force: true });
}
export function listStacks() {
  const dir = path.join(swarmDir(), 'stacks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => readJson(path.join(dir, name)))
    .filter(Boolean);
}

export function volumeDir(name) {
  return path.join(swarmDir(), 'volumes', name);
}
export function volumeMountpoint(name) {
  return path.join(volumeDir(name), '_data');
}
export function readVolume(name) {
  const meta = readJson(path.join(volumeDir(name), 'meta.json'));
  return meta ? { ...meta, mountpoint: volumeMountpoint(name) } : null;
}
export function createVolume(name, labels) {
  const existing = readVolume(name);
  if (existing) return existing;
  mkdirSync(volumeMountpoint(name), { recursive: true });
  writeJson(path.join(volumeDir(name), 'meta.json'), { name, labels, createdAt: new Date().toISOString() });
  return readVolume(name);
}
export function removeVolumeDir(name) {
  rmSync(volumeDir(name), { recursive: true, force: true });
}
export function listVolumes() {
  const dir = path.join(swarmDir(), 'volumes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => readVolume(name))
    .filter(Boolean);
}
export function volumeInUse(name) {
  return [...listStacks(), ...listContainers()].some((holder) => holder.volumes.includes(name));
}

function secretFile(name) {
  return path.join(swarmDir(), 'secrets', `${name}.json`);
}
export function readSecret(name) {
  return readJson(secretFile(name));
}
export function createSecret(name, value) {
  mkdirSync(path.dirname(secretFile(name)), { recursive: true, mode: 0o700 });
  writeFileSync(secretFile(name), `${JSON.stringify({ name, value, createdAt: new Date().toISOString() })}\n`, { mode: 0o600, flag: 'wx' });
}
export function listSecrets() {
  const dir = path.join(swarmDir(), 'secrets');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => readJson(path.join(dir, name)))
    .filter(Boolean);
}
export function removeSecret(name) {
  rmSync(secretFile(name), { force: true });
}

export function backupsDir(stack) {
  return path.join(swarmDir(), 'backups', stack);
}
