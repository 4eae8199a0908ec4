// Every docker command line the runner issues. Only reads of the swarm and volume
// housekeeping: deploys go through abra (effects/abra.ts).
import { execChecked, execProgram } from './exec.js';

const STACK_LABEL = 'com.docker.stack.namespace';

export class DockerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerError';
  }
}

/** Co-op Cloud's stack name for an app domain: dots become underscores. */
export function stackName(domain: string): string {
  return domain.replace(/\./g, '_');
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
