// One recipe CI run: its own directory and ABRA_DIR, a lock on its app domain, a hard
// deadline, the five rungs on one deployment, teardown in a finally, results.json
// written atomically. Cold runs test a fresh install; quick runs reattach the canonical.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { required, type Config } from '../config/config.js';
import { InputError, InterruptedError, OperationError } from '../config/errors.js';
import type { RecipeDefinition } from '../config/recipe-definition.js';
import { levelOf, verdictOf, type Rung } from '../core/ladder.js';
import { recipeNameProblem, warmDomain } from '../core/names.js';
import { resolveUpgradeBase } from '../core/upgrade-base.js';
import { createOwnAbraDir } from '../effects/abra-dir.js';
import { stackName } from '../effects/docker.js';
import { tagCommit, tagNames } from '../effects/git.js';
import type { CanonicalRecord } from '../registry/canonical.js';
import { ComposeFileError, headVersionOf, readCompose } from './compose.js';
import { type HeadInfo, type RunContext } from './context.js';
import { coldRungs } from './cold.js';
import { lockDomain } from './domain-lock.js';
import { quickRungs } from './quick.js';
import { statusesOf, writeRunResult, RESULT_SCHEMA, type RunResult, type RungResult } from './result.js';
import { stageCheckout, type RunSource, type StagedCheckout } from './stage.js';
import type { BaseChoice } from './types.js';

