// Writing a dashboard directory so that a reader (nginx, a browser) only ever sees a
// whole dashboard, the old one or the new one. The directory is stable (nginx can
// bind-mount it); inside it, each build is a directory of its own and `current` is a
// symbolic link to the live one, replaced by a rename:
//
//   <dir>/.ccci-dashboard        marks the directory as ours: we never write into another
//   <dir>/.builds/<id>/          one build: index.html, style.css, recipes/, badges/, runs/
//   <dir>/current -> .builds/<id>
//   <dir>/index.html -> current/index.html, and so on for each top-level entry
//
// A build is written in full and fsynced before `current` moves to it; a failure before
// that removes the partial build and leaves the live one as it was. The files are made
// world-readable on purpose (the web server reads them); what goes in has been redacted.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, readlink, rename, rm, stat as statFollowing, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory } from '../effects/atomic-file.js';
import { describeOwner, tryAcquireLock } from '../effects/lock-file.js';

export const MARKER = '.ccci-dashboard';
export const BUILDS = '.builds';
export const CURRENT = 'current';
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
/** Files written (and fsynced) at once. */
const WRITE_CONCURRENCY = 16;

export class DashboardDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardDirectoryError';
  }
}

/** Another process is writing the same dashboard directory right now. */
export class DashboardBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardBusyError';
  }
}

async function statOrNull(target: string) {
  try {
    return await lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Creates the directory, or checks that an existing one is ours (or empty). */
async function claim(dir: string): Promise<void> {
  // The directory itself may be reached through a link (stat, not lstat).
  const stat = await statFollowing(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (stat === null) {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } else if (!stat.isDirectory()) {
    throw new DashboardDirectoryError(`${dir}: not a directory`);
  } else if ((await statOrNull(path.join(dir, MARKER))) === null) {
    const entries = await readdir(dir);
    if (entries.length > 0) {
      throw new DashboardDirectoryError(
        `${dir}: holds files that are not a ccci dashboard (no ${MARKER}); refusing to write there`,
      );
    }
  }
  await chmod(dir, DIR_MODE);
  const marker = await open(path.join(dir, MARKER), 'a', FILE_MODE);
  await marker.close();
}

async function writeOne(file: string, content: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'wx', FILE_MODE);
  try {
    await handle.writeFile(content);
    // Explicit: the sweep's units run with UMask=0077, and the web server must read this.
    await handle.chmod(FILE_MODE);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Whether a relative path stays inside its directory (no absolute path, no ..). */
function isInside(relative: string): boolean {
  const normal = path.posix.normalize(relative);
  return relative !== '' && !path.posix.isAbsolute(relative) && normal === relative && !normal.startsWith('../') && normal !== '..';
}

async function writeBuild(
  buildDir: string,
  files: ReadonlyMap<string, string | Uint8Array>,
  emptyDirs: readonly string[],
): Promise<void> {
  const dirs = new Set<string>(['.', ...emptyDirs]);
  for (const name of files.keys()) {
    if (!isInside(name)) throw new Error(`internal: dashboard file name ${JSON.stringify(name)} leaves the directory`);
    for (let d = path.posix.dirname(name); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  }
  const sortedDirs = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const d of sortedDirs) {
    const full = path.join(buildDir, d);
    await mkdir(full, { recursive: true, mode: DIR_MODE });
    await chmod(full, DIR_MODE);
  }
  await pool([...files], WRITE_CONCURRENCY, ([name, content]) => writeOne(path.join(buildDir, name), content));
  // Deepest first, so each directory's entries are durable before its parent's.
  for (const d of [...sortedDirs].reverse()) await fsyncDirectory(path.join(buildDir, d));
}

/** Points `link` at `target`, atomically (a new link renamed over the old one). */
async function replaceLink(dir: string, name: string, target: string): Promise<void> {
  const linkPath = path.join(dir, name);
  const existing = await statOrNull(linkPath);
  if (existing?.isSymbolicLink() && (await readlink(linkPath)) === target) return;
  if (existing && !existing.isSymbolicLink()) {
    // Only in our own directory (claimed): an entry left by hand where a link belongs.
    await rm(linkPath, { recursive: true, force: true });
  }
  const temp = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  await symlink(target, temp);
  try {
    await rename(temp, linkPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export interface PublishResult {
  dir: string;
  build: string;
  files: number;
  bytes: number;
}

export interface Layout {
  /** The entries at the top of every build: `dir` gets a stable link to each. */
  topLevel: readonly string[];
  /** Directories every build has, even empty (so that no stable link dangles). */
  directories: readonly string[];
}

/** Makes `files` the live content of `dir` in one step. */
export async function publishDirectory(
  dir: string,
  files: ReadonlyMap<string, string | Uint8Array>,
  layout: Layout,
  now: Date = new Date(),
): Promise<PublishResult> {
  const target = path.resolve(dir);
  await claim(target);
  const attempt = await tryAcquireLock(path.join(target, '.lock'), 'ccci dashboard');
  if (!attempt.acquired) {
    throw new DashboardBusyError(`${target}: another ccci is writing this dashboard (${describeOwner(attempt.heldBy)})`);
  }
  try {
    await mkdir(path.join(target, BUILDS), { recursive: true, mode: DIR_MODE });
    await chmod(path.join(target, BUILDS), DIR_MODE);
    const id = `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    const buildDir = path.join(target, BUILDS, id);
    try {
      await writeBuild(buildDir, files, layout.directories);
      await fsyncDirectory(path.join(target, BUILDS));
      await replaceLink(target, CURRENT, path.join(BUILDS, id));
      for (const name of layout.topLevel) await replaceLink(target, name, path.join(CURRENT, name));
      await fsyncDirectory(target);
    } catch (error) {
      await rm(buildDir, { recursive: true, force: true });
      throw error;
    }
    // The old builds: nothing points at them any more (a reader holding an open file keeps it).
    for (const entry of await readdir(path.join(target, BUILDS))) {
      if (entry !== id) await rm(path.join(target, BUILDS, entry), { recursive: true, force: true });
    }
    let bytes = 0;
    for (const content of files.values()) bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    return { dir: target, build: id, files: files.size, bytes };
  } finally {
    await attempt.lock.release();
  }
}
