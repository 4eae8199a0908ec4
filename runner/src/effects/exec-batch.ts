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
// any argument: they reach bash as its own positional parameters).
//
// Each run writes its stdout and stderr to the files of a slot (`<slot>.out`,
// `<slot>.err`, one slot per run at once, in a private directory), and when it ends,
// bash reads back what it wrote and prints its answer before the slot takes the next
// run:
//
//   <index> <exit status>\n<stdout>\0<stderr>\0
//
// (or `<index> lost`, `<index> binary`: a run bash cannot answer, below). Slots, not a
// pair of files per run: a new file costs the filesystem an inode, and ext4 looks for a
// free one past every inode deleted in the last minutes, so the 800 files of one night
// of 400 recipes, made where the last sweep's 800 were just removed, cost the runs
// 0.2-0.5 s of the kernel's time. Bash opens each slot's files once, to append for the
// runs and to read for itself: a run's output is what lies between where the read
// descriptor stopped and the end of the file, so no run opens or truncates a file (which
// cost a batch of 400 runs another 0.05 s of its 0.8 s). The NUL after each output
// cannot be part of it: an output holding a NUL byte (which bash cannot keep in a
// variable) is answered `binary`, never cut short, and read past.
//
// The batch never decides a result on its own: whatever goes wrong with it (no bash,
// a bash older than 5.1 without `wait -p`, an answer it cannot read, a run whose status
// bash lost or whose output it could not read, an output holding a NUL, no run ending
// for `timeoutMs`, a signal), every run it has not answered is run again the usual way,
// by execProgram with the same argv, environment and timeout. So a run that hangs costs
// at most twice its timeout, and the answers are always a program's own.
//
// A program a run leaves behind that still holds the run's stdout or stderr would write
// into the answer of a later run in the same slot; git's helpers end with git, and no
// run holds any other slot's descriptor.
//
// The slots' directory is removed by close(). A runner killed outright leaves it: the
// caller names it (`dir`) where its own leftover cleanup looks, or it is in the temp
// directory, which under the module's units is their own (PrivateTmp=).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execProgram, type ExecOptions, type ExecResult } from './exec.js';

// $1: the slots' directory, $2: how many at once, $3: how many fixed arguments follow
// (the program first), then those, then one last argument per run. The bash version
// check makes an old bash exit before it starts anything (the runs then go the usual way).
const BATCH_SCRIPT = [
  '((BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1))) || exit 3',
  'set -u',
  'dir=$1 limit=$2 fixed_count=$3',
  'shift 3',
  'fixed=("${@:1:fixed_count}")',
  'shift "$fixed_count"',
  // Looked up once here: each run's fork would otherwise search PATH for it again.
  '[[ ${fixed[0]} == */* ]] || hash -- "${fixed[0]}" 2>/dev/null',
  'declare -A run_of=() slot_of=()',
  'free=() out_w=() err_w=() out_r=() err_r=()',
  // Each slot's two files, opened once: written through descriptors opened to append,
  // read back through descriptors of their own, whose offsets stay where the last run's
  // output ended.
  'for ((slot = limit - 1; slot >= 0; slot--)); do',
  '  free+=("$slot")',
  '  exec {w}>>"$dir/$slot.out" {e}>>"$dir/$slot.err" {r}<"$dir/$slot.out" {s}<"$dir/$slot.err" || exit 5',
  '  out_w[slot]=$w err_w[slot]=$e out_r[slot]=$r err_r[slot]=$s',
  'done',
  'running=0 n=0',
  // (jobs -p also knows a run forked but not yet in run_of when the signal came.)
  'trap \'kill -TERM $(jobs -p) "${!run_of[@]}" 2>/dev/null; exit 143\' TERM INT HUP',
  // $1 index, $2 status, $3 slot. `read -d \'\'` reads what the run appended: it stops
  // at the end of the file (status 1, all of it read) or at a NUL (status 0: the output
  // is not text). Any other status is a read that failed: the run is answered lost,
  // never as if it had printed nothing.
  'answer() {',
  '  local out= err= got got_err',
  '  IFS= read -r -d \'\' -u "${out_r[$3]}" out; got=$?',
  '  IFS= read -r -d \'\' -u "${err_r[$3]}" err; got_err=$?',
  '  if [[ $got == 1 && $got_err == 1 ]]; then',
  '    printf \'%s %s\\n%s\\0%s\\0\' "$1" "$2" "$out" "$err"',
  '  elif [[ $got == 0 || $got_err == 0 ]]; then',
  '    printf \'%s binary\\n\' "$1"',
  '  else',
  '    printf \'%s lost\\n\' "$1"',
  '  fi',
  '}',
  // $1 slot, its run ended (answered or not): whatever its files still hold past the
  // read offsets is read past, so that the slot's next run reads its own output only.
  'release() {',
  '  while IFS= read -r -d \'\' -u "${out_r[$1]}" _; do :; done',
  '  while IFS= read -r -d \'\' -u "${err_r[$1]}" _; do :; done',
  '  free+=("$1")',
  '}',
  'reap() {',
  '  local pid= status found=0',
  '  wait -n -p pid',
  '  status=$?',
  '  if [[ -z $pid ]]; then',
  '    for pid in "${!run_of[@]}"; do',
  '      kill -0 "$pid" 2>/dev/null && continue',
  '      printf \'%s lost\\n\' "${run_of[$pid]}"',
  '      release "${slot_of[$pid]}"',
  '      unset "run_of[$pid]" "slot_of[$pid]"',
  '      running=$((running - 1)) found=1',
  '    done',
  '    ((found)) || exit 4',
  '    return',
  '  fi',
  '  answer "${run_of[$pid]}" "$status" "${slot_of[$pid]}"',
  '  release "${slot_of[$pid]}"',
  '  unset "run_of[$pid]" "slot_of[$pid]"',
  '  running=$((running - 1))',
  '}',
  'for last in "$@"; do',
  '  while ((running >= limit)); do reap; done',
  '  slot=${free[-1]}',
  '  unset \'free[-1]\'',
  // The run gets its slot's files as stdout and stderr, and none of the slots\'
  // descriptors: a program it leaves behind can write into no other run's output.
  '  (',
  '    for fd in "${out_w[@]}" "${err_w[@]}" "${out_r[@]}" "${err_r[@]}"; do exec {fd}>&-; done',
  '    exec "${fixed[@]}" "$last"',
  '  ) >&"${out_w[slot]}" 2>&"${err_w[slot]}" </dev/null &',
  '  run_of[$!]=$n slot_of[$!]=$slot',
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
  /** Its answer came (or it was run the usual way): nothing else may answer it. */
  answered: boolean;
}

