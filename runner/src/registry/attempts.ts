// A recipe's attempts: the append-only history, and the current state kept beside it so
// that reading what the history says costs the same on night 365 as on night 2.
//
//   <stateDir>/<recipe>/attempts.jsonl        the history being written: one line per
//                                             sweep of the recipe, appended, never rewritten
//   <stateDir>/<recipe>/attempts.<n>.jsonl    earlier history (n = 1, 2, …, oldest first):
//                                             the history file renamed once it passed
//                                             ROTATE_BYTES, never changed after
//   <stateDir>/<recipe>/attempts.state.json   the memory (red runs, last attempt) as of a
//                                             position in the history (segment, byte, inode)
//
// The history is the truth and the state a fold of it up to its position: a reader takes
// the state and folds only the lines after that position (the tail), usually none. So
// every order of crash is safe: a line appended but not yet folded into the state is in
// the tail and is read; a state that does not fit the files (missing, torn, edited, a
// history truncated or replaced) is ignored and the memory folded from the whole
// history again. Nothing needs repairing by hand.
//
// What is written when (the cost of a no-op night is an append of one line, no fsync):
//   - an attempt that did something (a run, an error: any outcome but `skipped`) is
//     appended and fsynced, then the state is written (temp file, fsync, rename): the red
//     memory is durable before the sweep moves on, and a crash between the two leaves
//     the red line in the tail, where the next reader finds it;
//   - a skipped night is appended without fsync: losing it to a power cut loses a line
//     the sweep report holds too, and no memory; the state is rewritten only once the
//     tail has grown to COMPACT_AFTER lines (8 to 23, by recipe, so that recipes take
//     turns), after an fsync of the history, so the state never covers a line the disk
//     might not have.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { hasKeys, isIntegerIn, isPlainObject } from '../core/record-checks.js';
import { fsyncDirectory, writeJsonAtomic } from '../effects/atomic-file.js';
import { checkAttempt, NO_MEMORY, rememberAll, type Attempt, type AttemptMemory, type RedRun } from './attempt.js';
import { recipeStateDir } from './record-paths.js';

export type { Attempt, AttemptMemory, RedRun } from './attempt.js';

/** The history file is renamed to attempts.<n>.jsonl once it is this long (about ten years of nights). */
export const ROTATE_BYTES = 1024 * 1024;
export const STATE_SCHEMA = 1;

export function attemptsPath(stateDir: string, recipe: string): string {
  return path.join(recipeStateDir(stateDir, recipe), 'attempts.jsonl');
}

export function archivedAttemptsPath(stateDir: string, recipe: string, segment: number): string {
  return path.join(recipeStateDir(stateDir, recipe), `attempts.${segment}.jsonl`);
}

export function attemptStatePath(stateDir: string, recipe: string): string {
  return path.join(recipeStateDir(stateDir, recipe), 'attempts.state.json');
}

/** A place in the history: after `archived` earlier segments, `bytes` into attempts.jsonl (inode `ino`; null: none yet). */
export interface HistoryPosition {
  archived: number;
  bytes: number;
  ino: number | null;
}

export interface AttemptState {
  schema: typeof STATE_SCHEMA;
  recipe: string;
  /** The memory below is the fold of the history up to here. */
  covers: HistoryPosition;
  red: RedRun[];
  last: Attempt | null;
}

export interface MemoryRead {
  memory: AttemptMemory;
  /** Where the history was read up to (the end of its last whole line). */
  position: HistoryPosition;
  /** Lines folded in after the state's position (all of them when rebuilt). */
  tailLines: number;
  /** Lines that are not attempts (torn by a crash, edited by hand): counted, skipped. */
  badLines: number;
  /** The state could not be used: the memory was folded from the whole history. */
  rebuilt: boolean;
}

/** How long a recipe's tail may grow before a skipped night also writes the state: 8 to 23 lines. */
export function compactAfter(recipe: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < recipe.length; i += 1) hash = Math.imul(hash ^ recipe.charCodeAt(i), 0x01000193) >>> 0;
  return 8 + (hash % 16);
}

// ------------------------------------------------------------------ reading lines

