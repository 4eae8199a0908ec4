// The abra double's swarm on a real Docker engine (FAKE_BACKEND=docker): what real abra
// does through the Docker API, done through the docker CLI. Deploys are real
// `docker stack deploy`s of the recipe checkout's compose files with the app's .env as
// their environment and abra's labels added to the app service; undeploy is a real
// `docker stack rm` (whose containers linger); volumes, secrets and their removal are
// the engine's own. Only what no engine can give without a registry stays the double's:
// backups are tars of the volumes' host mountpoints (no backup-bot-two image here).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fatal } from './output.mjs';

const STACK_LABEL = 'com.docker.stack.namespace';

function docker(args, { input, env, allowFailure = false } = {}) {
  const result = spawnSync('docker', args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) fatal(`unable to run docker: ${result.error.message}`);
  if (result.status !== 0 && !allowFailure) {
    fatal(`docker ${args.slice(0, 2).join(' ')}: ${(result.stderr || result.stdout).trim()}`);
  }
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr.trim() };
}

function lines(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function serviceStates(stack) {
  const { stdout } = docker(['service', 'ls', '--filter', `label=${STACK_LABEL}=${stack}`, '--format', '{{.Name}} {{.Replicas}}']);
  return lines(stdout).map((line) => {
    const [name = '', replicas = ''] = line.split(/\s+/);
    const m = /^(\d+)\/(\d+)/.exec(replicas);
    return { name, running: m ? Number(m[1]) : 0, desired: m ? Number(m[2]) : 0 };
  });
}

/** Errors of the service's failed tasks (swarm keeps the last few). */
function failedTaskErrors(service) {
  const { ok, stdout } = docker(
    ['service', 'ps', service, '--no-trunc', '--filter', 'desired-state=shutdown', '--format', '{{.CurrentState}}|{{.Error}}'],
    { allowFailure: true },
  );
  if (!ok) return [];
  return lines(stdout)
    .filter((line) => /^(Failed|Rejected)/.test(line))
    .map((line) => line.slice(line.indexOf('|') + 1));
}

function mountpointOf(volume) {
  return docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', volume]).stdout.trim();
}

/** abra's labels as a compose file laid over the recipe's (docker merges the label maps). */
function labelsOverlay(abraLabels) {
  const entries = Object.entries(abraLabels).map(([key, value]) => `        ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  return ['version: "3.8"', 'services:', '  app:', '    deploy:', '      labels:', ...entries, ''].join('\n');
}

export const dockerBackend = {
  name: 'docker',

  isDeployed(stack) {
    return lines(docker(['service', 'ls', '--quiet', '--filter', `label=${STACK_LABEL}=${stack}`]).stdout).length > 0;
  },

  secretExists(name) {
    return docker(['secret', 'inspect', name], { allowFailure: true }).ok;
  },
  createSecret(name, value) {
    docker(['secret', 'create', name, '-'], { input: value });
  },
  stackSecretNames(stack) {
    return lines(docker(['secret', 'ls', '--format', '{{.Name}}']).stdout).filter((name) => name.startsWith(`${stack}_`));
  },
  removeSecret(name) {
    docker(['secret', 'rm', name]);
  },

  deploy({ stack, recipeDir, env, abraLabels }) {
    const files = (env.COMPOSE_FILE ?? 'compose.yml').split(':').filter((f) => f !== '');
    const temp = mkdtempSync(path.join(os.tmpdir(), 'abra-double-'));
    try {
      const overlay = path.join(temp, 'abra-labels.yml');
      writeFileSync(overlay, labelsOverlay(abraLabels));
      const args = ['stack', 'deploy', '--resolve-image', 'never'];
      for (const file of files) args.push('--compose-file', path.join(recipeDir, file));
      args.push('--compose-file', overlay, stack);
      const result = docker(args, { env, allowFailure: true });
      if (!result.ok) fatal(`unable to deploy ${stack}: ${result.stderr || result.stdout.trim()}`);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  },

  appLabels(stack) {
    const result = docker(['service', 'inspect', '--format', '{{json .Spec.Labels}}', `${stack}_app`], { allowFailure: true });
    return result.ok ? JSON.parse(result.stdout.trim() || '{}') : null;
  },

  convergence(stack) {
    const services = serviceStates(stack);
    if (services.length === 0) return { converged: false, failure: null, detail: `no services of stack ${stack}` };
    const updates = lines(docker(['service', 'inspect', '--format', '{{.Spec.Name}}|{{json .UpdateStatus}}', ...services.map((s) => s.name)]).stdout)
      .map((line) => ({ name: line.slice(0, line.indexOf('|')), status: JSON.parse(line.slice(line.indexOf('|') + 1)) }));
    for (const update of updates) {
      if (/^(paused|rollback_)/.test(update.status?.State ?? '')) {
        return { converged: false, failure: `${update.name}: update ${update.status.State}: ${update.status.Message}`, detail: update.status.Message };
      }
    }
    const updating = new Set(updates.filter((u) => u.status?.State === 'updating').map((u) => u.name));
    const pending = services.filter((s) => s.desired === 0 || s.running < s.desired || updating.has(s.name));
    const detail = services.map((s) => `${s.name} ${s.running}/${s.desired}${updating.has(s.name) ? ' updating' : ''}`).join(', ');
    if (pending.length === 0) return { converged: true, failure: null, detail };
    for (const service of pending) {
      const errors = failedTaskErrors(service.name);
      if (errors.length >= 2) return { converged: false, failure: `${errors[0]} (${errors.length} failed tasks)`, detail };
    }
    return { converged: false, failure: null, detail };
  },

  describeDeployed(stack) {
    const services = serviceStates(stack);
    if (services.length === 0) return null;
    const running = services.every((s) => s.desired > 0 && s.running >= s.desired);
    const { stdout } = docker(['service', 'inspect', '--format', '{{json .Spec.Labels}}', ...services.map((s) => s.name)]);
    const backupCapable = lines(stdout).some((line) => JSON.parse(line)?.['backupbot.backup'] === 'true');
    return { running, backupCapable, behaviour: null };
  },

  services(stack) {
    return serviceStates(stack).map((s) => ({
      name: s.name,
      state: s.desired > 0 && s.running >= s.desired ? 'running' : 'starting',
      version: '',
    }));
  },

  undeploy(stack) {
    docker(['stack', 'rm', stack]);
  },

  stackVolumes(stack) {
    return lines(docker(['volume', 'ls', '--quiet', '--filter', `label=${STACK_LABEL}=${stack}`]).stdout).map((name) => ({
      name,
      mountpoint: mountpointOf(name),
    }));
  },

  removeVolume(name) {
    const result = docker(['volume', 'rm', name], { allowFailure: true });
    return result.ok ? null : result.stderr;
  },
};
