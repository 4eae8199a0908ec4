// The cold run's ladder: install (base, or head), upgrade to head, backup+restore,
// functional, on one deployment; teardown in a finally; then lint on a pristine clone.
import type { Rung } from '../core/ladder.js';
import { hasBackupbotLabels, readCompose } from './compose.js';
import { notApplicable, runRung, skip, unver, type Outcome, type RunContext } from './context.js';
import type { RungResult } from './result.js';
import type { BaseChoice, RungsOutcome } from './types.js';
import { backupRung } from './rung-backup.js';
import { installRung, upgradeRung } from './rung-deploy.js';
import { functionalRung } from './rung-functional.js';
import { lintRung } from './rung-lint.js';
import { teardownApp } from './teardown.js';

/** A rung decided without running anything (skip, or not run because of an earlier rung). */
export function decided(rung: Rung, outcome: Outcome): RungResult {
  return { rung, status: outcome.status, reason: outcome.reason, durationMs: 0 };
}

/** The first earlier deployment rung that did not pass or skip, as a "not run" reason. */
export function blockedBy(results: readonly RungResult[]): string | null {
  const blocker = results.find((r) => r.status === 'fail' || r.status === 'unver');
  return blocker ? `not run: ${blocker.rung} ${blocker.status === 'fail' ? 'failed' : 'is unverified'}` : null;
}

async function backupApplicability(ctx: RunContext): Promise<string | null> {
  const listed = notApplicable(ctx.definition, 'backup');
  if (listed) return listed;
  if (ctx.definition.backup.capable) return null;
  const labelled = await readCompose(ctx.staged.dir).then(hasBackupbotLabels, () => false);
  return labelled
    ? 'not backup-capable per recipe.yaml (backup.capable: false), though compose.yml has backupbot labels'
    : 'not backup-capable: no backupbot labels and recipe.yaml backup.capable is false';
}

export async function coldRungs(ctx: RunContext, base: BaseChoice): Promise<RungsOutcome> {
  const results: RungResult[] = [];
  let teardown;
  try {
    const installNa = notApplicable(ctx.definition, 'install');
    // A skipped install deploys nothing: the run is red (install must pass) and every
    // deployment rung after it is unverified.
    results.push(
      installNa ? decided('install', skip(installNa)) : await runRung(ctx, 'install', () => installRung(ctx, base.version)),
    );
    const nothingDeployed = installNa ? 'not run: nothing is deployed (install skipped)' : null;

    const upgradeNa = notApplicable(ctx.definition, 'upgrade');
    if (upgradeNa) results.push(decided('upgrade', skip(upgradeNa)));
    else if (nothingDeployed) results.push(decided('upgrade', unver(nothingDeployed)));
    else if (base.version === null && base.rule === 'none') results.push(decided('upgrade', skip(base.reason)));
    else if (base.version === null) results.push(decided('upgrade', unver(`no usable upgrade base: ${base.reason}`)));
    else {
      const blocked = blockedBy(results);
      results.push(
        blocked ? decided('upgrade', unver(blocked)) : await runRung(ctx, 'upgrade', () => upgradeRung(ctx, base.version as string)),
      );
    }

    const backupNa = await backupApplicability(ctx);
    const blockedBackup = nothingDeployed ?? blockedBy(results);
    if (backupNa) results.push(decided('backup', skip(backupNa)));
    else if (blockedBackup) results.push(decided('backup', unver(blockedBackup)));
    else results.push(await runRung(ctx, 'backup', () => backupRung(ctx)));

    const functionalNa = notApplicable(ctx.definition, 'functional');
    const blockedFunctional = nothingDeployed ?? blockedBy(results);
    if (functionalNa) results.push(decided('functional', skip(functionalNa)));
    else if (blockedFunctional) results.push(decided('functional', unver(blockedFunctional)));
    else results.push(await runRung(ctx, 'functional', () => functionalRung(ctx)));
  } finally {
    // Rungs not reached because of an exception outside runRung are unverified.
    for (const rung of ['install', 'upgrade', 'backup', 'functional'] as const) {
      if (!results.some((r) => r.rung === rung)) results.push(decided(rung, unver('not run: the run stopped early')));
    }
    teardown = await teardownApp(ctx.app, ctx.stack, ctx.log);
  }
  const lintNa = notApplicable(ctx.definition, 'lint');
  results.push(lintNa ? decided('lint', skip(lintNa)) : await runRung(ctx, 'lint', () => lintRung(ctx)));
  return { rungs: results, teardown, base };
}
