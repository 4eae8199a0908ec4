// Many runs of one program that differ only in their last argument (a no-op night's
// `git ls-remote --refs -- URL`, one per recipe), started by one small bash instead of
// one node spawn each.
//
// Why: node starts a program by forking itself, and its event loop waits until the
// child has exec'd; on this project's 2-core machines that is 3-4 ms of the runner's
// main thread per program, against under 1 ms for a small process such as xargs or
// bash. A no-op sweep of 400 recipes spent 1.6 s of its 3.9 s in spawn alone. So the
// runner starts one bash (through execProgram, like every program) that starts the
// runs itself, `concurrency` at once, each straight from its argv (no shell parsing of
// any argument: they reach bash as its own positional parameters), and prints
// "<index> <exit status> <1 if it wrote to stderr, else 0>" as each ends. Each run's
// stdout and stderr go to files in a private temp directory, read when its line
// arrives; the caller gets one promise per run, settled as that run ends, not when the
// batch does.
//
// The batch never decides a result on its own: whatever goes wrong with it (no bash,
// a bash older than 5.1 without `wait -p`, a line it cannot read, no run ending for
// `timeoutMs`, a signal), every run it has not answered yet is run again the usual way,
// by execProgram with the same argv, environment and timeout. So a run that hangs costs
// at most twice its timeout, and the answers are always a program's own.
//
// The outputs' directory is removed by close(). A runner killed outright leaves it: the
// caller names it (`dir`) where its own leftover cleanup looks, or it is in the temp
// directory, which under the module's units is their own (PrivateTmp=).
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execProgram, type ExecOptions, type ExecResult } from './exec.js';

// $1: the output directory, $2: how many at once, $3: how many fixed arguments follow
// (the program first), then those, then one last argument per run. The bash version
// check makes an old bash exit before it starts anything (the runs then go the usual way).
const BATCH_SCRIPT = [
  '((BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1))) || exit 3',
  'set -u',
  'dir=$1 limit=$2 fixed_count=$3',
  'shift 3',
  'fixed=("${@:1:fixed_count}")',
  'shift "$fixed_count"',
  'declare -A run_of=()',
  'running=0 n=0',
  // (jobs -p also knows a run forked but not yet in run_of when the signal came.)
  'trap \'kill -TERM $(jobs -p) "${!run_of[@]}" 2>/dev/null; exit 143\' TERM INT HUP',
  'reap() {',
  '  local pid= status err found=0',
  '  wait -n -p pid',
  '  status=$?',
  '  if [[ -z $pid ]]; then',
  '    for pid in "${!run_of[@]}"; do',
  '      kill -0 "$pid" 2>/dev/null && continue',
  '      printf \'%s lost\\n\' "${run_of[$pid]}"',
  '      unset "run_of[$pid]"',
  '      running=$((running - 1)) found=1',
  '    done',
  '    ((found)) || exit 4',
  '    return',
  '  fi',
  // (Whether the run wrote to stderr: the runner opens the file only then.)
  '  [[ -s $dir/${run_of[$pid]}.err ]] && err=1 || err=0',
  '  printf \'%s %s %s\\n\' "${run_of[$pid]}" "$status" "$err"',
  '  unset "run_of[$pid]"',
  '  running=$((running - 1))',
  '}',
  'for last in "$@"; do',
  '  while ((running >= limit)); do reap; done',
  '  "${fixed[@]}" "$last" >"$dir/$n.out" 2>"$dir/$n.err" </dev/null &',
  '  run_of[$!]=$n',
  '  n=$((n + 1)) running=$((running + 1))',
  'done',
  'while ((running > 0)); do reap; done',
].join('\n');

export interface BatchOptions {
  /** Where every run starts. */
  cwd: string;
  /** Extra environment of every run, merged over process.env as execProgram does. */
  env?: ExecOptions['env'];
  /** How many runs at once (at least 1). */
  concurrency: number;
  /** One run's time limit; the batch is given up when no run has ended for this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The outputs' directory, made here (mode 0700) and removed by close(); default: a new one in the temp directory. */
  dir?: string;
}

export interface Batch {
  /** One per last argument, in their order. */
  results: Promise<ExecResult>[];
  /** Ends the batch (its runs still going are stopped) and removes its files. */
  close(): Promise<void>;
}

interface Pending {
  resolve(result: ExecResult): void;
  /** Its line was read: the batch answers it (the files may still be being read). */
  answered: boolean;
}

