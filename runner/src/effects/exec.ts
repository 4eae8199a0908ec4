// The one place that starts external programs. Every program module (git, abra,
// docker, …) builds its argv and calls `execProgram`; nothing else spawns.
// zx runs the command through bash with every argument quoted, so an argument can
// never be read as shell syntax. Secrets travel in `env`, never in `args`.
import type { $ as ZxShell } from 'zx';

// zx is loaded on the first program started: commands that start none (status) skip it.
let zx: Promise<typeof ZxShell> | null = null;
function loadZx(): Promise<typeof ZxShell> {
  zx ??= import('zx').then((module) => module.$);
  return zx;
}

export interface ExecOptions {
  cwd?: string;
  /** Extra environment, merged over process.env. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the program after this many milliseconds (SIGTERM, then SIGKILL). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  argv: readonly string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Observers see each argv before it runs (tests use this to prove no secret is in argv). */
type ArgvObserver = (argv: readonly string[]) => void;
const observers = new Set<ArgvObserver>();
export function observeArgv(observer: ArgvObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export class ProgramError extends Error {
  constructor(
    readonly result: ExecResult,
    message: string,
  ) {
    super(message);
    this.name = 'ProgramError';
  }
}

export async function execProgram(
  program: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const argv = [program, ...args];
  for (const observe of observers) observe(argv);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  let timedOut = false;
  const $ = await loadZx();
  const shell = $({
    cwd: options.cwd ?? process.cwd(),
    env,
    nothrow: true,
    quiet: true,
    verbose: false,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const child = shell`${program} ${[...args]}`;
  let timer: NodeJS.Timeout | undefined;
  if (options.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      void child.kill('SIGTERM');
      setTimeout(() => void child.kill('SIGKILL').catch(() => undefined), 2000).unref();
    }, options.timeoutMs);
  }
  try {
    const output = await child;
    return {
      argv,
      exitCode: output.exitCode,
      signal: output.signal,
      stdout: output.stdout,
      stderr: output.stderr,
      timedOut,
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * How a failed program is reported everywhere: "<command> exited N: <last lines>" (or
 * "timed out" / "was killed by SIG…"), the detail being the end of stderr, else of stdout.
 * `command` defaults to the program and its first argument (`git clone`); callers whose
 * first argument is not the interesting one (git's `--git-dir=…`) name it themselves.
 * The text holds the program's own words: callers scrub secrets before showing it.
 */
export function describeFailure(result: ExecResult, command = result.argv.slice(0, 2).join(' ')): string {
  const why = result.timedOut
    ? 'timed out'
    : result.signal
      ? `was killed by ${result.signal}`
      : `exited ${result.exitCode}`;
  const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n');
  return `${command} ${why}${detail ? `: ${detail}` : ''}`;
}

/** Runs a program and throws a ProgramError naming it when it does not exit 0. */
export async function execChecked(
  program: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const result = await execProgram(program, args, options);
  if (result.exitCode !== 0) throw new ProgramError(result, describeFailure(result));
  return result;
}
