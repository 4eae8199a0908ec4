// Teardown of a cold run, always (failure, exception, deadline, SIGTERM): undeploy and
// wait until the stack's containers are gone, remove the app (its .env, secrets,
// volumes), then remove any volume or secret of the stack that is still there. It never
// takes the run's (possibly aborted) signal: it must run to the end, each step with its
// own timeout.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { appEnvFile, appRemove, undeployKeepingVolumes, type AppRef } from '../effects/abra.js';
import {
  listStackSecrets,
  listStackVolumes,
  removeSecret,
  removeVolume,
  stackContainers,
  stackServices,
} from '../effects/docker.js';
import type { TeardownReport } from './types.js';

const STEP_TIMEOUT_MS = 180_000;


async function step(problems: string[], what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    problems.push(`${what}: ${(error as Error).message}`);
  }
}

/** Undeploys when anything of the stack runs (services, or containers still stopping), and waits until nothing does. */
export async function undeployIfDeployed(app: AppRef, stack: string, log: (line: string) => void): Promise<void> {
  if ((await stackServices(stack)).length === 0 && (await stackContainers(stack)).length === 0) return;
  await undeployKeepingVolumes(app, { log, timeoutMs: STEP_TIMEOUT_MS });
}

export async function teardownApp(app: AppRef, stack: string, log: (line: string) => void): Promise<TeardownReport> {
  const problems: string[] = [];
  log('== teardown');
  await step(problems, 'undeploy', () => undeployIfDeployed(app, stack, log));
  if (existsSync(appEnvFile(app.abraDir, app.server, app.domain))) {
    await step(problems, 'abra app remove', async () => {
      await appRemove({ abraDir: app.abraDir, log }, app.domain, STEP_TIMEOUT_MS);
    });
  }
  await step(problems, 'leftover volumes', async () => {
    // Containers of an undeployed stack may hold a volume for a moment: retry a little.
    for (let attempt = 1; ; attempt++) {
      const left = await listStackVolumes(stack);
      if (left.length === 0) return;
      const failures: string[] = [];
      for (const volume of left) await removeVolume(volume).catch((error: Error) => failures.push(error.message));
      if (failures.length === 0) return;
      if (attempt >= 10) throw new Error(failures.join('; '));
      await sleep(1000);
    }
  });
  await step(problems, 'leftover secrets', async () => {
    const left = await listStackSecrets(stack);
    const failures: string[] = [];
    for (const secret of left) await removeSecret(secret).catch((error: Error) => failures.push(error.message));
    if (failures.length > 0) throw new Error(failures.join('; '));
    if (left.length > 0) log(`  removed ${left.length} secret(s) abra app remove left behind`);
  });
  if (existsSync(appEnvFile(app.abraDir, app.server, app.domain))) {
    problems.push(`${appEnvFile(app.abraDir, app.server, app.domain)} is still there`);
  }
  log(problems.length === 0 ? '== teardown: done' : `== teardown: ${problems.join('; ')}`);
  return { ok: problems.length === 0, problems };
}
