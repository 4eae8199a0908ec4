// The engine tier: the runner's runs and sweeps on a real one-node Docker Swarm
// (checks/engine/up), driven by the real abra when CCCI_ABRA_BIN names one, else by the
// abra double deploying through the real `docker stack deploy` (FAKE_BACKEND=docker).
// Without an engine every suite of the tier is skipped, loudly, with the reason.
import type { EngineOptions } from '../../src/demo/sandbox.js';
import { execProgram } from '../../src/effects/exec.js';

/** Set by checks/engine/tier (npm run test:engine) to the engine's DOCKER_HOST. */
export const ENGINE_ENV = 'CCCI_ENGINE_DOCKER_HOST';

export function engineOptions(): EngineOptions | null {
  const dockerHost = process.env[ENGINE_ENV];
  if (!dockerHost) return null;
  const abraBin = process.env.CCCI_ABRA_BIN;
  return { dockerHost, ...(abraBin ? { abraBin } : {}) };
}

/** false when the tier can run; else why not, printed once where the suite is declared. */
export function engineSkip(suite: string): string | false {
  if (engineOptions()) return false;
  const reason = `engine tier (${suite}): ${ENGINE_ENV} is not set: no Docker engine to run on (npm run test:engine brings one up)`;
  process.stdout.write(`SKIP ${reason}\n`);
  return reason;
}

/** Which abra drives the engine, for the suites' titles and the tier's report. */
export function abraUnderTest(): string {
  return process.env.CCCI_ABRA_BIN ? `the real abra (${process.env.CCCI_ABRA_BIN})` : 'the abra double over the real engine';
}

/** A docker command against the engine (the tests' own reads: what is left, what is deployed). */
export async function engineDocker(args: string[]): Promise<string> {
  const engine = engineOptions();
  const result = await execProgram('docker', args, { env: { DOCKER_HOST: engine?.dockerHost } });
  if (result.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Names of everything of the engine whose name starts with `prefix`: stacks, services, volumes, secrets, containers. */
export async function engineObjects(prefix: string): Promise<string[]> {
  const found: string[] = [];
  const list = async (kind: string, args: string[]) => {
    for (const name of (await engineDocker(args)).split('\n').map((l) => l.trim())) {
      if (name !== '' && name.startsWith(prefix)) found.push(`${kind} ${name}`);
    }
  };
  await list('stack', ['stack', 'ls', '--format', '{{.Name}}']);
  await list('service', ['service', 'ls', '--format', '{{.Name}}']);
  await list('volume', ['volume', 'ls', '--format', '{{.Name}}']);
  await list('secret', ['secret', 'ls', '--format', '{{.Name}}']);
  await list('container', ['ps', '--all', '--format', '{{.Label "com.docker.stack.namespace"}}']);
  return found.sort();
}

const SANDBOX_ENV = ['FAKE_SWARM_DIR', 'PATH', 'ABRA_DIR', 'FAKE_BACKEND', 'DOCKER_HOST'] as const;

/** Runs `action` with a sandbox's environment in process.env (the effects read it there), then puts it back. */
export async function withSandboxEnv<T>(env: Record<string, string>, action: () => Promise<T>): Promise<T> {
  const saved = SANDBOX_ENV.map((key) => [key, process.env[key]] as const);
  for (const key of SANDBOX_ENV) {
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  try {
    return await action();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
