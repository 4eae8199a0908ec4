// Every abra command line the runner issues, with abra 0.11's syntax (REFERENCE.md;
// the fakes' README lists the source of each). abra always runs non-interactively
// (--no-input), with the run's own ABRA_DIR, and its stdout is read for fatal errors:
// abra can print "FATA ..." and still exit 0, and it prints fatal errors on stdout.
// Commands that need a terminal even with --no-input (recipe lint, backup create,
// restore) run under `script` (a PTY). Deploys and upgrades pass --no-converge-checks:
// the runner waits for health itself (app-health.ts). Commands that print generated
// secret values never have their output logged or kept. Commands that read the recipe
// pass --offline: the run staged the checkout itself, and abra must neither fetch the
// recipe or the catalogue nor move the checkout (CI machines may have no route out).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { stackName, waitStackGone } from './docker.js';
import { execProgram, type ExecResult } from './exec.js';

export interface AbraContext {
  /** ABRA_DIR for this call: the run's own, never a shared one. */
  abraDir: string;
  signal?: AbortSignal;
  /** Receives one line per command and its output (the run log). */
  log?: (line: string) => void;
}

export type AbraFailureKind = 'fatal' | 'timeout' | 'aborted' | 'missing';

export interface AbraOutcome {
  argv: readonly string[];
  exitCode: number | null;
  /** stdout + stderr, ANSI escapes and carriage returns removed. */
  output: string;
  /** The first fatal line abra printed, if any. */
  fatal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export class AbraError extends Error {
  constructor(
    readonly kind: AbraFailureKind,
    readonly outcome: AbraOutcome,
    message: string,
  ) {
    super(message);
    this.name = 'AbraError';
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;
const FATAL_LINE = /(^|\s)(FATA|FATAL)(\s|\[|:|$)|level=fatal/;

export function cleanOutput(text: string): string {
  return text.replace(ANSI, '').replace(/\r/g, '');
}

export function findFatal(output: string): string | null {
  return output.split('\n').find((line) => FATAL_LINE.test(line))?.trim() ?? null;
}

/** POSIX single-quoting: the only safe way to hand argv to `script -c`, which runs it with sh. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

interface RunOptions {
  timeoutMs: number;
  /** Run under script(1): the command needs a terminal. */
  pty?: boolean;
  /**
   * The output holds secret values (abra prints the secrets it generates): log only the
   * command, its fatal line and its exit status, and keep no other output in the outcome.
   */
  printsSecrets?: boolean;
}

const WITHHELD = '(output withheld: it holds generated secret values)';

async function runAbra(context: AbraContext, args: readonly string[], options: RunOptions): Promise<AbraOutcome> {
  const started = Date.now();
  const env = { ABRA_DIR: context.abraDir };
  const common = { env, timeoutMs: options.timeoutMs, ...(context.signal ? { signal: context.signal } : {}) };
  let result: ExecResult;
  if (options.pty) {
    // script(1) from util-linux: -q quiet, -e child's exit status, -c the command, output to /dev/null.
    const commandLine = ['abra', ...args].map(shellQuote).join(' ');
    result = await execProgram('script', ['-qec', commandLine, '/dev/null'], common);
  } else {
    result = await execProgram('abra', args, common);
  }
  const fullOutput = cleanOutput(`${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`);
  // A fatal line is abra's own message, never a table row of generated values.
  const fatal = findFatal(fullOutput);
  const output = options.printsSecrets ? (fatal ?? '') : fullOutput;
  const outcome: AbraOutcome = {
    argv: ['abra', ...args],
    exitCode: result.exitCode,
    output,
    fatal,
    timedOut: result.timedOut,
    aborted: context.signal?.aborted ?? false,
    durationMs: Date.now() - started,
  };
  context.log?.(
    `$ ${outcome.argv.join(' ')}${options.pty ? ' (pty)' : ''} -> ${outcome.timedOut ? 'timed out' : outcome.aborted ? 'aborted' : `exit ${outcome.exitCode}`} in ${outcome.durationMs} ms`,
  );
  if (options.printsSecrets) context.log?.(`  ${WITHHELD}`);
  for (const line of output.split('\n')) if (line.trim() !== '') context.log?.(`  ${line}`);
  return outcome;
}

function failureOf(outcome: AbraOutcome): AbraError | null {
  const what = outcome.argv.slice(0, 4).join(' ');
  if (outcome.aborted) return new AbraError('aborted', outcome, `${what} was aborted`);
  if (outcome.timedOut) {
    return new AbraError('timeout', outcome, `${what} did not finish within ${Math.round(outcome.durationMs / 1000)} s`);
  }
  if (outcome.exitCode === 127) return new AbraError('missing', outcome, `${what}: abra is not on PATH`);
  if (outcome.fatal) return new AbraError('fatal', outcome, `${what}: ${outcome.fatal}`);
  if (outcome.exitCode !== 0) {
    const tail = outcome.output.trim().split('\n').slice(-3).join(' | ');
    return new AbraError('fatal', outcome, `${what} exited ${outcome.exitCode}${tail ? `: ${tail}` : ''}`);
  }
  return null;
}

async function runAbraChecked(context: AbraContext, args: readonly string[], options: RunOptions): Promise<AbraOutcome> {
  const outcome = await runAbra(context, args, options);
  const failure = failureOf(outcome);
  if (failure) throw failure;
  return outcome;
}

const DEFAULT_TIMEOUT_MS = 120_000;

// --- the command lines ---------------------------------------------------------------

/**
 * `abra app new <recipe> [version] --server S --domain D -n`: writes servers/S/D.env.
 * Never with --secrets: that prints the generated values (appSecretGenerate does not log them).
 */
export async function appNew(
  context: AbraContext,
  app: { recipe: string; version: string | null; server: string; domain: string },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<AbraOutcome> {
  const args = ['app', 'new', app.recipe];
  if (app.version !== null) args.push(app.version);
  args.push('--server', app.server, '--domain', app.domain, '--offline', '--no-input');
  return runAbraChecked(context, args, { timeoutMs });
}

/** `abra app secret generate <domain> --all -n`: every secret of the app; its output is never logged. */
export async function appSecretGenerate(context: AbraContext, domain: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return runAbraChecked(context, ['app', 'secret', 'generate', domain, '--all', '--no-input'], {
    timeoutMs,
    printsSecrets: true,
  });
}

export type DeployTarget = { kind: 'version'; version: string } | { kind: 'chaos' };

/**
 * `abra app deploy <domain> <version> -n --no-converge-checks --no-domain-checks` or, for the
 * recipe checkout as it is, `abra app deploy <domain> --chaos ...`; `--force` redeploys.
 */
export async function appDeploy(
  context: AbraContext,
  domain: string,
  target: DeployTarget,
  options: { force?: boolean; timeoutMs: number },
): Promise<AbraOutcome> {
  const args = ['app', 'deploy', domain];
  if (target.kind === 'version') args.push(target.version);
  else args.push('--chaos');
  if (options.force) args.push('--force');
  args.push('--no-converge-checks', '--no-domain-checks', '--offline', '--no-input');
  return runAbraChecked(context, args, { timeoutMs: options.timeoutMs });
}

/** `abra app upgrade <domain> <version> -n --no-converge-checks --no-domain-checks`. */
export async function appUpgrade(
  context: AbraContext,
  domain: string,
  version: string,
  options: { timeoutMs: number },
): Promise<AbraOutcome> {
  return runAbraChecked(
    context,
    ['app', 'upgrade', domain, version, '--no-converge-checks', '--no-domain-checks', '--offline', '--no-input'],
    options,
  );
}

/** `abra app undeploy <domain> -n`: removes the stack, keeps its volumes. */
export async function appUndeploy(context: AbraContext, domain: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return runAbraChecked(context, ['app', 'undeploy', domain, '--no-input'], { timeoutMs });
}

/** `abra app remove <domain> --force -n`: deletes the app's .env, volumes and secrets (app undeployed). */
export async function appRemove(context: AbraContext, domain: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return runAbraChecked(context, ['app', 'remove', domain, '--force', '--no-input'], { timeoutMs });
}

/** `abra app backup create <domain> -n` (backup-bot-two), under a PTY: bare, it dies on the terminal ioctl. */
export async function appBackupCreate(context: AbraContext, domain: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return runAbraChecked(context, ['app', 'backup', 'create', domain, '--no-input'], { timeoutMs, pty: true });
}

/** `abra app restore <domain> -n`: restores the latest backup; under a PTY, like backup create. */
export async function appRestore(context: AbraContext, domain: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return runAbraChecked(context, ['app', 'restore', domain, '--no-input'], { timeoutMs, pty: true });
}

/**
 * `abra recipe lint <recipe> -n` under a PTY (it needs a terminal). Never throws for a
 * failed lint: the caller reads the table, and tells "could not lint" from the outcome.
 */
export async function recipeLint(context: AbraContext, recipe: string, timeoutMs: number): Promise<AbraOutcome> {
  return runAbra(context, ['recipe', 'lint', recipe, '--offline', '--no-input'], { timeoutMs, pty: true });
}

// --- the app's .env (abra's file, edited the way `abra app config` would) -------------

export function appEnvFile(abraDir: string, server: string, domain: string): string {
  return path.join(abraDir, 'servers', server, `${domain}.env`);
}

/** Sets KEY=VALUE lines in the app's .env (replacing an existing, uncommented KEY). */
export async function setAppEnv(
  abraDir: string,
  server: string,
  domain: string,
  values: Record<string, string>,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  const file = appEnvFile(abraDir, server, domain);
  const lines = (await readFile(file, 'utf8')).split('\n');
  for (const [key, value] of Object.entries(values)) {
    if (/[\n\r]/.test(value)) throw new Error(`${file}: value of ${key} contains a line break`);
    const index = lines.findIndex((line) => line.startsWith(`${key}=`));
    if (index >= 0) lines[index] = `${key}=${value}`;
    else {
      if (lines.at(-1) === '') lines.pop();
      lines.push(`${key}=${value}`, '');
    }
  }
  await writeFileAtomic(file, lines.join('\n'), { mode: 0o600 });
}

// --- what promote (and quick mode) use: clear names over the command lines --------------

export interface AppRef {
  abraDir: string;
  server: string;
  domain: string;
}

/**
 * Creates the app for a recipe checkout in `<abraDir>/recipes/<recipe>`, at `version`, with
 * extra .env values; generates its secrets when the recipe has any (never logging them).
 */
export async function createApp(
  app: AppRef & { recipe: string; version: string | null; env?: Record<string, string>; secrets: boolean },
  context: Omit<AbraContext, 'abraDir'> = {},
): Promise<void> {
  const abra = { ...context, abraDir: app.abraDir };
  await appNew(abra, app);
  await setAppEnv(app.abraDir, app.server, app.domain, app.env ?? {});
  if (app.secrets) await appSecretGenerate(abra, app.domain);
}

/** Deploys exactly `version` (a release tag or commit); `force` when it is already deployed. */
export async function deployVersion(
  app: AppRef,
  version: string,
  options: { timeoutMs: number; force?: boolean } & Omit<AbraContext, 'abraDir'>,
): Promise<void> {
  await appDeploy({ ...options, abraDir: app.abraDir }, app.domain, { kind: 'version', version }, options);
}

/**
 * Undeploys, keeping the volumes, and returns only when no container of the stack is left
 * (abra returns while they still shut down and write to their volumes). An app that is not
 * deployed is left as it is, once its containers are gone.
 */
export async function undeployKeepingVolumes(
  app: AppRef,
  options: Omit<AbraContext, 'abraDir'> & { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    await appUndeploy({ ...options, abraDir: app.abraDir }, app.domain, timeoutMs);
  } catch (error) {
    if (!(error instanceof AbraError && error.kind === 'fatal' && /is not deployed/.test(error.outcome.output))) throw error;
  }
  const started = Date.now();
  await waitStackGone(stackName(app.domain), { timeoutMs });
  options.log?.(`  ${stackName(app.domain)}: no service or container left after ${Date.now() - started} ms`);
}

/** Removes the app: its .env, secrets and volumes (undeploy it first). */
export async function removeAppAndVolumes(
  app: AppRef,
  options: Omit<AbraContext, 'abraDir'> & { timeoutMs?: number } = {},
): Promise<void> {
  await appRemove({ ...options, abraDir: app.abraDir }, app.domain, options.timeoutMs);
}

export { waitHealthy, type HealthProbe, type HealthResult } from './app-health.js';
