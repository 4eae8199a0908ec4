// An exclusive lock as a file holding its owner. A lock whose owner process is gone
// (a killed sweep) is taken over, so it never blocks forever.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  purpose: string;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

export type LockAttempt = { acquired: true; lock: HeldLock } | { acquired: false; heldBy: LockOwner | null };

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function isStale(owner: LockOwner | null): boolean {
  // An unreadable lock file is a crash between create and write: stale.
  if (!owner || typeof owner.pid !== 'number') return true;
  return owner.host === hostname() && !processAlive(owner.pid);
}

export async function tryAcquireLock(file: string, purpose: string): Promise<LockAttempt> {
  await mkdir(path.dirname(file), { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), purpose };
  // Write the owner to a private temp file, then link it into place: link fails if the
  // lock exists, so the lock file is never seen half-written.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, JSON.stringify(owner), { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await link(temp, file);
        return {
          acquired: true,
          lock: { path: file, owner, release: async () => releaseIfOurs(file, owner) },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readOwner(file);
      if (!isStale(holder)) return { acquired: false, heldBy: holder };
      // Re-read right before removing so a lock taken meanwhile by someone else survives.
      const again = await readOwner(file);
      if (JSON.stringify(again) === JSON.stringify(holder)) await rm(file, { force: true });
    }
    return { acquired: false, heldBy: await readOwner(file) };
  } finally {
    await rm(temp, { force: true });
  }
}

async function releaseIfOurs(file: string, owner: LockOwner): Promise<void> {
  const holder = await readOwner(file);
  if (holder && holder.pid === owner.pid && holder.startedAt === owner.startedAt) await rm(file, { force: true });
}

export function describeOwner(owner: LockOwner | null): string {
  if (!owner) return 'an unknown process';
  return `pid ${owner.pid} on ${owner.host} (${owner.purpose}, since ${owner.startedAt})`;
}
