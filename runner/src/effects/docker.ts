// Every docker command line the runner issues. Only reads of the swarm and housekeeping
// of volumes and secrets: deploys go through abra (effects/abra.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { execChecked, execProgram } from './exec.js';

const STACK_LABEL = 'com.docker.stack.namespace';

export class DockerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerError';
  }
}

/**
 * abra cuts a sanitised app name at this length "to avoid runtime limits" (its
 * MAX_SANITISED_APP_NAME_LENGTH; from abra's source as remembered, not confirmed against a
 * real abra here: checks/fakes/README.md). Docker refuses names of services and secrets
 * built on a longer stack name.
 */
export const MAX_STACK_NAME_LENGTH = 45;

/** abra's stack name for an app domain: dots become underscores, cut at 45 characters. */
export function stackName(domain: string): string {
  return domain.replace(/\./g, '_').slice(0, MAX_STACK_NAME_LENGTH);
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Names of the volumes a stack deploy created (they keep the stack label after undeploy). */
export async function listStackVolumes(stack: string): Promise<string[]> {
  const { stdout } = await execChecked('docker', ['volume', 'ls', '--quiet', '--filter', `label=${STACK_LABEL}=${stack}`]);
  return lines(stdout).sort();
}

export async function volumeMountpoint(volume: string): Promise<string> {
  const { stdout } = await execChecked('docker', ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume]);
  const mountpoint = stdout.trim();
  if (!mountpoint.startsWith('/')) throw new DockerError(`docker volume inspect ${volume}: no mountpoint in ${JSON.stringify(stdout)}`);
  return mountpoint;
}

export async function removeVolume(volume: string): Promise<void> {
  await execChecked('docker', ['volume', 'rm', volume]);
}

/** Creates a volume labelled as belonging to `stack`, as a stack deploy would. */
export async function createStackVolume(stack: string, volume: string): Promise<void> {
  await execChecked('docker', ['volume', 'create', '--label', `${STACK_LABEL}=${stack}`, volume]);
}

export interface ServiceState {
  name: string;
  running: number;
  desired: number;
}

/** The stack's services and their replica counts; [] when nothing of the stack is deployed. */
export async function stackServices(stack: string, signal?: AbortSignal): Promise<ServiceState[]> {
  const { stdout } = await execChecked(
    'docker',
    ['service', 'ls', '--filter', `label=${STACK_LABEL}=${stack}`, '--format', '{{.Name}} {{.Replicas}}'],
    signal ? { signal } : {},
  );
  return lines(stdout).map((line) => {
    const [name = '', replicas = ''] = line.split(/\s+/);
    const m = /^(\d+)\/(\d+)/.exec(replicas);
    return { name, running: m ? Number(m[1]) : 0, desired: m ? Number(m[2]) : 0 };
  });
}

/** The deploy labels of `<stack>_app`, or null when it is not deployed. */
export async function appServiceLabels(stack: string): Promise<Record<string, string> | null> {
  const result = await execProgram('docker', ['service', 'inspect', '--format', '{{json .Spec.Labels}}', `${stack}_app`]);
  if (result.exitCode !== 0) {
    if (/not found|no such service/i.test(result.stderr)) return null;
    throw new DockerError(`docker service inspect ${stack}_app exited ${result.exitCode}: ${result.stderr.trim()}`);
  }
  const parsed: unknown = JSON.parse(result.stdout.trim() || 'null');
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DockerError(`docker service inspect ${stack}_app: labels are not an object: ${result.stdout.trim()}`);
  }
  return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** `coop-cloud.<stack>.version` of the deployed app service; null when not deployed or unlabelled. */
export async function deployedVersion(stack: string): Promise<string | null> {
  const labels = await appServiceLabels(stack);
  return labels?.[`coop-cloud.${stack}.version`] ?? null;
}

/** The chaos-version label a chaos deploy sets (short commit, `+U` when dirty); null otherwise. */
export async function deployedChaosVersion(stack: string): Promise<string | null> {
  const labels = await appServiceLabels(stack);
  return labels?.[`coop-cloud.${stack}.chaos-version`] ?? null;
}

