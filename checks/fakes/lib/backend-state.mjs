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
  lingerMs,
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
 * A redeploy of a running stack is a swarm service update (stop-first, swarm's default):
 * the old task keeps running, and answering, while it stops ($FAKE_LINGER_MS), the service's
 * labels already name the new version, and `docker service ls` counts the old task. The
 * update is complete when the new task converges, paused when it keeps failing.
 */
export function updateOf(record, now = Date.now()) {
  if (!record.previous) return null;
  const state = convergenceOf(record, now);
  if (state.converged) return { State: 'completed', Message: 'update completed' };
  if (state.failure) return { State: 'paused', Message: `update paused due to failure or early termination of task: ${state.failure}` };
  return { State: 'updating', Message: 'update in progress' };
}

/** The version answering HTTP now: the new one once converged, the old one while it stops, else none. */
export function servingOf(record, now = Date.now()) {
  if (convergenceOf(record, now).converged) return { version: record.version, chaosVersion: record.chaosVersion, chaos: record.chaos };
  const previous = record.previous;
  if (previous?.serving && now < previous.stopsAt) return previous;
  return null;
}

/** Running tasks as `docker service ls` counts them (the old task too, while it stops). */
export function runningReplicas(record, now = Date.now()) {
  return servingOf(record, now) ? 1 : 0;
}

/**
 * The tasks `docker service ps` shows for a stack's service: the current task (running
 * when converged, else starting); during an update, the old task (desired shutdown,
 * running until it has stopped); a failing app adds a failed task every half second
 * since the deploy, of which the newest five show (swarm's task history).
 */
export function tasksOf(record, service, now = Date.now()) {
  const state = convergenceOf(record, now);
  const tasks = [];
  const base = `${record.stack}_${service}`;
  if (state.failure) {
    // Swarm remembers the newest five: each new failure is a new task id.
    const failed = Math.floor((now - record.deployedAt) / 500) + 1;
    for (let n = failed; n >= Math.max(1, failed - 4); n--) {
      tasks.push({ id: `${record.deployedAt.toString(36)}f${n}`, name: `${base}.1`, desired: 'Shutdown', state: 'Failed', error: state.failure });
    }
  }
  if (record.previous) {
    const stopping = record.previous.serving && now < record.previous.stopsAt;
    tasks.unshift({ id: `${record.previous.deployedAt.toString(36)}r`, name: `${base}.1`, desired: 'Shutdown', state: stopping ? 'Running' : 'Shutdown', error: '' });
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
    // A redeploy after an undeploy starts afresh: the old containers are done.
    stopContainers(stack);
    // A redeploy of a deployed stack is an update: the old task stops while the new one starts.
    const old = readStack(stack);
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
      previous: old
        ? {
            version: old.version,
            chaos: old.chaos,
            chaosVersion: old.chaosVersion,
            deployedAt: old.deployedAt,
            serving: servingOf(old, deployedAt) !== null,
            stopsAt: deployedAt + lingerMs(),
          }
        : null,
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
