// A sweep scenario on the test doubles: a sandbox (fake swarm, fake ingress), fixture
// recipes with a working repo and an upstream bare repo each, a definitions repo, and
// the sweep run in-process or as the real `ccci` child process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/config.js';
import {
  bareCloneOf,
  createFixtureRecipe,
  publishTo,
  writeRecipeDefinition,
  type FakeBehaviour,
} from '../../src/demo/fixtures.js';
import { createSandbox, sandboxConfig, type Sandbox, type SandboxOptions } from '../../src/demo/sandbox.js';
import { defaultSweepEffects } from '../../src/sweep/default-effects.js';
import type { SweepEffects } from '../../src/sweep/effects.js';
import { sweep, type SweepOutcome } from '../../src/sweep/sweep.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '../../src/cli/main.js');

export interface Scenario {
  root: string;
  sandbox: Sandbox;
  config: Config;
  configFile: string;
  /** Working repository of each fixture recipe. */
  work: Record<string, string>;
  upstream(recipe: string): string;
  addRecipe(name: string, options?: { version?: string; fake?: FakeBehaviour; definition?: Record<string, unknown> }): Promise<string>;
  publish(recipe: string): Promise<void>;
  sweep(options?: {
    retryRed?: boolean;
    dryRun?: boolean;
    recipes?: string[];
    effects?: SweepEffects;
    signal?: AbortSignal;
  }): Promise<SweepOutcome & { lines: string[] }>;
  cli(
    args: string[],
    options?: {
      onLine?: (line: string, kill: () => void) => void;
      env?: Record<string, string>;
      /** Called once the child runs, with a way to send it a signal. */
      signalWhen?: (signal: (name: NodeJS.Signals) => void) => void | Promise<void>;
    },
  ): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; pid: number }>;
  writeConfig(overrides?: Partial<Config>): void;
  close(): Promise<void>;
}

export async function createScenario(overrides: Partial<Config> = {}, options: SandboxOptions = {}): Promise<Scenario> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-sweep-'));
  const sandbox = await createSandbox(root, options);
  const definitions = path.join(root, 'definitions');
  await mkdir(path.join(definitions, 'recipes'), { recursive: true });
  await mkdir(path.join(root, 'upstream'), { recursive: true });
  const configFile = path.join(root, 'config.json');
  const scenario: Scenario = {
    root,
    sandbox,
    config: sandboxConfig(sandbox, definitions, { maxConcurrentRuns: 1, ...overrides }),
    configFile,
    work: {},
    upstream: (recipe) => path.join(root, 'upstream', `${recipe}.git`),
    async addRecipe(name, options = {}) {
      const dir = path.join(root, 'work', name);
      await createFixtureRecipe(dir, name, {
        ...(options.version ? { version: options.version } : {}),
        ...(options.fake ? { fake: options.fake } : {}),
      });
      await bareCloneOf(dir, scenario.upstream(name));
      // Short deploy timeouts: a red app (500, never healthy) is given up on quickly.
      await writeRecipeDefinition(definitions, name, options.definition ?? { deployTimeoutSeconds: 4 });
      scenario.work[name] = dir;
      scenario.config.recipes = { ...scenario.config.recipes, [name]: {} };
      scenario.writeConfig();
      return dir;
    },
    async publish(recipe) {
      await publishTo(scenario.work[recipe] as string, scenario.upstream(recipe));
    },
    async sweep(options = {}) {
      const lines: string[] = [];
      const outcome = await sweep(
        scenario.config,
        {
          recipes: options.recipes ?? [],
          dryRun: options.dryRun ?? false,
          retryRed: options.retryRed ?? false,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        options.effects ?? defaultSweepEffects(),
        { step: (i, n, r, m) => lines.push(`[${i}/${n}] ${r}: ${m}`), line: (m) => lines.push(m) },
      );
      return { ...outcome, lines };
    },
    cli(args, options = {}) {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, '--config', configFile, ...args], {
          env: { ...process.env, ...sandbox.env, ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        let pending = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          pending += chunk.toString();
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline);
            pending = pending.slice(newline + 1);
            options.onLine?.(line, () => child.kill('SIGKILL'));
          }
        });
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid as number }));
        void options.signalWhen?.((name) => child.kill(name));
      });
    },
    writeConfig(extra = {}) {
      Object.assign(scenario.config, extra);
      const { source: _source, ...file } = scenario.config;
      writeFileSync(configFile, JSON.stringify(file, null, 2));
      scenario.config.source = configFile;
    },
    async close() {
      await sandbox.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  scenario.writeConfig();
  return scenario;
}
