// Quick mode: reattach the canonical on its warm domain (restore its snapshot into the
// warm volumes, deploy the canonical version), upgrade to head, functional tier. Never
// promotes. Pass: undeploy, keep the volumes. Fail: undeploy, restore the snapshot.
// The canonical record's version, commit and promotedAt are never touched (only its
// status: in-use while attached, idle after).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { appEnvFile } from '../effects/abra.js';
import { tagCommit } from '../effects/git.js';
import { writeFileAtomic } from '../effects/atomic-file.js';
import { createStackVolume, listStackVolumes } from '../effects/docker.js';
import { writeCanonicalStatus, type CanonicalRecord } from '../registry/canonical.js';
import { restoreSnapshot } from '../registry/snapshot.js';
import { blockedBy, decided } from './cold.js';
import { fail, notApplicable, runRung, skip, unver, type Outcome, type RunContext } from './context.js';
import { statusesOf, type RungResult } from './result.js';
import { LADDER, verdictOf } from '../core/ladder.js';
import type { RungsOutcome, TeardownReport } from './types.js';
import { isNewer, newAppWithSecrets, reattachRung, upgradeRung } from './rung-deploy.js';
import { functionalRung } from './rung-functional.js';
import { undeployIfDeployed } from './teardown.js';

const QUICK_SKIP = 'quick mode runs the functional tier only';

async function ensureSnapshotVolumes(stack: string, volumes: readonly string[]): Promise<void> {
  const existing = new Set(await listStackVolumes(stack));
  for (const name of volumes) {
    const full = name.startsWith(`${stack}_`) ? name : `${stack}_${name}`;
    if (!existing.has(full)) await createStackVolume(stack, full);
  }
}

async function restoreCanonical(ctx: RunContext, canonical: CanonicalRecord): Promise<void> {
  await undeployIfDeployed(ctx.app, ctx.stack, ctx.log);
  await ensureSnapshotVolumes(ctx.stack, canonical.snapshot.volumes);
  await restoreSnapshot(ctx.config.stateDir, ctx.recipe, canonical, ctx.stack);
  ctx.log(`restored snapshot ${canonical.snapshot.id} into the volumes of ${ctx.stack}`);
}

/**
 * Why the canonical cannot be reattached by its tag, or null. abra deploys a version by
 * checking out its tag: a tag moved (or deleted) since the canonical was tested would
 * deploy other code onto the canonical's volumes.
 */
async function canonicalTagProblem(ctx: RunContext, canonical: CanonicalRecord): Promise<string | null> {
  const commit = await tagCommit(ctx.staged.dir, canonical.version);
  if (commit === canonical.commit) return null;
  const now = commit === null ? 'is gone' : `now names ${commit.slice(0, 12)}`;
  return (
    `the canonical ${canonical.version} was tested at ${canonical.commit.slice(0, 12)}, but its tag ${now}: ` +
    `it cannot be reattached by its tag (a cold run, ccci run ${ctx.recipe}, needs no canonical)`
  );
}

/**
 * The quick upgrade: from the canonical to head. Head at the canonical's commit has
 * nothing to upgrade; head older than the canonical would be a downgrade, which proves
 * nothing about head as an upgrade (and the functional rung would test the canonical).
 */
async function quickUpgrade(ctx: RunContext, canonical: CanonicalRecord): Promise<Outcome> {
  if (ctx.head.commit === canonical.commit) {
    return skip(`head is the canonical's commit ${canonical.commit.slice(0, 12)}: nothing to upgrade`);
  }
  if (ctx.head.version !== null && isNewer(canonical.version, ctx.head.version)) {
    return fail(`head's version ${ctx.head.version} is older than the canonical ${canonical.version}: that is a downgrade, not an upgrade`);
  }
  return upgradeRung(ctx, canonical.version);
}

export async function quickRungs(ctx: RunContext, canonical: CanonicalRecord): Promise<RungsOutcome> {
  const envFile = appEnvFile(ctx.app.abraDir, ctx.app.server, ctx.app.domain);
  const savedEnv = existsSync(envFile) ? await readFile(envFile, 'utf8') : null;
  const results: RungResult[] = [];
  const problems: string[] = [];
  // Whether the warm app or its volumes were touched: a run stopped before then has
  // nothing to undo.
  let touched = false;
  await writeCanonicalStatus(ctx.config.stateDir, ctx.recipe, 'in-use');
  try {
    results.push(
      await runRung(ctx, 'install', async () => {
        const tagProblem = await canonicalTagProblem(ctx, canonical);
        if (tagProblem) return unver(tagProblem);
        touched = true;
        if (savedEnv === null) await newAppWithSecrets(ctx, canonical.version);
        try {
          await restoreCanonical(ctx, canonical);
        } catch (error) {
          return unver(`could not restore the canonical's snapshot: ${(error as Error).message}`);
        }
        return reattachRung(ctx, canonical.version);
      }),
    );
    const upgradeNa = notApplicable(ctx.definition, 'upgrade');
    const blocked = blockedBy(results);
    if (upgradeNa) results.push(decided('upgrade', skip(upgradeNa)));
    else if (blocked) results.push(decided('upgrade', unver(blocked)));
    else results.push(await runRung(ctx, 'upgrade', () => quickUpgrade(ctx, canonical)));
    results.push(decided('backup', skip(QUICK_SKIP)));
    const functionalNa = notApplicable(ctx.definition, 'functional');
    const blockedFunctional = blockedBy(results);
    if (functionalNa) results.push(decided('functional', skip(functionalNa)));
    else if (blockedFunctional) results.push(decided('functional', unver(blockedFunctional)));
    else results.push(await runRung(ctx, 'functional', () => functionalRung(ctx)));
    results.push(decided('lint', skip(QUICK_SKIP)));
  } finally {
    for (const rung of LADDER) {
      if (!results.some((r) => r.rung === rung)) results.push(decided(rung, unver('not run: the run stopped early')));
    }
    ctx.log('== quick teardown');
    const green = verdictOf(statusesOf(results)).verdict === 'green';
    try {
      await undeployIfDeployed(ctx.app, ctx.stack, ctx.log);
    } catch (error) {
      problems.push(`undeploy: ${(error as Error).message}`);
    }
    if (!green && touched) {
      try {
        await restoreCanonical(ctx, canonical);
      } catch (error) {
        problems.push(`restoring the canonical snapshot: ${(error as Error).message}`);
      }
    }
    // The warm app's .env is the promote's: give it back as it was (the upgrade rewrote TYPE=).
    if (savedEnv !== null) {
      await writeFileAtomic(envFile, savedEnv, { mode: 0o600 }).catch((error: Error) => problems.push(`.env: ${error.message}`));
    }
    await writeCanonicalStatus(ctx.config.stateDir, ctx.recipe, 'idle').catch((error: Error) =>
      problems.push(`canonical status: ${error.message}`),
    );
  }
  const teardown: TeardownReport = { ok: problems.length === 0, problems };
  return {
    rungs: results,
    teardown,
    base: {
      version: canonical.version,
      rule: 'quick-canonical',
      reason: `quick mode reattaches the canonical ${canonical.version} (snapshot ${canonical.snapshot.id})`,
    },
  };
}
