// L4 functional: the recipe definition's HTTP checks, then the executables in
// <repo>/recipes/<name>/functional/ (each gets the app's domain and base URL).
import path from 'node:path';
import { listFunctionalExecutables, runFunctionalExecutable } from '../effects/functional-tests.js';
import { baseUrl, httpGet } from '../effects/http.js';
import { fail, pass, skip, type Outcome, type RunContext } from './context.js';

const EXECUTABLE_TIMEOUT_MS = 600_000;

export function functionalDir(ctx: RunContext): string {
  return path.join(ctx.config.repo, 'recipes', ctx.recipe, 'functional');
}

export async function functionalRung(ctx: RunContext): Promise<Outcome> {
  const checks = ctx.definition.functional;
  const executables = await listFunctionalExecutables(functionalDir(ctx));
  if (checks.length === 0 && executables.length === 0) {
    return skip(`no functional checks: recipe.yaml has no functional: entries and ${functionalDir(ctx)} has no executables`);
  }
  const failures: string[] = [];
  for (const check of checks) {
    const name = check.name ?? `GET ${check.path}`;
    const outcome = await httpGet(ctx.target, check.path, ctx.definition.httpTimeoutSeconds * 1000, ctx.signal);
    if (!outcome.ok) failures.push(`${name}: ${outcome.error}`);
    else if (outcome.answer.status !== check.status) failures.push(`${name}: answered ${outcome.answer.status}, expected ${check.status}`);
    else if (check.bodyContains !== undefined && !outcome.answer.body.includes(check.bodyContains)) {
      failures.push(`${name}: body does not contain ${JSON.stringify(check.bodyContains)}`);
    }
  }
  const env = {
    CCCI_RECIPE: ctx.recipe,
    CCCI_DOMAIN: ctx.app.domain,
    CCCI_BASE_URL: baseUrl(ctx.target),
    CCCI_INGRESS: ctx.target.ingress ?? '',
    CCCI_VERSION: ctx.head.version ?? '',
    CCCI_COMMIT: ctx.head.commit,
    CCCI_RUN_DIR: ctx.runDir,
  };
  for (const file of executables) {
    const result = await runFunctionalExecutable(file, env, { timeoutMs: EXECUTABLE_TIMEOUT_MS, signal: ctx.signal });
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-3).join(' | ');
    for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) if (line.trim()) ctx.log(`  [${path.basename(file)}] ${line}`);
    if (result.exitCode !== 0) {
      const why = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exited ${result.exitCode}`;
      failures.push(`${path.basename(file)} ${why}${tail ? `: ${tail}` : ''}`);
    }
  }
  if (failures.length > 0) return fail(failures.join('; '));
  return pass(`${checks.length} HTTP check(s) and ${executables.length} executable(s) passed`);
}
