// Promote: make the tested version the recipe's canonical. On the warm domain: deploy
// exactly the tested version, wait healthy, undeploy keeping volumes, snapshot the
// volumes into a new verified snapshot, then write canonical.json (the commit point),
// read it back, and only then point the snapshot link at it and drop the old snapshot.
// The snapshot is verified as it is written (registry/snapshot.ts); the read-back after
// the record only confirms it is the one written (meta.json, sizes), never reads it again.
// Any failure before the commit point leaves the previous canonical and snapshot as
// they were; it is a PromoteError naming the step, never a success.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { required } from '../config/config.js';
import { warmDomain } from '../core/names.js';
import { createOwnAbraDir } from '../effects/abra-dir.js';
import { appEnvFile, createApp, deployVersion, undeployKeepingVolumes, waitHealthy } from '../effects/abra.js';
import { diskSpace, type DiskSpace } from '../effects/disk.js';
import { failpoint } from '../effects/failpoint.js';
import { archiveBytesOf } from '../effects/tar-size.js';
import type { HeldLock } from '../effects/lock-file.js';
import { composeSecrets, readCompose } from '../run/compose.js';
import { lockDomain } from '../run/domain-lock.js';
import { deployedVersion, stackName } from '../effects/docker.js';
import { checkoutDetached, cloneRepo, tagCommit } from '../effects/git.js';
import { loadCanonical, writeCanonical, type CanonicalRecord } from '../registry/canonical.js';
import { confirmSnapshot, createSnapshot, pruneSnapshots, publishSnapshotLink, snapshotDir, stackVolumeDirs } from '../registry/snapshot.js';
import type { PromoteRequest } from './effects.js';

export const PROMOTE_STEPS = ['disk-guard', 'prepare', 'deploy', 'health', 'undeploy', 'snapshot', 'record', 'verify'] as const;
export type PromoteStep = (typeof PROMOTE_STEPS)[number];

export class PromoteError extends Error {
  constructor(
    readonly step: PromoteStep,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = 'PromoteError';
  }
}


/** Test seam: called as each step begins; a throw there is a failure of that step. */
export type StepObserver = (step: PromoteStep) => void | Promise<void>;

/** Test seams of a promote: what it reads of the machine that a test cannot arrange for real. */
export interface PromoteSeams {
  /** Free space of the file system holding a directory (a full disk is hard to arrange). */
  diskSpace?: (dir: string) => Promise<DiskSpace>;
}

async function guardDisk(
  seams: PromoteSeams,
  stateDir: string,
  minFreePercent: number,
  expectedBytes: number,
  what: string,
) {
  const disk = await (seams.diskSpace ?? diskSpace)(stateDir);
  const freeAfter = disk.freeBytes - expectedBytes;
  const floor = (disk.totalBytes * minFreePercent) / 100;
  if (freeAfter < floor) {
    throw new PromoteError(
      'disk-guard',
      `refusing to promote: ${stateDir} has ${disk.freeBytes} bytes free (${disk.freePercent.toFixed(1)}%); ` +
        `${what} needs about ${expectedBytes} bytes and at least ${minFreePercent}% must stay free`,
    );
  }
}