/** The whole lines of `file` from byte `from`, and the byte after the last newline. */
function readLinesFrom(file: string, from: number): { lines: string[]; end: number } | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= from) return { lines: [], end: from };
    const buffer = Buffer.allocUnsafe(size - from);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    const lastNewline = buffer.subarray(0, read).lastIndexOf(0x0a);
    if (lastNewline < 0) return { lines: [], end: from };
    // A last line without its newline is being written, or was torn: not read yet.
    const lines = buffer.subarray(0, lastNewline).toString('utf8').split('\n');
    return { lines, end: from + lastNewline + 1 };
  } finally {
    closeSync(fd);
  }
}

/** One line as an attempt; null when it is not one (torn, edited); undefined when blank. */
async function parseLine(line: string): Promise<Attempt | null | undefined> {
  if (line.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  // A line the plain check does not vouch for goes to the schema.
  const plain = checkAttempt(raw);
  if (plain) return plain;
  const { attemptSchema } = await import('./attempt-schema.js');
  const parsed = attemptSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Parses lines into attempts, counting those that are not. */
async function parseLines(lines: readonly string[]): Promise<{ attempts: Attempt[]; badLines: number }> {
  const attempts: Attempt[] = [];
  let badLines = 0;
  for (const line of lines) {
    const attempt = await parseLine(line);
    if (attempt) attempts.push(attempt);
    else if (attempt === null) badLines += 1;
  }
  return { attempts, badLines };
}

// ------------------------------------------------------------------ the state file

/** A position as the state file (or a reader's own cache) holds it, or undefined for anything else. */
export function checkPosition(raw: unknown): HistoryPosition | undefined {
  if (!isPlainObject(raw) || !hasKeys(raw, ['archived', 'bytes', 'ino'])) return undefined;
  const { archived, bytes, ino } = raw;
  if (!isIntegerIn(archived, 0, 1e9) || !isIntegerIn(bytes, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (ino !== null && !isIntegerIn(ino, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  return { archived, bytes, ino };
}

/** The state as written, or undefined for anything else (it is then rebuilt from the history). */
export function checkAttemptState(raw: unknown, recipe: string): AttemptState | undefined {
  if (!isPlainObject(raw) || !hasKeys(raw, ['schema', 'recipe', 'covers', 'red', 'last'])) return undefined;
  if (raw.schema !== STATE_SCHEMA || raw.recipe !== recipe) return undefined;
  const covers = checkPosition(raw.covers);
  if (!covers) return undefined;
  if (!Array.isArray(raw.red)) return undefined;
  const red: RedRun[] = [];
  for (const entry of raw.red as unknown[]) {
    if (!isPlainObject(entry) || !hasKeys(entry, ['tag', 'commit'])) return undefined;
    if (typeof entry.tag !== 'string' || typeof entry.commit !== 'string') return undefined;
    red.push({ tag: entry.tag, commit: entry.commit });
  }
  const last = raw.last === null ? null : checkAttempt(raw.last);
  if (last === undefined) return undefined;
  return { schema: STATE_SCHEMA, recipe, covers, red, last };
}

function readState(stateDir: string, recipe: string): AttemptState | undefined {
  let text: string;
  try {
    text = readFileSync(attemptStatePath(stateDir, recipe), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return checkAttemptState(JSON.parse(text), recipe);
  } catch {
    return undefined;
  }
}

async function writeState(stateDir: string, recipe: string, memory: AttemptMemory, covers: HistoryPosition): Promise<void> {
  const state: AttemptState = { schema: STATE_SCHEMA, recipe, covers, red: memory.red, last: memory.last };
  await writeJsonAtomic(attemptStatePath(stateDir, recipe), state);
  // Temp files of a state write a crash interrupted: nothing reads them.
  const dir = recipeStateDir(stateDir, recipe);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith('.attempts.state.json.') && name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
  }
}

// ------------------------------------------------------------------ the memory

function inodeOf(file: string): { ino: number; size: number } | null {
  // (No exception for a missing file: making one costs five times the stat.)
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? { ino: stats.ino, size: stats.size } : null;
}

function archivedCount(stateDir: string, recipe: string, from = 0): number {
  let n = from;
  while (existsSync(archivedAttemptsPath(stateDir, recipe, n + 1))) n += 1;
  return n;
}

/** Folds segments [file, from] in order onto `memory`. */
async function foldSegments(
  memory: AttemptMemory,
  segments: readonly (readonly [string, number])[],
): Promise<{ memory: AttemptMemory; lines: number; badLines: number; lastEnd: number }> {
  let lines = 0;
  let badLines = 0;
  let lastEnd = 0;
  let folded = memory;
  for (const [file, from] of segments) {
    const read = readLinesFrom(file, from);
    lastEnd = read?.end ?? 0;
    if (!read) continue;
    const parsed = await parseLines(read.lines);
    folded = rememberAll(folded, parsed.attempts);
    lines += parsed.attempts.length + parsed.badLines;
    badLines += parsed.badLines;
  }
  return { memory: folded, lines, badLines, lastEnd };
}

async function rebuild(stateDir: string, recipe: string): Promise<MemoryRead> {
  const archived = archivedCount(stateDir, recipe);
  const segments: [string, number][] = [];
  for (let n = 1; n <= archived; n += 1) segments.push([archivedAttemptsPath(stateDir, recipe, n), 0]);
  const current = attemptsPath(stateDir, recipe);
  const before = inodeOf(current);
  segments.push([current, 0]);
  const folded = await foldSegments(NO_MEMORY, segments);
  return {
    memory: folded.memory,
    position: { archived, bytes: before ? folded.lastEnd : 0, ino: before?.ino ?? null },
    tailLines: folded.lines,
    badLines: folded.badLines,
    rebuilt: true,
  };
}

interface Tail {
  state: AttemptState;
  /** The files and offsets to fold after the state, oldest first. */
  segments: [string, number][];
  archived: number;
  current: string;
  currentIno: number | null;
}

/** Where the lines after the state are, or null when the state does not fit the files (fold the whole history). */
function locateTail(stateDir: string, recipe: string): Tail | null {
  const state = readState(stateDir, recipe);
  if (!state) return null;
  const { archived, bytes, ino } = state.covers;
  const current = attemptsPath(stateDir, recipe);
  const file = inodeOf(current);
  // The very file the state speaks of, grown or not: no rotation since (a rotation
  // renames it away and starts another, which cannot have its inode while it is linked).
  // Any night but a rotation's, so the archive's name need not be looked up.
  if (file && ino !== null && file.ino === ino && file.size >= bytes) {
    const segments: [string, number][] = file.size > bytes ? [[current, bytes]] : [];
    return { state, segments, archived, current, currentIno: file.ino };
  }
  const segments: [string, number][] = [];
  let nowArchived = archived;
  // Was the file the state speaks of renamed to attempts.<archived+1>.jsonl since?
  const rotated = inodeOf(archivedAttemptsPath(stateDir, recipe, archived + 1));
  if (rotated) {
    if ((ino !== null && rotated.ino !== ino) || (ino === null && bytes > 0) || rotated.size < bytes) return null;
    segments.push([archivedAttemptsPath(stateDir, recipe, archived + 1), bytes]);
    nowArchived = archivedCount(stateDir, recipe, archived + 1);
    for (let n = archived + 2; n <= nowArchived; n += 1) segments.push([archivedAttemptsPath(stateDir, recipe, n), 0]);
  }
  if (!rotated) {
    if (file === null ? bytes > 0 : (ino !== null && file.ino !== ino) || (ino === null && bytes > 0) || file.size < bytes) return null;
    if (file && file.size > bytes) segments.push([current, bytes]);
  } else if (file) segments.push([current, 0]);
  return { state, segments, archived: nowArchived, current, currentIno: file?.ino ?? (rotated ? null : ino) };
}

/**
 * What the history says (red runs, last attempt) and where it was read up to. Reads the
 * state and the lines after it: a stat and a small read on any night. Never writes.
 */
export async function readAttemptMemory(stateDir: string, recipe: string): Promise<MemoryRead> {
  const tail = locateTail(stateDir, recipe);
  if (!tail) return rebuild(stateDir, recipe);
  const { state, segments } = tail;
  const memory: AttemptMemory = { red: state.red, last: state.last };
  if (segments.length === 0) {
    return { memory, position: { ...state.covers, ino: tail.currentIno }, tailLines: 0, badLines: 0, rebuilt: false };
  }
  const folded = await foldSegments(memory, segments);
  const endsInCurrent = segments.at(-1)?.[0] === tail.current;
  return {
    memory: folded.memory,
    position: {
      archived: tail.archived,
      bytes: endsInCurrent ? folded.lastEnd : 0,
      ino: endsInCurrent ? tail.currentIno : null,
    },
    tailLines: folded.lines,
    badLines: folded.badLines,
    rebuilt: false,
  };
}

/** The newest attempt (what `ccci status` shows): the state's, or the newest whole line after it. */
export async function readLastAttempt(stateDir: string, recipe: string): Promise<Attempt | null> {
  const tail = locateTail(stateDir, recipe);
  if (!tail) return (await rebuild(stateDir, recipe)).memory.last;
  for (const [file, from] of [...tail.segments].reverse()) {
    const lines = readLinesFrom(file, from)?.lines ?? [];
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const parsed = await parseLines([lines[i] as string]);
      if (parsed.attempts[0]) return parsed.attempts[0];
    }
  }
  return tail.state.last;
}

// ------------------------------------------------------------------ writing

async function validAttempt(attempt: Attempt): Promise<Attempt> {
  const plain = checkAttempt(attempt);
  if (plain) return plain;
  const { attemptSchema } = await import('./attempt-schema.js');
  return attemptSchema.parse(attempt);
}

/**
 * Appends one line (starting a new line first if a crash left the last one unfinished);
 * returns the file's inode and new size. Not fsynced: the caller does that (fsyncFile)
 * when the line must be durable, off the main thread.
 */
function appendLine(file: string, line: string): { ino: number; before: number; after: number } {
  let fd: number;
  try {
    fd = openSync(file, 'a+', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // The recipe's first attempt: its directory is made only then.
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(file, 'a+', 0o644);
  }
  try {
    const { size, ino } = fstatSync(fd);
    let text = `${line.replace(/\n/g, ' ')}\n`;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) text = `\n${text}`;
    }
    const data = Buffer.from(text);
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    return { ino, before: size, after: size + data.length };
  } finally {
    closeSync(fd);
  }
}

/**
 * The sweep's record of one attempt: appends it to the history and keeps the state up
 * to date as the header says. `known`: this recipe's memory as read earlier in the same
 * sweep (saves reading it again; ignored if the history moved since). Returns the memory
 * after the attempt. `rotateBytes`: ROTATE_BYTES unless a test wants rotations sooner.
 */
export async function recordAttempt(
  stateDir: string,
  attempt: Attempt,
  known?: MemoryRead,
  { rotateBytes = ROTATE_BYTES }: { rotateBytes?: number } = {},
): Promise<MemoryRead> {
  const valid = await validAttempt(attempt);
  const recipe = valid.recipe;
  recipeStateDir(stateDir, recipe);
  const durable = valid.outcome !== 'skipped';
  const read = known ?? (await readAttemptMemory(stateDir, recipe));
  const file = attemptsPath(stateDir, recipe);
  const compact = read.rebuilt || read.tailLines + 1 >= compactAfter(recipe);
  const appended = appendLine(file, JSON.stringify(valid));
  // (An fsync waits for the disk: on the thread pool, the sweep goes on meanwhile. The
  // fsync of another descriptor of the file makes the same data durable.)
  if (durable || compact) await fsyncFile(file);
  const current = read.position;
  const untouched =
    current.archived === archivedCount(stateDir, recipe, current.archived) &&
    current.bytes === appended.before &&
    (current.ino === appended.ino || (current.ino === null && current.bytes === 0));
  let after: MemoryRead;
  if (untouched) {
    after = {
      memory: rememberAll(read.memory, [valid]),
      position: { archived: current.archived, bytes: appended.after, ino: appended.ino },
      tailLines: read.tailLines + 1,
      badLines: read.badLines,
      rebuilt: read.rebuilt,
    };
  } else {
    // Someone else wrote the history since `known` was read: read it again (our line included).
    if (!durable && !compact) await fsyncFile(file);
    after = await readAttemptMemory(stateDir, recipe);
  }
  if (durable || compact || !untouched) {
    await writeState(stateDir, recipe, after.memory, after.position);
    after = { ...after, tailLines: 0, rebuilt: false };
  }
  if (after.position.bytes >= rotateBytes) after = await rotate(stateDir, recipe, after);
  return after;
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Renames the history to the next attempts.<n>.jsonl and starts a new one. A crash after
 * the rename and before the new state is read as "the state's file was rotated": the
 * reader follows it and loses nothing.
 */
async function rotate(stateDir: string, recipe: string, read: MemoryRead): Promise<MemoryRead> {
  const next = read.position.archived + 1;
  // The state written below covers every line of it: they must be on disk first.
  await fsyncFile(attemptsPath(stateDir, recipe));
  await rename(attemptsPath(stateDir, recipe), archivedAttemptsPath(stateDir, recipe, next));
  await fsyncDirectory(recipeStateDir(stateDir, recipe));
  const position: HistoryPosition = { archived: next, bytes: 0, ino: null };
  await writeState(stateDir, recipe, read.memory, position);
  return { ...read, position, tailLines: 0 };
}

/** Appends one attempt durably, and nothing else (the state catches up when next read). */
export async function appendAttempt(stateDir: string, attempt: Attempt): Promise<void> {
  const valid = await validAttempt(attempt);
  const file = attemptsPath(stateDir, valid.recipe);
  appendLine(file, JSON.stringify(valid));
  await fsyncFile(file);
}

/** The whole history, every segment, oldest first: every well-formed line; a torn or edited line is counted, not fatal. */
export async function readAttempts(stateDir: string, recipe: string): Promise<{ attempts: Attempt[]; badLines: number }> {
  const archived = await readArchivedAttempts(stateDir, recipe, archivedCount(stateDir, recipe));
  const current = await readWholeFile(attemptsPath(stateDir, recipe));
  return { attempts: [...archived.attempts, ...current.attempts], badLines: archived.badLines + current.badLines };
}

/** Where attempts.jsonl stands now: how many segments were archived before it, its inode and size (ino null: none yet). */
export function currentHistoryFile(stateDir: string, recipe: string): { archived: number; ino: number | null; size: number } {
  const archived = archivedCount(stateDir, recipe);
  const file = inodeOf(attemptsPath(stateDir, recipe));
  return { archived, ino: file?.ino ?? null, size: file?.size ?? 0 };
}

export interface HistoryLine {
  /** The line's attempt; null when it is not one (torn by a crash, edited by hand). */
  attempt: Attempt | null;
  /** The line as written (without its newline). */
  text: string;
  /** The byte after its newline. */
  end: number;
}

/**
 * The whole lines of attempts.jsonl from byte `from` (blank ones left out), each parsed
 * and with the byte it ends at, for a reader that keeps its own fold of the lines before
 * (the dashboard). A last line without its newline is being written: not read yet. Null
 * when the file is no longer inode `ino` (rotated, replaced) or is shorter than `from`:
 * the reader's fold does not fit it.
 */
export async function readHistoryLines(stateDir: string, recipe: string, from: number, ino: number | null): Promise<HistoryLine[] | null> {
  let fd: number;
  try {
    fd = openSync(attemptsPath(stateDir, recipe), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ino === null && from === 0 ? [] : null;
    throw error;
  }
  let buffer: Buffer;
  try {
    const stats = fstatSync(fd);
    if (stats.ino !== ino || stats.size < from) return null;
    buffer = Buffer.allocUnsafe(stats.size - from);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    buffer = buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
  const lines: HistoryLine[] = [];
  let start = 0;
  for (let newline = buffer.indexOf(0x0a); newline >= 0; newline = buffer.indexOf(0x0a, start)) {
    const text = buffer.toString('utf8', start, newline);
    const attempt = await parseLine(text);
    start = newline + 1;
    if (attempt !== undefined) lines.push({ attempt, text, end: from + start });
  }
  return lines;
}

/** The attempts of the archived segments 1..`archived`, oldest first (what readAttempts reads before attempts.jsonl). */
export async function readArchivedAttempts(stateDir: string, recipe: string, archived: number): Promise<{ attempts: Attempt[]; badLines: number }> {
  const attempts: Attempt[] = [];
  let badLines = 0;
  for (let segment = 1; segment <= archived; segment += 1) {
    const parsed = await readWholeFile(archivedAttemptsPath(stateDir, recipe, segment));
    attempts.push(...parsed.attempts);
    badLines += parsed.badLines;
  }
  return { attempts, badLines };
}

/** Every line of one history file as attempts; a missing file has none. */
async function readWholeFile(file: string): Promise<{ attempts: Attempt[]; badLines: number }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { attempts: [], badLines: 0 };
    throw error;
  }
  // Unlike the memory's reader, this counts a last line without its newline (torn) as bad.
  return parseLines(text.split('\n'));
}

/** The outcome of a run that a signal stopped: never a verdict on the tag (its verdict is null). */
export const INTERRUPTED = 'interrupted';

/** Runs that were red, as the decision wants them: tag and commit. Interrupted runs are not red. */
export function redRuns(attempts: readonly Attempt[]): RedRun[] {
  return rememberAll(NO_MEMORY, attempts).red;
}
