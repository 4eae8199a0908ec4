// A throwaway "CI server" made of the test doubles: FAKE_SWARM_DIR for the fake swarm,
// a copy of checks/fakes/bin first on PATH (so `abra` and `docker` are the doubles), an operator
// ABRA_DIR with servers/<server>/, and the fake ingress on a free port. Used by the
// tests of every layer, by `ccci demo` and by the benchmark.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.js';
import { startBackground } from '../effects/background.js';
import { describeFailure, execProgram } from '../effects/exec.js';
import { launchableFakes } from './launchable-fakes.js';

export interface Sandbox {
  root: string;
  /** The environment the doubles need: FAKE_SWARM_DIR, PATH (fakes first), ABRA_DIR. */
  env: Record<string, string>;
  fakesDir: string;
  fakeSwarmDir: string;
  /** The operator's ABRA_DIR (runs link its servers/ and catalogue/). */
  abraDir: string;
  server: string;
  domain: string;
  /** host:port of the fake ingress. */
  ingress: string;
  stateDir: string;
  runsDir: string;
  cacheDir: string;
  /** Stops the ingress and gives process.env back what it had (when it was applied). */
  stop(): Promise<void>;
}

/**
 * A real Docker engine to run on instead of the fake swarm (the engine tier): deploys go to
 * its one-node swarm, `docker` is the real client, the ingress forwards to the fixture apps.
 */
export interface EngineOptions {
  /** DOCKER_HOST of the engine (checks/engine/up prints it). */
  dockerHost: string;
  /** A real abra binary; without one, the abra double drives the engine (FAKE_BACKEND=docker). */
  abraBin?: string;
}

export interface SandboxOptions {
  server?: string;
  domain?: string;
  engine?: EngineOptions;
  /** Also set FAKE_SWARM_DIR, PATH and ABRA_DIR in process.env (default true): the drivers read them there. */
  applyToProcess?: boolean;
}

/** checks/fakes: $CCCI_FAKES_DIR, else the nearest ancestor of this module holding checks/fakes/bin/abra. */
export function locateFakes(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CCCI_FAKES_DIR;
  if (fromEnv) {
    if (!existsSync(path.join(fromEnv, 'bin', 'abra'))) {
      throw new Error(`CCCI_FAKES_DIR=${fromEnv}: no bin/abra there`);
    }
    return fromEnv;
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'checks', 'fakes');
    if (existsSync(path.join(candidate, 'bin', 'abra'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error('cannot find checks/fakes (set CCCI_FAKES_DIR to the directory holding bin/abra)');
    }
    dir = parent;
  }
}

const SANDBOX_KEYS = ['FAKE_SWARM_DIR', 'PATH', 'ABRA_DIR', 'FAKE_BACKEND', 'DOCKER_HOST'] as const;

/** The abra of an engine sandbox, alone in a bin directory: the real docker client stays the one on PATH. */
function engineBin(root: string, fakesBin: string, engine: EngineOptions): string {
  const bin = path.join(root, 'engine-bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(engine.abraBin ?? path.join(fakesBin, 'abra'), path.join(bin, 'abra'));
  return bin;
}

export async function createSandbox(root: string, options: SandboxOptions = {}): Promise<Sandbox> {
  const fakesDir = locateFakes();
  const engine = options.engine;
  // On an engine, the server is the local one, added as an operator adds it (`abra server add --local`).
  const server = engine ? 'default' : (options.server ?? 'ci-server');
  const domain = options.domain ?? 'ci.example.org';
  const fakeSwarmDir = path.join(root, 'swarm');
  const abraDir = path.join(root, 'abra');
  const stateDir = path.join(root, 'state');
  const runsDir = path.join(root, 'runs');
  const cacheDir = path.join(root, 'cache');
  const dirs = [fakeSwarmDir, path.join(abraDir, 'catalogue'), path.join(abraDir, 'recipes'), stateDir, runsDir, cacheDir];
  if (!engine) dirs.push(path.join(abraDir, 'servers', server));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  // The doubles on PATH are a copy whose scripts name this Node.js: no /usr/bin/env needed.
  const fakesBin = launchableFakes(fakesDir, path.join(root, 'fakes'));
  const env: Record<string, string> = {
    FAKE_SWARM_DIR: fakeSwarmDir,
    PATH: `${engine ? engineBin(root, fakesBin, engine) : fakesBin}${path.delimiter}${process.env.PATH ?? ''}`,
    ABRA_DIR: abraDir,
    FAKE_BACKEND: engine ? 'docker' : 'state',
    ...(engine ? { DOCKER_HOST: engine.dockerHost } : {}),
  };
  if (engine) {
    const added = await execProgram('abra', ['server', 'add', '--local', '--no-input'], { env });
    if (added.exitCode !== 0) throw new Error(describeFailure(added, 'abra server add --local'));
  }
  const ingress = await startBackground(process.execPath, [path.join(fakesDir, 'bin', 'fake-ingress'), '--port', '0'], {
    env: { ...process.env, ...env },
  });
  if (!/^\d+$/.test(ingress.firstLine)) {
    await ingress.stop();
    throw new Error(`fake-ingress printed ${JSON.stringify(ingress.firstLine)} instead of its port`);
  }
  const saved = new Map<string, string | undefined>();
  if (options.applyToProcess ?? true) {
    for (const key of SANDBOX_KEYS) {
      saved.set(key, process.env[key]);
      const value = env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  let stopped = false;
  return {
    root,
    env,
    fakesDir,
    fakeSwarmDir,
    abraDir,
    server,
    domain,
    ingress: `127.0.0.1:${ingress.firstLine}`,
    stateDir,
    runsDir,
    cacheDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await ingress.stop();
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

/** A complete Config for the sandbox: `repo` is the checkout holding recipes/<name>/recipe.yaml. */
export function sandboxConfig(sandbox: Sandbox, repo: string, overrides: Partial<Config> = {}): Config {
  return {
    repo,
    stateDir: sandbox.stateDir,
    runsDir: sandbox.runsDir,
    cacheDir: sandbox.cacheDir,
    abraDir: sandbox.abraDir,
    server: sandbox.server,
    domain: sandbox.domain,
    ingress: sandbox.ingress,
    upstream: `file://${path.join(sandbox.root, 'upstream')}`,
    mirror: null,
    recipes: {},
    maxConcurrentRuns: 2,
    minFreeDiskPercent: 0,
    metricsFile: null,
    dashboardDir: null,
    source: `sandbox ${sandbox.root}`,
    ...overrides,
  };
}