export interface RunRequest {
  config: Config;
  recipe: string;
  definition: RecipeDefinition;
  /** The sweep passes kind 'git' with its synced cache repo and the tag. */
  source: RunSource;
  mode: 'cold' | 'quick';
  /** PR head ref, if any (never promoted). */
  prRef: string | null;
  canonical: CanonicalRecord | null;
  /** The repository's tags, for the upgrade base (the staged checkout's tags are added). */
  tags: readonly string[];
  runId?: string;
  /** SIGTERM, or the caller's own deadline. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}


export function newRunId(recipe: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${recipe}-${randomBytes(3).toString('hex')}`;
}

/** `<first 4 letters of the recipe>-<6 hex>.<domain>` (letters: the recipe name's first four characters). */
export function runDomain(recipe: string, baseDomain: string): string {
  const prefix = recipe.slice(0, 4).replace(/_/g, '-').replace(/-+$/, '') || 'app';
  return `${prefix}-${randomBytes(3).toString('hex')}.${baseDomain}`;
}


export async function runRecipeCi(request: RunRequest): Promise<RunResult> {
  const { config, recipe, definition } = request;
  const nameProblem = recipeNameProblem(recipe);
  if (nameProblem) throw new InputError(nameProblem);
  const server = required(config, 'server');
  const baseDomain = required(config, 'domain');
  // A quick run deploys on the canonical's domain and restores into its volumes: only
  // ever the warm domain of this configuration, whatever the record says.
  if (request.mode === 'quick' && request.canonical && request.canonical.domain !== warmDomain(recipe, baseDomain)) {
    throw new InputError(
      `canonical record of ${recipe}: domain ${request.canonical.domain} is not ${warmDomain(recipe, baseDomain)}, ` +
        `the warm domain under the configured domain ${baseDomain}; a quick run deploys nowhere else`,
    );
  }
  const startedAt = new Date();
  const runId = request.runId ?? newRunId(recipe, startedAt);
  const runDir = path.join(config.runsDir, runId);
  const quick = request.mode === 'quick' && request.canonical !== null;
  const fellBackToCold =
    request.mode === 'quick' && request.canonical === null
      ? `no canonical for ${recipe}: quick mode needs one, ran a cold run instead`
      : null;
  const domain = quick ? (request.canonical as CanonicalRecord).domain : runDomain(recipe, baseDomain);
  // The lock first: a run refused because another holds its domain leaves nothing behind
  // (no run directory under runsDir).
  // (A stale lock taken over is said once the run has its log: until then it is kept.)
  let takeover: string | null = null;
  const lock = await lockDomain(config.runsDir, domain, `recipe CI run ${runId}`, runId, (line) => (takeover = line));
  // Until the first rung starts nothing is deployed and the run has no result: a run that
  // fails (bad ref, bad compose.yml) or is interrupted before then removes its directory.
  let createdRunDir = false;
  let rungsStarted = false;
  try {
    await mkdir(runDir, { recursive: false }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return mkdir(runDir, { recursive: true });
      throw new InputError(`run directory ${runDir}: ${error.message}`);
    });
    createdRunDir = true;
    const logFile = path.join(runDir, 'run.log');
    const log = (line: string) => {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
      request.log?.(line);
    };
    if (takeover) log(takeover);
    if (fellBackToCold) log(fellBackToCold);
    // The hard deadline and the caller's signal end the run the same way: the running
    // rung turns unver, the rest are not run, teardown still happens.
    const controller = new AbortController();
    let interrupted: string | null = null;
    // The deadline is the run's own verdict (red); a signal is the machine stopping
    // (systemd stop, a reboot): that run is interrupted, neither green nor red.
    let interruptedBy: 'deadline' | 'signal' | null = null;
    const interrupt = (why: string, by: 'deadline' | 'signal') => {
      if (interrupted) return;
      interrupted = why;
      interruptedBy = by;
      log(`!! ${why}`);
      controller.abort(new Error(why));
    };
    const deadline = setTimeout(
      () => interrupt(`run deadline of ${definition.runTimeoutSeconds} s reached`, 'deadline'),
      definition.runTimeoutSeconds * 1000,
    );
    const onAbort = () => interrupt(`run interrupted (${signalName(request.signal?.reason)})`, 'signal');
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const refName = request.source.kind === 'git' ? request.source.ref : `--src ${request.source.dir}`;
    /** Before the first rung: an interruption (whatever error it caused) is reported as one. */
    const stoppedBeforeRungs = (): Error | null => {
      if (interruptedBy === 'signal') {
        return new InterruptedError(
          `${interrupted} while staging ${recipe} at ${refName}, before its first rung: nothing was deployed`,
        );
      }
      if (interruptedBy === 'deadline') return new OperationError(`${interrupted} while staging ${recipe} at ${refName}`);
      return null;
    };
    try {
      const abraDir = path.join(runDir, 'abra');
      let staged: StagedCheckout;
      let head: HeadInfo;
      let tags: string[];
      try {
        await createOwnAbraDir(abraDir, config.abraDir);
        log(`run ${runId}: ${recipe} (${quick ? 'quick' : 'cold'}) on ${domain}, ABRA_DIR ${abraDir}`);
        staged = await stageCheckout(request.source, path.join(abraDir, 'recipes', recipe), controller.signal);
        // A dirty --src is tested as its work tree: read head's version there. The checkout
        // is removed with the run directory, so its compose.yml is named by the ref.
        const where = `${recipe} at ${staged.ref} (commit ${staged.commit})`;
        const compose = await readCompose(staged.overlayFrom ?? staged.dir).catch((error: unknown) => {
          if (error instanceof ComposeFileError) throw error.at(where, staged.overlayFrom ? error.file : 'compose.yml');
          throw new OperationError(`${where}: ${(error as Error).message}`);
        });
        const headVersion = headVersionOf(compose);
        tags = [...new Set([...request.tags, ...(await tagNames(staged.dir))])];
        head = {
          version: headVersion,
          commit: staged.commit,
          tagged:
            headVersion !== null && staged.overlayFrom === null && (await tagCommit(staged.dir, headVersion)) === staged.commit,
        };
      } catch (error) {
        throw stoppedBeforeRungs() ?? error;
      }
      const stopped = stoppedBeforeRungs();
      if (stopped) throw stopped;
      log(`head: ${head.version ?? '(no version label)'} at ${head.commit}${head.tagged ? ' (release tag)' : ''}`);
      const ingress = config.ingress;
      const ctx: RunContext = {
        config,
        definition,
        recipe,
        runId,
        runDir,
        app: { abraDir, server, domain },
        stack: stackName(domain),
        target: { domain, ingress },
        staged,
        head,
        signal: controller.signal,
        interrupted: () => interrupted,
        log,
      };
      rungsStarted = true;
      const outcome = quick
        ? await quickRungs(ctx, request.canonical as CanonicalRecord)
        : await coldRungs(ctx, pickBase(ctx, tags, request.canonical));
      const statuses = statusesOf(outcome.rungs);
      const { verdict, reason } = verdictOf(statuses);
      const finishedAt = new Date();
      const result: RunResult = {
        schema: RESULT_SCHEMA,
        runId,
        recipe,
        version: head.version ?? staged.ref,
        versionFromLabel: head.version !== null,
        commit: head.commit,
        ref: staged.ref,
        prRef: request.prRef,
        source:
          request.source.kind === 'git'
            ? { kind: 'git', url: request.source.url }
            : { kind: 'dir', dir: request.source.dir, dirty: staged.overlayFrom !== null },
        mode: quick ? 'quick' : 'cold',
        fellBackToCold,
        domain,
        base: outcome.base,
        rungs: outcome.rungs,
        level: levelOf(statuses),
        verdict,
        verdictReason: reason,
        outcome: interruptedBy === 'signal' ? 'interrupted' : verdict,
        teardown: outcome.teardown,
        interrupted,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        runDir,
      };
      await writeRunResult(result);
      log(`run ${runId}: ${interruptedBy === 'signal' ? `${interrupted}; the rungs so far: ` : ''}${reason}`);
      return result;
    } finally {
      clearTimeout(deadline);
      request.signal?.removeEventListener('abort', onAbort);
    }
  } catch (error) {
    if (createdRunDir && !rungsStarted) {
      // (What the run logged went to the caller's log too.)
      await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    }
    throw error;
  } finally {
    await lock.release();
  }
}

/** "SIGTERM" from an abort reason that is a signal name or an Error saying "received SIGTERM". */
function signalName(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  return 'signal';
}

function pickBase(ctx: RunContext, tags: readonly string[], canonical: CanonicalRecord | null): BaseChoice {
  if (ctx.head.version === null) {
    return { version: null, rule: 'invalid-head', reason: 'head has no version label' };
  }
  const base = resolveUpgradeBase({
    tags,
    head: ctx.head.version,
    canonicalVersion: canonical?.version ?? null,
    pin: ctx.definition.upgradeBase,
    allowPrereleases: ctx.definition.allowPrereleases,
  });
  ctx.log(`upgrade base: ${base.base ?? 'none'} (${base.rule}: ${base.reason})`);
  return { version: base.base, rule: base.rule, reason: base.reason };
}

export type { Rung };
