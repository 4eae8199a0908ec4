// The abra double's swarm when there is no Docker engine: the fake swarm of state.mjs,
// under $FAKE_SWARM_DIR. It behaves as the real engine does where the runner can tell:
// tasks that keep failing, a healthcheck that keeps a task "starting", a slow starter,
// containers that linger after an undeploy (see state.mjs), secrets that must exist
// before a deploy. backend-docker.mjs is the same interface on a real engine.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fatal } from './output.mjs';
import {
  addLingeringContainers,
  createSecret,
  createVolume,
  listSecrets,
  listVolumes,
  readSecret,
  readStack,
  removeSecret,
  removeStack,
  removeVolumeDir,
  stopContainers,
  volumeInUse,
  volumeMountpoint,
  writeStack,
} from './state.mjs';

const STACK_LABEL = 'com.docker.stack.namespace';

/** How a deployed stack's tasks stand now: derived from its behaviour and its age. */
export function convergenceOf(record, now = Date.now()) {
  if (record.behaviour.deploy === 'fail') {
    return { converged: false, failure: 'task: non-zero exit (1)', detail: `${record.stack}_app 0/1 (tasks keep failing)` };
  }
  if (record.behaviour.deploy === 'hang' || record.behaviour.health !== 'ok') {
    return { converged: false, failure: null, detail: `${record.stack}_app 0/1 (starting: healthcheck not passing)` };
  }
  if (now < record.healthyAt) {
    return { converged: false, failure: null, detail: `${record.stack}_app 0/1 (starting)` };
  }
  return { converged: true, failure: null, detail: `${record.stack}_app 1/1` };
}

/**
 * The tasks `docker service ps` shows for a stack's service: one running task when
 * converged, else one starting task; a failing app adds a failed task every half second
 * since the deploy (five at most, like swarm's task history).
 */
export function tasksOf(record, service, now = Date.now()) {
  const state = convergenceOf(record, now);
  const tasks = [];
  const base = `${record.stack}_${service}`;
  if (state.failure) {
    const failed = Math.min(5, Math.floor((now - record.deployedAt) / 500) + 1);
    for (let n = failed; n >= 1; n--) {
      tasks.push({ id: `${record.deployedAt.toString(36)}f${n}`, name: `${base}.1`, desired: 'Shutdown', state: 'Failed', error: state.failure });
    }
  }
  tasks.unshift({
    id: `${record.deployedAt.toString(36)}r`,
    name: `${base}.1`,
    desired: 'Running',
    state: state.converged ? 'Running' : 'Starting',
    error: '',
  });
  return tasks;
}

export const stateBackend = {
  name: 'state',

  isDeployed(stack) {
    return readStack(stack) !== null;
  },

  secretExists(name) {
    return readSecret(name) !== null;
  },
  createSecret(name, value) {
    if (readSecret(name)) fatal(`secret ${name} already exists: rpc error: code = AlreadyExists`);
    createSecret(name, value);
  },
  stackSecretNames(stack) {
    return listSecrets()
      .map((s) => s.name)
      .filter((name) => name.startsWith(`${stack}_`));
  },
  removeSecret(name) {
    removeSecret(name);
  },

  /** Creates the stack's volumes and records the stack; the app logs "deployed <version>". */
  deploy({ domain, stack, recipe, server, described, abraLabels, chaos, chaosVersion }) {
    for (const [key, name] of Object.entries(described.secrets)) {
      if (!readSecret(name)) fatal(`failed to create service ${stack}_app: secret not found: ${name} (secret ${key} of the app)`);
    }
    // A redeploy replaces the old containers at once.
    stopContainers(stack);
    const volumes = described.volumes.map((v) => `${stack}_${v}`);
    for (const volume of volumes) createVolume(volume, { [STACK_LABEL]: stack });
    const services = {};
    for (const [name, labels] of Object.entries(described.services)) services[name] = { ...labels, [STACK_LABEL]: stack };
    Object.assign(services.app, abraLabels);
    const deployedAt = Date.now();
    const record = {
      domain,
      stack,
      recipe,
      server,
      version: described.version,
      chaos,
      chaosVersion,
      behaviour: described.behaviour,
      backupCapable: described.backupCapable,
      services,
      volumes,
      secrets: described.secrets,
      deployedAt,
      healthyAt: deployedAt + described.behaviour.startSeconds * 1000,
    };
    writeStack(stack, record);
    if (volumes.length > 0) {
      // Like an app running its migrations: every deploy leaves a trace in the first volume,
      // so an upgrade changes the data (what quick mode's snapshot restore must undo).
      appendFileSync(path.join(volumeMountpoint(volumes[0]), 'fake-app.log'), `deployed ${chaos ? chaosVersion : described.version}\n`);
    }
  },

  appLabels(stack) {
    return readStack(stack)?.services.app ?? null;
  },

  convergence(stack) {
    const record = readStack(stack);
    if (!record) return { converged: false, failure: null, detail: `no services of stack ${stack}` };
    return convergenceOf(record);
  },

  /** Running and backup-capable, as a backup needs it; fatal otherwise. */
  describeDeployed(stack) {
    const record = readStack(stack);
    if (!record) return null;
    return { running: convergenceOf(record).converged, backupCapable: record.backupCapable, behaviour: record.behaviour };
  },

  services(stack) {
    const record = readStack(stack);
    if (!record) return [];
    const state = convergenceOf(record);
    return Object.keys(record.services).map((name) => ({
      name: `${stack}_${name}`,
      state: state.converged ? 'running' : state.failure ? 'failing' : 'starting',
      version: record.chaos ? record.chaosVersion : record.version,
    }));
  },

  /** `docker stack rm`: the services go at once, the containers linger (state.mjs). */
  undeploy(stack) {
    const record = readStack(stack);
    removeStack(stack);
    if (record) addLingeringContainers(record);
  },

  stackVolumes(stack) {
    return listVolumes()
      .filter((v) => v.labels?.[STACK_LABEL] === stack)
      .map((v) => ({ name: v.name, mountpoint: volumeMountpoint(v.name) }));
  },

  /** null when removed, else docker's reason. */
  removeVolume(name) {
    if (volumeInUse(name)) return `Error response from daemon: remove ${name}: volume is in use`;
    removeVolumeDir(name);
    return null;
  },
};