/** IDs of the stack's task containers, running or not (`docker stack rm` leaves them to stop). */
export async function stackContainers(stack: string, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await execChecked(
    'docker',
    ['ps', '--all', '--quiet', '--filter', `label=${STACK_LABEL}=${stack}`],
    signal ? { signal } : {},
  );
  return lines(stdout);
}

/**
 * Waits until nothing of the stack runs: no service and no task container. `docker stack rm`
 * (abra app undeploy) returns while the containers still shut down (6 to 16 s on a real
 * engine here): until they are gone their volumes are "in use", and the app may still write
 * to them, so a snapshot or a restore must not start before.
 */
export async function waitStackGone(
  stack: string,
  options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const services = await stackServices(stack, options.signal);
    const containers = await stackContainers(stack, options.signal);
    if (services.length === 0 && containers.length === 0) return;
    if (Date.now() >= deadline) {
      throw new DockerError(
        `stack ${stack} still has ${services.length} service(s) and ${containers.length} container(s) ` +
          `${Math.round(options.timeoutMs / 1000)} s after it was removed`,
      );
    }
    await sleep(options.pollMs ?? 250, undefined, options.signal ? { signal: options.signal } : {});
  }
}

/** Swarm secrets named for the stack (`<stack>_<secret>_<version>`, as abra names them). */
export async function listStackSecrets(stack: string): Promise<string[]> {
  const { stdout } = await execChecked('docker', ['secret', 'ls', '--format', '{{.Name}}']);
  return lines(stdout)
    .filter((name) => name.startsWith(`${stack}_`))
    .sort();
}

export async function removeSecret(name: string): Promise<void> {
  await execChecked('docker', ['secret', 'rm', name]);
}

export interface ServiceTask {
  service: string;
  id: string;
  /** What swarm wants of the task: Running, Ready (waiting for an old task to stop), Shutdown. */
  desired: string;
  /** Its state now: Running, Starting, Preparing, Failed, Shutdown, ... */
  state: string;
  error: string;
}

/** The tasks swarm still remembers of the services (current, stopping, failed). */
export async function serviceTasks(services: readonly string[], signal?: AbortSignal): Promise<ServiceTask[]> {
  if (services.length === 0) return [];
  const result = await execProgram(
    'docker',
    ['service', 'ps', ...services, '--no-trunc', '--format', '{{.Name}}|{{.ID}}|{{.DesiredState}}|{{.CurrentState}}|{{.Error}}'],
    signal ? { signal } : {},
  );
  if (result.exitCode !== 0) return [];
  return lines(result.stdout).map((line) => {
    const [name = '', id = '', desired = '', current = '', ...error] = line.split('|');
    return {
      // Task names are <service>.<slot> (the \_ of older tasks is only in the table view).
      service: name.replace(/^\\_\s*/, '').replace(/\.\d+$/, ''),
      id,
      desired,
      state: current.split(/\s+/)[0] ?? '',
      // docker quotes the error with --no-trunc: "task: non-zero exit (1)".
      error: error.join('|').trim().replace(/^"(.*)"$/, '$1'),
    };
  });
}

export interface ServiceUpdate {
  /** updating, paused, completed, rollback_started, rollback_paused, rollback_completed */
  state: string;
  message: string;
}

/** The state of each service's last update (swarm's UpdateStatus); absent for a service never updated. */
export async function serviceUpdates(services: readonly string[], signal?: AbortSignal): Promise<Map<string, ServiceUpdate>> {
  const updates = new Map<string, ServiceUpdate>();
  if (services.length === 0) return updates;
  const result = await execProgram(
    'docker',
    ['service', 'inspect', '--format', '{{.Spec.Name}}|{{json .UpdateStatus}}', ...services],
    signal ? { signal } : {},
  );
  if (result.exitCode !== 0) return updates;
  for (const line of lines(result.stdout)) {
    const bar = line.indexOf('|');
    const status = JSON.parse(line.slice(bar + 1) || 'null') as { State?: string; Message?: string } | null;
    if (status?.State) updates.set(line.slice(0, bar), { state: status.State, message: status.Message ?? '' });
  }
  return updates;
}