/** One answer of the batch script: a run's end, or a run it cannot answer itself. */
export type BatchAnswer =
  | { index: number; kind: 'ended'; status: number; stdout: string; stderr: string }
  /** bash saw it end but lost its status (or could not read its output); or an output of it holds a NUL byte. */
  | { index: number; kind: 'lost' | 'binary' };

const HEADER = /^(\d+) (?:(\d+)|(lost|binary))$/;

/**
 * Reads the script's answers from its stdout, given in pieces split anywhere (even
 * inside a character: the pieces are already decoded, and a NUL is never part of a
 * UTF-8 sequence). `onAnswer` says whether the answer was one it expected; the first
 * that was not (or anything that is no answer) stops the reading for good: nothing after
 * it is trusted.
 */
export function answerReader(onAnswer: (answer: BatchAnswer) => boolean): { push(text: string): void; readonly broken: boolean } {
  let buffer = '';
  let header: { index: number; status: number } | null = null;
  let stdout: string | null = null;
  let broken = false;
  const give = (answer: BatchAnswer): boolean => {
    broken = !onAnswer(answer);
    return !broken;
  };
  const push = (text: string): void => {
    if (broken) return;
    buffer += text;
    let at = 0;
    for (;;) {
      if (header === null) {
        const newline = buffer.indexOf('\n', at);
        if (newline < 0) break;
        const match = HEADER.exec(buffer.slice(at, newline));
        at = newline + 1;
        const index = match ? Number(match[1]) : -1;
        if (!match || !Number.isSafeInteger(index)) {
          broken = true;
          return;
        }
        if (match[3] === undefined) header = { index, status: Number(match[2]) };
        else if (!give({ index, kind: match[3] as 'lost' | 'binary' })) return;
        continue;
      }
      const end = buffer.indexOf('\0', at);
      if (end < 0) break;
      const output = buffer.slice(at, end);
      at = end + 1;
      if (stdout === null) {
        stdout = output;
        continue;
      }
      const answer: BatchAnswer = { index: header.index, kind: 'ended', status: header.status, stdout, stderr: output };
      header = null;
      stdout = null;
      if (!give(answer)) return;
    }
    buffer = at === 0 ? buffer : buffer.slice(at);
  };
  return {
    push,
    get broken() {
      return broken;
    },
  };
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
  // Given up when no answer came for timeoutMs. One timer, looked at when it fires, not
  // one cleared and set again per answer.
  let lastAnswer = Date.now();
  let stalled: NodeJS.Timeout | undefined;
  const checkStalled = (): void => {
    const quiet = Date.now() - lastAnswer;
    if (quiet >= options.timeoutMs) stop.abort();
    else stalled = setTimeout(checkStalled, options.timeoutMs - quiet);
  };
  stalled = setTimeout(checkStalled, options.timeoutMs);
  const reader = answerReader((answer) => {
    const run = pending[answer.index];
    if (!run || run.answered) return false;
    lastAnswer = Date.now();
    if (answer.kind !== 'ended') {
      // Its status lost, or an output bash cannot pass on: ask the program again.
      direct(answer.index);
      return true;
    }
    run.answered = true;
    run.resolve(asExecResult([program, ...fixedArgs, lastArgs[answer.index] as string], answer.status, answer.stdout, answer.stderr));
    return true;
  });
  let closing = false;
  const unanswered = (index: number): void => {
    const run = pending[index] as Pending;
    if (run.answered) return;
    run.answered = true;
    const argv = [program, ...fixedArgs, lastArgs[index] as string];
    run.resolve({ argv, exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '', timedOut: false });
  };
  const batch = execProgram(
    'bash',
    [script, dir, String(Math.max(1, options.concurrency)), String(fixedArgs.length + 1), program, ...fixedArgs, ...lastArgs],
    {
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
      signal: stop.signal,
      onStdout: (text) => {
        if (reader.broken) return;
        reader.push(text);
        // Not an answer the script gives: trust none of what follows.
        if (reader.broken) stop.abort();
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

/** The result of a run that execProgram could not start or wait for: a failure naming why. */
function crashed(program: string, fixedArgs: readonly string[], last: string, error: unknown): ExecResult {
  const why = error instanceof Error ? error.message : String(error);
  return { argv: [program, ...fixedArgs, last], exitCode: 126, signal: null, stdout: '', stderr: `${program}: ${why}\n`, timedOut: false };
}
