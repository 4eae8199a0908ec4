// L1 install and L2 upgrade: one deploy of the base (or of head when there is no base),
// then the upgrade of that same deployment to head.
import { compareVersions, parseTag } from '../core/versions.js';
import {
  appDeploy,
  appNew,
  appSecretGenerate,
  appUpgrade,
  setAppEnv,
  waitHealthy,
  type DeployTarget,
} from '../effects/abra.js';
import { composeSecrets, readCompose } from './compose.js';
import { deployedChaosVersion, deployedVersion } from '../effects/docker.js';
import { abraContext, fail, genericCheck, pass, seconds, type Outcome, type RunContext } from './context.js';
import { restoreHead } from './stage.js';

/** a > b as release versions; false when either is not a version. */
export function isNewer(a: string, b: string): boolean {
  const pa = parseTag(a);
  const pb = parseTag(b);
  return pa.ok && pb.ok && compareVersions(pa.version, pb.version) > 0;
}

function describeTarget(target: DeployTarget): string {
  return target.kind === 'version' ? `version ${target.version}` : 'the head checkout (chaos)';
}

/** Converged, ready probe, generic check; null when all hold. */
export async function healthy(ctx: RunContext, what: string): Promise<Outcome | null> {
  const health = await waitHealthy({
    target: ctx.target,
    stack: ctx.stack,
    probe: ctx.definition.readyProbe,
    timeoutMs: ctx.definition.deployTimeoutSeconds * 1000,
    requestTimeoutMs: ctx.definition.httpTimeoutSeconds * 1000,
    signal: ctx.signal,
  });
  if (!health.ok) return fail(`${what} deployed but not healthy: ${health.reason}`);
  return genericCheck(ctx);
}

/**
 * `abra app new` of `version` (null: the tested head, deployed by chaos), the recipe
 * definition's .env values, and the app's secrets when that version's compose.yml
 * declares any.
 */
export async function newAppWithSecrets(ctx: RunContext, version: string | null): Promise<void> {
  await appNew(abraContext(ctx), { recipe: ctx.recipe, version, server: ctx.app.server, domain: ctx.app.domain });
  // abra app new checks out `version`, or without one the latest release: put head back.
  if (version === null) await restoreHead(ctx.staged);
  await setAppEnv(ctx.app.abraDir, ctx.app.server, ctx.app.domain, ctx.definition.env);
  // The checkout is now at the version to deploy: its compose.yml says which secrets it needs.
  if (composeSecrets(await readCompose(ctx.staged.dir)).length > 0) {
    await appSecretGenerate(abraContext(ctx), ctx.app.domain);
  }
}

/** Cold install: `abra app new` + `abra app deploy` of the base, or of head when there is no base. */
export async function installRung(ctx: RunContext, base: string | null): Promise<Outcome> {
  if (ctx.head.version === null) {
    return fail('compose.yml: the app service has no coop-cloud.${STACK_NAME}.version label (head version unknown)');
  }
  const target: DeployTarget =
    base !== null
      ? { kind: 'version', version: base }
      : ctx.head.tagged
        ? { kind: 'version', version: ctx.head.version }
        : { kind: 'chaos' };
  await newAppWithSecrets(ctx, target.kind === 'version' ? target.version : null);
  await appDeploy(abraContext(ctx), ctx.app.domain, target, { timeoutMs: ctx.definition.deployTimeoutSeconds * 1000 });
  const started = Date.now();
  const problem = await healthy(ctx, describeTarget(target));
  if (problem) return problem;
  return pass(`deployed ${describeTarget(target)}; healthy and GET / answered in ${seconds(Date.now() - started)}`);
}

/** Deploys the canonical version on the warm domain (quick mode's install: reattach its volumes). */
export async function reattachRung(ctx: RunContext, version: string): Promise<Outcome> {
  await setAppEnv(ctx.app.abraDir, ctx.app.server, ctx.app.domain, ctx.definition.env);
  await appDeploy(abraContext(ctx), ctx.app.domain, { kind: 'version', version }, {
    timeoutMs: ctx.definition.deployTimeoutSeconds * 1000,
    force: true,
  });
  const problem = await healthy(ctx, `canonical ${version}`);
  if (problem) return problem;
  // What abra deployed is what the tag's compose file says: it must be the canonical.
  const deployed = await deployedVersion(ctx.stack);
  if (deployed !== version) {
    return fail(`reattaching the canonical ${version} deployed version ${deployed ?? 'unknown (no label)'}`);
  }
  return pass(`reattached the canonical ${version} to its restored volumes; healthy`);
}

/**
 * Upgrade to head: `abra app upgrade <domain> <head>` when head is a release tag newer than
 * what is deployed, else a chaos redeploy of the head checkout. Proof: the deployed version
 * label equals head, or the chaos label equals head's commit.
 */
export async function upgradeRung(ctx: RunContext, from: string): Promise<Outcome> {
  const head = ctx.head;
  if (head.version === null) return fail('head version unknown (no version label): nothing to prove the upgrade against');
  await setAppEnv(ctx.app.abraDir, ctx.app.server, ctx.app.domain, ctx.definition.upgradeEnv);
  const byVersion = head.tagged && isNewer(head.version, from);
  const timeoutMs = ctx.definition.deployTimeoutSeconds * 1000;
  if (byVersion) {
    await appUpgrade(abraContext(ctx), ctx.app.domain, head.version, { timeoutMs });
  } else {
    await restoreHead(ctx.staged);
    await appDeploy(abraContext(ctx), ctx.app.domain, { kind: 'chaos' }, { timeoutMs, force: true });
  }
  const what = byVersion ? `head ${head.version}` : `head ${head.commit.slice(0, 8)} (chaos)`;
  const problem = await healthy(ctx, what);
  if (problem) return problem;
  if (byVersion) {
    const deployed = await deployedVersion(ctx.stack);
    if (deployed !== head.version) {
      return fail(`after the upgrade the deployed version label is ${deployed ?? 'missing'}, expected head ${head.version}`);
    }
    return pass(`upgraded ${from} -> ${head.version}; deployed version label is ${deployed}`);
  }
  const chaos = await deployedChaosVersion(ctx.stack);
  const short = chaos?.replace(/\+U$/, '') ?? '';
  if (short.length < 7 || !head.commit.startsWith(short)) {
    return fail(`after the chaos upgrade the chaos label is ${chaos ?? 'missing'}, expected head commit ${head.commit.slice(0, 8)}`);
  }
  return pass(`upgraded ${from} -> head ${head.commit.slice(0, 8)} (chaos, label ${chaos})`);
}
