// An exclusive lock as a file holding its owner. A lock whose owner is gone (a killed
// sweep, a reboot) is taken over, so it never blocks forever; the taker is told whose it
// was (tookOver), to report it. A lock whose owner is alive is never taken over. "Gone"
// is decided from what the owner recorded: the boot it ran in
// (/proc/sys/kernel/random/boot_id) and its process start time (field 22 of
// /proc/<pid>/stat): a pid alive in another boot, or alive with another start time, is
// some other process that got the pid.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OperationError } from '../config/errors.js';
import { tempPathFor } from './atomic-file.js';
import { failpoint } from './failpoint.js';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  purpose: string;
  /** The boot the holder ran in; absent in locks of older runners, null where /proc has none. */
  bootId?: string | null | undefined;
  /** The holder's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  processStart?: string | null | undefined;
  /** The recipe CI run a domain lock is held for (what a clean-up after a crash tears down). */
  runId?: string | null | undefined;
}

/**
 * The owner a lock file's JSON names, or null. Checked by hand, not with a schema: every
 * sweep reads its lock, and a night with nothing new does not load zod. Unknown keys are
 * dropped (a newer runner's lock stays readable).
 */
export function lockOwnerOf(raw: unknown): LockOwner | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.pid !== 'number' || !Number.isSafeInteger(r.pid) || r.pid <= 0) return null;
  if (typeof r.host !== 'string' || typeof r.startedAt !== 'string' || typeof r.purpose !== 'string') return null;
  const owner: LockOwner = { pid: r.pid, host: r.host, startedAt: r.startedAt, purpose: r.purpose };
  for (const key of ['bootId', 'processStart', 'runId'] as const) {
    const value = r[key];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') return null;
    owner[key] = value;
  }
  return owner;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

/** A stale lock removed to take its place: whom it named (null: no owner could be read) and why it was stale. */
export interface TakenOver {
  owner: LockOwner | null;
  reason: string;
}

export type LockAttempt =
  | { acquired: true; lock: HeldLock; tookOver: TakenOver | null }
  | { acquired: false; heldBy: LockOwner | null };

/** What a lock needs to know about processes: a seam, so tests can play a reboot or a reused pid. */
export interface ProcessProbe {
  /** This boot's id, or null when the system has none. */
  bootId(): string | null;
  /** Whether a process with this pid exists (whoever it is). */
  alive(pid: number): boolean;
  /** The start time of process `pid` (clock ticks since boot), or null when unknown. */
  startTime(pid: number): string | null;
}

function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Field 22 (starttime) of a /proc/<pid>/stat line; field 2 is "(comm)" and comm may hold spaces and ')'. */
export function startTimeOfStat(stat: string): string | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // Fields from 3 (state) on, space separated: starttime is field 22, the 20th of these.
  const value = stat.slice(close + 2).split(' ')[19];
  return value !== undefined && /^\d+$/.test(value) ? value : null;
}

export const linuxProcesses: ProcessProbe = {
  bootId: () => readProc('/proc/sys/kernel/random/boot_id')?.trim() || null,
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startTime(pid) {
    const stat = readProc(`/proc/${pid}/stat`);
    return stat === null ? null : startTimeOfStat(stat);
  },
};

let processes: ProcessProbe = linuxProcesses;
/** Test seam: another view of the processes (null: the real one). */
export function setProcessProbe(probe: ProcessProbe | null): void {
  processes = probe ?? linuxProcesses;
}

/** Whether process `pid` exists (through the seam, so tests see what the locks see). */
export function processAlive(pid: number): boolean {
  return processes.alive(pid);
}

