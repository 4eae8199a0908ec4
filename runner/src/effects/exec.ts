// The one place that starts external programs. Every program module (git, abra,
// docker, …) builds its argv and calls `execProgram`; nothing else spawns. (Many runs
// of one program, a no-op night's listings, go through exec-batch.ts: one bash, started
// here, that starts them.)
//
// zx runs every program: its process promise, output capture, abort signal, kill and
// exit status. But zx's own way of starting one is a shell (bash -c 'set -euo pipefail;
// <quoted argv>'), which costs a bash start per program, about as much again as a small
// git command. So zx is given its `spawn` option: a function that starts the program
// itself with its argv as given (child_process.spawn, no shell), ignoring the command
// string zx quoted for a shell. No shell ever sees an argument, so none can be read as
// shell syntax. Secrets travel in `env`, never in `args`.
//
// Only zx's core (`zx/core`: $ and its process machinery) is loaded, not the scripting
// globals of `zx` (fs-extra, globby, yaml, fetch …), and only when the first program
// starts: commands that start none (status, --help) never load it. It is loaded by
// `require`, its CommonJS build: zx's ES module entry is a wrapper around that same file
// (one instance either way), and importing it costs node a scan of the CommonJS source
// for its export names on top: 45-60 ms against 27-32 ms here, on every sweep.
//
// What starting a program costs the runner: node forks itself (libuv's fork + exec),
// and until the child has exec'd, the event loop waits. The fork copies the page tables
// of the runner's private memory, mostly V8's heap, so a small heap is a cheap spawn:
// with V8's default, a sweep's young generation grows to 2 x 16 MiB of mostly garbage
// and every git ls-remote pays for it twice (fork, and the child's exec tearing the
// copy down). So before the first program starts, the young generation is told not to
// grow (it stays at its first size; what lives longer moves on to the old generation
// as usual), and the old generation to grow slowly. The README's benchmark shows what
// it saves.
import { spawn as spawnChild, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';
import v8 from 'node:v8';
import type { $ as ZxShell, ProcessPromise } from 'zx/core';

let zx: Promise<typeof ZxShell> | null = null;

/** Told of each V8 flag set here (tests: the flags cannot be read back). */
export type V8FlagObserver = (flag: string) => void;
const flagObservers = new Set<V8FlagObserver>();
export function observeV8Flags(observer: V8FlagObserver): () => void {
  flagObservers.add(observer);
  return () => flagObservers.delete(observer);
}
function setV8Flag(flag: string): void {
  v8.setFlagsFromString(flag);
  for (const observe of flagObservers) observe(flag);
}

/** How many computeAtFullSpeed calls are under way (the old generation's tuning is off meanwhile). */
let fullSpeed = 0;
function loadZx(): Promise<typeof ZxShell> {
  if (zx === null) {
    // Read by V8 whenever it considers growing the young generation (1: never grow).
    setV8Flag('--semi-space-growth-factor=1');
    // And the old generation grows by less after each full collection: a no-op sweep of
    // 400 recipes with a mirror peaked at 95 MiB without it, 76 MiB with it, in the same time.
    if (fullSpeed === 0) setV8Flag('--optimize-for-size');
    zx = Promise.resolve((createRequire(import.meta.url)('zx/core') as typeof import('zx/core')).$);
  }
  return zx;
}

/**
 * Runs `work` with V8 tuned for speed again, not for size: for work that computes rather
 * than starts programs, in a process that may have started some (the sweep's dashboard).
 * `--optimize-for-size` (above) made a rewrite of the dashboard of 400 recipes about 30%
 * slower (0.55-0.70 s -> 0.80-0.95 s). It is set again afterwards if programs were
 * started, before or during `work`.
 */
export async function computeAtFullSpeed<T>(work: () => Promise<T>): Promise<T> {
  fullSpeed += 1;
  if (fullSpeed === 1 && zx !== null) setV8Flag('--no-optimize-for-size');
  try {
    return await work();
  } finally {
    fullSpeed -= 1;
    if (fullSpeed === 0 && zx !== null) setV8Flag('--optimize-for-size');
  }
}

/**
 * zx's `spawn` option for one program: starts `program` with `args` exactly, no shell.
 * Without input the program's stdin is /dev/null: it reads end-of-file at once instead
 * of waiting on a pipe nobody writes (and no pipe is made for it).
 */
function directSpawn(program: string, args: readonly string[], hasInput: boolean, onStdout?: (text: string) => void) {
  return (_command: string, _shellArgs: readonly string[], options: SpawnOptions): ChildProcess => {
    const stdio: StdioOptions = hasInput ? (options.stdio ?? 'pipe') : ['ignore', 'pipe', 'pipe'];
    const child = spawnChild(program, args, { ...options, stdio, shell: false });
    // Beside zx's own capture (which still gets every byte), as it arrives; decoded
    // here, not by setEncoding, which would change what zx is given.
    if (onStdout) {
      const decoder = new StringDecoder('utf8');
      child.stdout?.on('data', (chunk: Buffer) => onStdout(decoder.write(chunk)));
    }
    // A program that exits before reading all its input is not the runner's crash: its
    // exit status says what happened.
    child.stdin?.on('error', () => undefined);
    return child;
  };
}

export interface ExecOptions {
  cwd?: string;
  /** Extra environment, merged over process.env. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the program after this many milliseconds (SIGTERM, then SIGKILL). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told each piece of stdout as it arrives (pieces split anywhere, even inside a line). */
  onStdout?: (text: string) => void;
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
  // The runner's own environment as it is when nothing is added (a copy per program
  // would be a few hundred strings copied for nothing; spawn copies it anyway).
  let env: NodeJS.ProcessEnv = process.env;
  if (options.env !== undefined && Object.keys(options.env).length > 0) {
    env = { ...process.env };
    for (const [key, value] of Object.entries(options.env)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
  }
  let timedOut = false;
  const $ = await loadZx();
  // zx's `$(options)` runs each call inside AsyncLocalStorage.run, and the first such
  // call turns on promise hooks for the whole process: from then on every promise the
  // runner makes pays for them (a sweep makes thousands). So the options are set on zx's
  // defaults instead, just for the call, and put back at once: `$` takes its snapshot of
  // the options synchronously, so no other call (nor any other user of zx) sees them.
  const callOptions = {
    cwd: options.cwd ?? process.cwd(),
    env,
    nothrow: true,
    quiet: true,
    verbose: false,
    spawn: directSpawn(program, args, options.input !== undefined, options.onStdout) as unknown as typeof spawnChild,
    input: options.input,
    signal: options.signal,
  };
  const defaults = $ as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(Object.keys(callOptions).map((key) => [key, defaults[key]]));
  // `$` also records where it was called from, for its own messages (which a nothrow,
  // quiet call never shows), by formatting a stack trace; a short one costs little.
  const stackTraceLimit = Error.stackTraceLimit;
  let child: ProcessPromise;
  try {
    Object.assign($, callOptions);
    Error.stackTraceLimit = 1;
    // zx still builds (and quotes) a command string from the pieces; directSpawn ignores it.
    child = $`${program} ${[...args]}`;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Object.assign($, saved);
  }
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
    const cause = output.cause as NodeJS.ErrnoException | null;
    // (zx then reports the spawn error, and node its errno as the exit code, e.g. -2.)
    if (cause && output.signal === null && (output.exitCode === null || output.exitCode < 0)) {
      // The program could not be started. Say so as a shell would (127: not found,
      // 126: not executable), the convention the program modules read.
      const code = cause.code === 'ENOENT' ? 127 : 126;
      const why = cause.code === 'ENOENT' ? 'command not found' : (cause.message ?? String(cause));
      return { argv, exitCode: code, signal: null, stdout: '', stderr: `${program}: ${why}\n`, timedOut };
    }
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
