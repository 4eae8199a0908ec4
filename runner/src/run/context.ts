// What every rung of one run shares, and how a rung's outcome (or exception) becomes
// pass / fail / skip / unver with a reason and a duration.
import type { Config } from '../config/config.js';
import type { RecipeDefinition } from '../config/recipe-definition.js';
import type { Rung, RungStatus } from '../core/ladder.js';
import { AbraError, type AbraContext, type AppRef } from '../effects/abra.js';
import { httpGet, type HttpTarget } from '../effects/http.js';
import type { RungResult } from './result.js';
import type { StagedCheckout } from './stage.js';

export interface HeadInfo {
  /** The compose label's version, or null when the label is missing. */
  version: string | null;
  commit: string;
  /** A release tag named `version` exists and points at `commit`: head deploys by version, not chaos. */
  tagged: boolean;
}

export interface RunContext {
  config: Config;
  definition: RecipeDefinition;
  recipe: string;
  runId: string;
  runDir: string;
  app: AppRef;
  stack: string;
  target: HttpTarget;
  staged: StagedCheckout;
  head: HeadInfo;
  signal: AbortSignal;
  /** Why the run was interrupted (deadline, signal), or null while it runs normally. */
  interrupted(): string | null;
  log(line: string): void;
}

export interface Outcome {
  status: RungStatus;
  reason: string;
}

export const pass = (reason: string): Outcome => ({ status: 'pass', reason });
export const fail = (reason: string): Outcome => ({ status: 'fail', reason });
export const skip = (reason: string): Outcome => ({ status: 'skip', reason });
export const unver = (reason: string): Outcome => ({ status: 'unver', reason });

export function abraContext(ctx: RunContext): AbraContext {
  return { abraDir: ctx.app.abraDir, signal: ctx.signal, log: ctx.log };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An exception inside a rung: abra saying no is a failure; everything else is unverified. */
export function outcomeOfError(ctx: RunContext, rung: Rung, error: unknown): Outcome {
  const interrupted = ctx.interrupted();
  if (interrupted) return unver(`${interrupted} during ${rung}`);
  if (error instanceof AbraError) {
    if (error.kind === 'fatal') return fail(error.message);
    return unver(`infrastructure: ${error.message}`);
  }
  return unver(`infrastructure error: ${(error as Error).message ?? String(error)}`);
}

export async function runRung(ctx: RunContext, rung: Rung, body: () => Promise<Outcome>): Promise<RungResult> {
  const started = Date.now();
  let outcome: Outcome;
  const before = ctx.interrupted();
  if (before) {
    outcome = unver(`not run: ${before}`);
  } else {
    ctx.log(`== ${rung}`);
    try {
      outcome = await body();
      // A body that saw the abort as a plain failure (a probe cut short) is unverified, not failed.
      const during = ctx.interrupted();
      if (during && outcome.status === 'fail') outcome = unver(`${during} during ${rung} (${outcome.reason})`);
    } catch (error) {
      outcome = outcomeOfError(ctx, rung, error);
    }
  }
  const result: RungResult = { rung, status: outcome.status, reason: outcome.reason, durationMs: Date.now() - started };
  ctx.log(`== ${rung}: ${result.status}: ${result.reason}`);
  return result;
}

/** The generic install check: GET / answers 200, 301 or 302. */
export async function genericCheck(ctx: RunContext): Promise<Outcome | null> {
  const outcome = await httpGet(ctx.target, '/', ctx.definition.httpTimeoutSeconds * 1000, ctx.signal);
  if (!outcome.ok) return fail(`GET / on ${ctx.target.domain}: ${outcome.error}`);
  if (![200, 301, 302].includes(outcome.answer.status)) {
    return fail(`GET / on ${ctx.target.domain} answered ${outcome.answer.status}, expected 200, 301 or 302`);
  }
  return null;
}

/** The recipe definition's reason a rung does not apply, if it lists one. */
export function notApplicable(definition: RecipeDefinition, rung: Rung): string | null {
  const entry = definition.notApplicable.find((n) => n.rung === rung);
  return entry ? `recipe.yaml notApplicable: ${entry.reason}` : null;
}