export async function promote(
  request: PromoteRequest,
  observe: StepObserver = () => undefined,
  seams: PromoteSeams = {},
): Promise<CanonicalRecord> {
  const { config, recipe, definition, version, commit } = request;
  const log = request.log ?? (() => undefined);
  const server = required(config, 'server');
  const domain = warmDomain(recipe, required(config, 'domain'));
  const stack = stackName(domain);
  let step: PromoteStep = 'disk-guard';
  const enter = async (next: PromoteStep) => {
    step = next;
    failpoint(`promote:${next}`, recipe);
    await observe(next);
  };
  const workDir = path.join(config.runsDir, `${request.runId}-promote`);
  const abraDir = path.join(workDir, 'abra');
  const app = { abraDir, server, domain };
  const snapshotId = `${request.runId}-${randomBytes(3).toString('hex')}`;
  let deployed = false;
  let committed = false;
  let domainLock: HeldLock | null = null;
  try {
    await enter('disk-guard');
    await guardDisk(seams, config.stateDir, config.minFreeDiskPercent, request.previous?.snapshot.bytes ?? 0, 'the snapshot');

    await enter('prepare');
    // Quick runs attach the canonical on the same warm domain: one of us at a time.
    domainLock = await lockDomain(config.runsDir, domain, `promote ${recipe} ${version}`, undefined, log).catch((error: Error) => {
      throw new PromoteError('prepare', error.message);
    });
    await createOwnAbraDir(abraDir, config.abraDir);
    const checkout = path.join(abraDir, 'recipes', recipe);
    await cloneRepo(request.repoDir, checkout);
    const tagged = await tagCommit(checkout, version);
    if (tagged !== commit) {
      throw new PromoteError('prepare', `tag ${version} points at ${tagged ?? 'nothing'}, not the tested commit ${commit}`);
    }
    await checkoutDetached(checkout, commit);
    if (!existsSync(appEnvFile(abraDir, server, domain))) {
      log(`creating the warm app ${domain}`);
      const secrets = composeSecrets(await readCompose(checkout)).length > 0;
      await createApp({ ...app, recipe, version, env: definition.env, secrets }, { log });
    }
    if ((await deployedVersion(stack)) !== null) {
      log(`${domain} is deployed (an earlier promote was interrupted): undeploying first`);
      await undeployKeepingVolumes(app);
    }

    await enter('deploy');
    log(`deploying ${version} on ${domain}`);
    deployed = true;
    await deployVersion(app, version, { timeoutMs: definition.deployTimeoutSeconds * 1000, log });

    await enter('health');
    const health = await waitHealthy({
      target: { domain, ingress: config.ingress },
      stack,
      probe: definition.readyProbe,
      timeoutMs: definition.deployTimeoutSeconds * 1000,
      requestTimeoutMs: definition.httpTimeoutSeconds * 1000,
    });
    if (!health.ok) throw new PromoteError('health', `${domain} did not become healthy: ${health.reason}`);
    const running = await deployedVersion(stack);
    if (running !== version) throw new PromoteError('health', `${domain} runs ${running ?? 'nothing'}, not ${version}`);

    await enter('undeploy');
    await undeployKeepingVolumes(app);
    deployed = false;
    // Nothing is deployed from here on: the deployment slot can go to the next run.
    request.onUndeployed?.();

    await enter('snapshot');
    const volumes = await stackVolumeDirs(stack);
    // What tar will write (headers and padding per file), not what the files hold.
    let expected = 0;
    for (const volume of volumes) expected += await archiveBytesOf(volume.mountpoint);
    await guardDisk(seams, config.stateDir, config.minFreeDiskPercent, expected, `the snapshot of ${volumes.length} volume(s)`);
    log(`snapshotting ${volumes.length} volume(s) of ${stack}`);
    const snapshot = await createSnapshot({ stateDir: config.stateDir, recipe, stack, version, commit, id: snapshotId, volumes });

    await enter('record');
    const now = new Date().toISOString();
    const record: CanonicalRecord = {
      schema: 1,
      recipe,
      domain,
      version,
      commit,
      status: 'idle',
      promotedAt: now,
      updatedAt: now,
      runId: request.runId,
      level: request.level,
      snapshot: { id: snapshotId, volumes: snapshot.meta.volumes.map((v) => v.name), bytes: snapshot.bytes },
    };
    await writeCanonical(config.stateDir, record);
    committed = true;

    // Never report "promoted" on trust: read the record back and check the snapshot it names.
    await enter('verify');
    const stored = await loadCanonical(config.stateDir, recipe);
    if (!stored || stored.version !== version || stored.commit !== commit || stored.snapshot.id !== snapshotId) {
      throw new PromoteError('verify', `canonical.json does not hold ${version} at ${commit} after writing it`);
    }
    await confirmSnapshot(config.stateDir, recipe, snapshotId);
    await publishSnapshotLink(config.stateDir, recipe, snapshotId);
    failpoint('promote:linked', recipe);
    await pruneSnapshots(config.stateDir, recipe, snapshotId);
    failpoint('promote:done', recipe);
    return stored;
  } catch (error) {
    if (!committed) await rm(snapshotDir(config.stateDir, recipe, snapshotId), { recursive: true, force: true });
    if (error instanceof PromoteError) throw error;
    throw new PromoteError(step, (error as Error).message);
  } finally {
    if (deployed) await undeployKeepingVolumes(app).catch(() => undefined);
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    await domainLock?.release();
  }
}