/** Runs `program fixedArgs… last` for each of `lastArgs`, at most `concurrency` at once. */
export async function execEach(
  program: string,
  fixedArgs: readonly string[],
  lastArgs: readonly string[],
  options: BatchOptions,
): Promise<Batch> {
  const pending: Pending[] = [];
  const results = lastArgs.map(
    (_, index) => new Promise<ExecResult>((resolve) => (pending[index] = { resolve, answered: false })),
  );
  const direct = (index: number): void => {
    const run = pending[index] as Pending;
    if (run.answered) return;
    run.answered = true;
    execProgram(program, [...fixedArgs, lastArgs[index] as string], {
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }).then(run.resolve, (error: unknown) => run.resolve(crashed(program, fixedArgs, lastArgs[index] as string, error)));
  };
  if (lastArgs.length === 0) return { results, close: async () => undefined };

  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'ccci-batch-')));
  if (options.dir) await mkdir(options.dir, { mode: 0o700 });
  // A file, not `bash -c`: bash 5.2 running the script from -c lost the status of a few
  // of 400 quick runs to `wait -n` (it had already cleaned up after them), from a file none.
  const script = path.join(dir, 'batch.bash');
  await writeFile(script, BATCH_SCRIPT, { mode: 0o600 });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let stalled: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(stalled);
    stalled = setTimeout(() => stop.abort(), options.timeoutMs);
  };
  let partial = '';
  let broken = false;
  const onLine = (line: string): void => {
    const match = /^(\d+) (?:(\d+) ([01])|lost)$/.exec(line);
    const index = match ? Number(match[1]) : -1;
    const run = pending[index];
    if (!match || !run || run.answered) {
      // Not a line the script prints: trust none of what follows.
      broken = true;
      stop.abort();
      return;
    }
    watch();
    if (match[2] === undefined) {
      // bash saw it end but lost its status (see the script): ask the program again.
      direct(index);
      return;
    }
    run.answered = true;
    const status = Number(match[2]);
    const argv = [program, ...fixedArgs, lastArgs[index] as string];
    // Read at once, synchronously: two small files of a finished run cost less read so
    // than the four thread-pool round trips each of an asynchronous read. Its stderr
    // only when the script saw something in it (most runs write none).
    try {
      const stdout = readFileSync(path.join(dir, `${index}.out`), 'utf8');
      const stderr = match[3] === '1' ? readFileSync(path.join(dir, `${index}.err`), 'utf8') : '';
      run.resolve(asExecResult(argv, status, stdout, stderr));
    } catch (error) {
      run.resolve(crashed(program, fixedArgs, lastArgs[index] as string, error));
    }
  };
  let closing = false;
  const unanswered = (index: number): void => {
    const run = pending[index] as Pending;
    if (run.answered) return;
    run.answered = true;
    const argv = [program, ...fixedArgs, lastArgs[index] as string];
    run.resolve({ argv, exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '', timedOut: false });
  };
  watch();
  const batch = execProgram(
    'bash',
    [script, dir, String(Math.max(1, options.concurrency)), String(fixedArgs.length + 1), program, ...fixedArgs, ...lastArgs],
    {
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
      signal: stop.signal,
      onStdout: (text) => {
        if (broken) return;
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (!broken) onLine(line);
      },
    },
  )
    .catch(() => null)
    .then(() => {
      clearTimeout(stalled);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the batch did not answer is run the usual way, unless the caller has
      // closed it: then nobody waits for those answers any more.
      for (let index = 0; index < lastArgs.length; index += 1) {
        if (closing) unanswered(index);
        else direct(index);
      }
    });
  let closed: Promise<void> | null = null;
  return {
    results,
    close() {
      closed ??= (async () => {
        closing = true;
        stop.abort();
        await batch;
        await rm(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/** A run's result as execProgram gives it (a shell's 128+N is a signal there). */
function asExecResult(argv: readonly string[], status: number, stdout: string, stderr: string): ExecResult {
  const signal = status > 128 ? (Object.entries(os.constants.signals).find(([, n]) => n === status - 128)?.[0] ?? null) : null;
  return { argv, exitCode: signal ? null : status, signal, stdout, stderr, timedOut: false };
}

/** The result of a run whose output could not be read back: a failure naming why. */
function crashed(program: string, fixedArgs: readonly string[], last: string, error: unknown): ExecResult {
  const why = error instanceof Error ? error.message : String(error);
  return { argv: [program, ...fixedArgs, last], exitCode: 126, signal: null, stdout: '', stderr: `${program}: ${why}\n`, timedOut: false };
}