/** The owner a lock file names, or null when there is no such file or it names none. Reads only. */
export async function readLockOwner(file: string): Promise<LockOwner | null> {
  return readOwner(file);
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    return lockOwnerOf(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

/** Why the owner no longer holds the lock, or null while it does. */
export function staleReason(owner: LockOwner | null): string | null {
  // An unreadable lock file is not a lock anyone can hold (older runners wrote it in two steps).
  if (!owner) return 'the lock file does not name an owner';
  // Another machine's processes cannot be asked about: its lock stands.
  if (owner.host !== hostname()) return null;
  const boot = processes.bootId();
  if (owner.bootId && boot && owner.bootId !== boot) return `pid ${owner.pid} ran before a reboot (boot ${owner.bootId})`;
  if (!processes.alive(owner.pid)) return `pid ${owner.pid} is gone`;
  if (owner.processStart) {
    const start = processes.startTime(owner.pid);
    if (start !== null && start !== owner.processStart) return `pid ${owner.pid} is now another process`;
  }
  return null;
}

/** The owner of a lock that is held now, or null when it is free or its holder is gone. Reads only. */
export async function liveHolder(file: string): Promise<LockOwner | null> {
  const owner = await readOwner(file);
  return owner !== null && staleReason(owner) === null ? owner : null;
}

function ownerNow(purpose: string, runId: string | null): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    purpose,
    bootId: processes.bootId(),
    processStart: processes.startTime(process.pid),
    ...(runId ? { runId } : {}),
  };
}

export async function tryAcquireLock(file: string, purpose: string, options: { runId?: string } = {}): Promise<LockAttempt> {
  const subject = path.basename(file);
  const owner = ownerNow(purpose, options.runId ?? null);
  // Write the owner to a private temp file, then link it into place: link fails if the
  // lock exists, so the lock file is never seen half-written.
  const temp = tempPathFor(file);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, JSON.stringify(owner), { mode: 0o644, flag: 'wx' });
    failpoint('lock:temp-written', subject);
    let tookOver: TakenOver | null = null;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await link(temp, file);
        failpoint('lock:linked', subject);
        return {
          acquired: true,
          lock: { path: file, owner, release: async () => releaseIfOurs(file, owner) },
          tookOver,
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readOwner(file);
      // A holder that is alive (on this machine, or any on another) keeps its lock: never taken over.
      const reason = staleReason(holder);
      if (reason === null) return { acquired: false, heldBy: holder };
      // Re-read right before removing so a lock taken meanwhile by someone else survives.
      const again = await readOwner(file);
      if (JSON.stringify(again) === JSON.stringify(holder)) {
        await rm(file, { force: true });
        // Whoever takes a stale lock says so (describeTakeover): the holder died holding it.
        tookOver = { owner: holder, reason };
      }
    }
    return { acquired: false, heldBy: await readOwner(file) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    // A full disk or a read-only state directory: say which lock and why, in one line.
    throw new OperationError(`cannot take the lock ${file}: ${(error as Error).message}`);
  } finally {
    await rm(temp, { force: true });
  }
}

async function releaseIfOurs(file: string, owner: LockOwner): Promise<void> {
  const holder = await readOwner(file);
  if (holder && holder.pid === owner.pid && holder.startedAt === owner.startedAt) await rm(file, { force: true });
}

/**
 * The lock `file` when it is there and its holder is gone: what taking it would take over.
 * Null when there is none or it is held. Reads only (a dry run's look).
 */
export async function staleLock(file: string): Promise<TakenOver | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  let owner: LockOwner | null;
  try {
    owner = lockOwnerOf(JSON.parse(text));
  } catch {
    owner = null;
  }
  const reason = staleReason(owner);
  return reason === null ? null : { owner, reason };
}

/** One line for the log and the report: which lock was taken over, whose it was, since when and why it was stale. */
export function describeTakeover(file: string, takenOver: TakenOver, tense: 'took' | 'would take' = 'took'): string {
  const { owner, reason } = takenOver;
  const whose = owner ? ` of pid ${owner.pid} on ${owner.host} (${owner.purpose}), taken at ${owner.startedAt}` : '';
  return `${tense} over the stale lock ${file}${whose}: ${reason}`;
}

export function describeOwner(owner: LockOwner | null): string {
  if (!owner) return 'an unknown process';
  return `pid ${owner.pid} on ${owner.host} (${owner.purpose}, since ${owner.startedAt})`;
}
