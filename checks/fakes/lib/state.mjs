// The fake swarm: all state under $FAKE_SWARM_DIR.
//   stacks/<stack>.json        a deployed stack (services, labels, health, behaviour)
//   volumes/<name>/meta.json   a volume's labels; volumes/<name>/_data is its mountpoint
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
  return listStacks().some((stack) => stack.volumes.includes(name));
}

export function backupsDir(stack) {
  return path.join(swarmDir(), 'backups', stack);
}
