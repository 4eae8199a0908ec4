// L5 lint (advisory): `abra recipe lint` on a pristine clone of the tested commit, in
// an ABRA_DIR of its own, under a PTY, within 60 s. Which rules fail is read from the
// table; "could not lint" (timeout, fatal, no table) is unverified, never pass.
import path from 'node:path';
import { recipeLint } from '../effects/abra.js';
import { createOwnAbraDir } from '../effects/abra-dir.js';
import { checkoutDetached, cloneRepo } from '../effects/git.js';
import { fail, pass, unver, type Outcome, type RunContext } from './context.js';
import { parseLintTable } from './lint-table.js';

export const LINT_BUDGET_MS = 60_000;

export async function lintRung(ctx: RunContext, budgetMs = LINT_BUDGET_MS): Promise<Outcome> {
  const lintAbraDir = await createOwnAbraDir(path.join(ctx.runDir, 'lint-abra'), ctx.config.abraDir);
  const checkout = path.join(lintAbraDir, 'recipes', ctx.recipe);
  await cloneRepo(ctx.staged.cloneSource, checkout, { signal: ctx.signal });
  await checkoutDetached(checkout, ctx.head.commit);
  const outcome = await recipeLint({ abraDir: lintAbraDir, signal: ctx.signal, log: ctx.log }, ctx.recipe, budgetMs);
  if (outcome.aborted) return unver('lint was aborted');
  if (outcome.timedOut) return unver(`abra recipe lint did not finish within ${budgetMs / 1000} s`);
  if (outcome.exitCode === 127) return unver('abra is not on PATH');
  if (outcome.fatal) return unver(`abra recipe lint could not lint: ${outcome.fatal}`);
  if (outcome.exitCode !== 0) return unver(`abra recipe lint exited ${outcome.exitCode}`);
  const table = parseLintTable(outcome.output);
  if (!table.ok) return unver(`cannot read the lint table: ${table.problem}`);
  if (table.failing.length > 0) return fail(`lint rules not satisfied: ${table.failing.join(', ')}`);
  return pass(`all ${table.rules.length} lint rules satisfied or skipped`);
}
