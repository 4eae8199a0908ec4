// Writing a dashboard directory so that a reader (nginx, a browser) only ever sees
// whole pages of one dashboard, the old one or the new one. The directory is stable
// (nginx bind-mounts it); the pages of each build are a directory of their own and
// `current` is a symbolic link to the live one, replaced by a rename:
//
//   <dir>/.ccci-dashboard        marks the directory as ours: we never write into another
//   <dir>/.builds/<id>/          one build's pages: index.html, style.css, recipes/ ...
//   <dir>/.builds/<id>.json      its manifest: sha256 and size of every file
//   <dir>/current -> .builds/<id>
//   <dir>/index.html -> current/index.html, and so on for each entry of a build
//   <dir>/badges/, <dir>/runs/   shared by all builds, replaced file by file
//
// A build is written in full and fsynced before `current` moves to it; a failure before
// that removes the partial build and leaves the live one as it was. A page equal to the
// live one is hard-linked from it, not written. The shared files stand alone (a badge,
// the copy of a finished run's log): each is replaced atomically (temp, fsync, rename)
// before the pages that name it go live, and only when it changed, and removed once no
// live page names it. The files are made world-readable on purpose (the web server
// reads them); what goes in has been redacted.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsync, linkSync, lstatSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat as statFollowing, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory } from '../effects/atomic-file.js';
import { describeOwner, tryAcquireLock } from '../effects/lock-file.js';

export const MARKER = '.ccci-dashboard';
export const BUILDS = '.builds';
export const CURRENT = 'current';
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
/** Files fsynced at once (libuv runs four at a time; the rest wait their turn). */
const SYNC_CONCURRENCY = 16;

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

const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

function lstatOrNull(target: string) {
  try {
    return lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Files created now and made durable together. Each is created (never replacing one),
 * written and made world-readable whatever the umask with synchronous calls, and all are
 * fsynced only once all are written: on ext4 every fsync forces a journal commit, and a
 * file created while a commit is under way waits for it, so writing and fsyncing each
 * file in turn had a first dashboard (a thousand files) wait for a thousand commits.
 */
class NewFiles {
  readonly paths: string[] = [];

  create(file: string, content: string | Uint8Array): void {
    const fd = openSync(file, 'wx', FILE_MODE);
    this.paths.push(file);
    try {
      writeFileSync(fd, content);
      // Explicit: the sweep's units run with UMask=0077, and the web server must read this.
      fchmodSync(fd, FILE_MODE);
    } finally {
      closeSync(fd);
    }
  }

  /** Every file created so far is on disk when this resolves. */
  async sync(): Promise<void> {
    await pool(this.paths, SYNC_CONCURRENCY, async (file) => {
      const fd = openSync(file, 'r');
      try {
        await fsyncFd(fd);
      } finally {
        closeSync(fd);
      }
    });
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

async function ensureDir(dir: string): Promise<void> {
  const existing = await statOrNull(dir);
  // A link where a directory belongs (an older layout): the directory replaces it.
  if (existing && !existing.isDirectory()) await rm(dir, { force: true });
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
}

/** Whether a relative path stays inside its directory (no absolute path, no ..). */
function isInside(relative: string): boolean {
  const normal = path.posix.normalize(relative);
  return relative !== '' && !path.posix.isAbsolute(relative) && normal === relative && !normal.startsWith('../') && normal !== '..';
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

/** Where a build's manifest is: .builds/<id>.json, beside the build (not served). */
function manifestPath(buildDir: string): string {
  return `${buildDir}.json`;
}

/** A file the caller knows to be unchanged since the live build: linked or kept, or made by `produce` when that build lacks it. */
export interface Unchanged {
  produce: () => Promise<string | Uint8Array>;
}
export type Content = string | Uint8Array | Unchanged;

function isUnchanged(content: Content): content is Unchanged {
  return typeof content === 'object' && !(content instanceof Uint8Array);
}

function digest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

interface Entry {
  sha256: string;
  size: number;
}

async function previousBuild(target: string): Promise<{ dir: string; files: Map<string, Entry> } | null> {
  try {
    const dir = path.join(target, await readlink(path.join(target, CURRENT)));
    const parsed = JSON.parse(await readFile(manifestPath(dir), 'utf8')) as { files?: Record<string, unknown> };
    const files = new Map<string, Entry>();
    for (const [name, entry] of Object.entries(parsed.files ?? {})) {
      const e = entry as Partial<Entry> | null;
      if (typeof e?.sha256 === 'string' && typeof e.size === 'number' && isInside(name)) files.set(name, { sha256: e.sha256, size: e.size });
    }
    return { dir, files };
  } catch {
    return null;
  }
}

export interface Layout {
  /** The entries of each build: `dir` gets a stable link `<name> -> current/<name>` to each. */
  built: readonly string[];
  /** Directories outside the builds (always present), their files replaced one by one. */
  shared: readonly string[];
}

export interface PublishResult {
  dir: string;
  build: string;
  files: number;
  bytes: number;
  /** Files equal to the live dashboard's, linked or kept rather than written. */
  unchanged: number;
}

/** Makes `files` the live content of `dir`: the pages in one step, the shared files each alone. */
export async function publishDirectory(
  dir: string,
  files: ReadonlyMap<string, Content>,
  layout: Layout,
  now: Date = new Date(),
): Promise<PublishResult> {
  const target = path.resolve(dir);
  const topOf = (name: string) => name.split('/')[0] as string;
  for (const name of files.keys()) {
    const top = topOf(name);
    const known = layout.built.includes(top) || (layout.shared.includes(top) && name.includes('/'));
    if (!isInside(name) || !known) throw new Error(`internal: dashboard file name ${JSON.stringify(name)} leaves the directory or its layout`);
  }
  await claim(target);
  const attempt = await tryAcquireLock(path.join(target, '.lock'), 'ccci dashboard');
  if (!attempt.acquired) {
    throw new DashboardBusyError(`${target}: another ccci is writing this dashboard (${describeOwner(attempt.heldBy)})`);
  }
  try {
    await ensureDir(path.join(target, BUILDS));
    const previous = await previousBuild(target);
    const id = `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    const buildDir = path.join(target, BUILDS, id);
    const manifest: Record<string, Entry> = {};
    let unchanged = 0;
    let bytes = 0;
    const keep = (name: string, entry: Entry) => {
      manifest[name] = entry;
      bytes += entry.size;
      unchanged += 1;
    };
    const contentOf = async (given: Content) => {
      const content = isUnchanged(given) ? await given.produce() : given;
      return { content, entry: { sha256: digest(content), size: typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength } };
    };
    const shared = [...files].filter(([name]) => layout.shared.includes(topOf(name)));
    const built = [...files].filter(([name]) => !layout.shared.includes(topOf(name)));

    // The shared files first: a page never goes live before what it names.
    const sharedDirs = new Set(layout.shared);
    for (const [name] of shared) sharedDirs.add(path.posix.dirname(name));
    for (const d of [...sharedDirs].sort()) await ensureDir(path.join(target, d));
    // Each changed one as a temp file beside it, all fsynced, then each renamed over its file.
    const temps = new NewFiles();
    const renames: [string, string][] = [];
    try {
      for (const [name, given] of shared) {
        const file = path.join(target, name);
        const before = previous?.files.get(name);
        const present = before !== undefined && lstatOrNull(file)?.isFile() === true;
        if (isUnchanged(given) && present) {
          keep(name, before);
          continue;
        }
        const { content, entry } = await contentOf(given);
        if (present && before.sha256 === entry.sha256) {
          keep(name, entry);
          continue;
        }
        const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
        temps.create(temp, content);
        renames.push([temp, file]);
        manifest[name] = entry;
        bytes += entry.size;
      }
      await temps.sync();
      for (const [temp, file] of renames) renameSync(temp, file);
    } catch (error) {
      for (const temp of temps.paths) await rm(temp, { force: true });
      throw error;
    }
    for (const d of sharedDirs) await fsyncDirectory(path.join(target, d));

    try {
      const dirs = new Set<string>(['.', ...layout.built.filter((name) => !name.includes('.'))]);
      for (const [name] of built) for (let d = path.posix.dirname(name); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
      const sortedDirs = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
      for (const d of sortedDirs) {
        await mkdir(path.join(buildDir, d), { recursive: true, mode: DIR_MODE });
        await chmod(path.join(buildDir, d), DIR_MODE);
      }
      // A page equal to the live one is hard-linked from it (builds never change once written).
      const linkPrevious = (name: string, entry: Entry): boolean => {
        try {
          linkSync(path.join(previous?.dir as string, name), path.join(buildDir, name));
        } catch {
          return false; // gone from the live build: write it
        }
        keep(name, entry);
        return true;
      };
      const pages = new NewFiles();
      for (const [name, given] of built) {
        const before = previous?.files.get(name);
        if (isUnchanged(given) && before !== undefined && linkPrevious(name, before)) continue;
        const { content, entry } = await contentOf(given);
        if (before?.sha256 === entry.sha256 && linkPrevious(name, entry)) continue;
        pages.create(path.join(buildDir, name), content);
        manifest[name] = entry;
        bytes += entry.size;
      }
      pages.create(manifestPath(buildDir), `${JSON.stringify({ schema: 1, files: manifest })}\n`);
      await pages.sync();
      // Deepest first, so each directory's entries are durable before its parent's.
      for (const d of [...sortedDirs].reverse()) await fsyncDirectory(path.join(buildDir, d));
      await fsyncDirectory(path.join(target, BUILDS));
      await replaceLink(target, CURRENT, path.join(BUILDS, id));
      for (const name of layout.built) await replaceLink(target, name, path.join(CURRENT, name));
      await fsyncDirectory(target);
    } catch (error) {
      await rm(buildDir, { recursive: true, force: true });
      await rm(manifestPath(buildDir), { force: true });
      throw error;
    }

    // What no live page names any more: old builds, and shared files of runs no longer shown.
    for (const entry of await readdir(path.join(target, BUILDS))) {
      if (entry !== id && entry !== `${id}.json`) await rm(path.join(target, BUILDS, entry), { recursive: true, force: true });
    }
    for (const d of sharedDirs) {
      for (const entry of await readdir(path.join(target, d), { withFileTypes: true })) {
        const name = path.posix.join(d, entry.name);
        if (entry.isFile() && !files.has(name)) await rm(path.join(target, name), { force: true });
      }
    }
    return { dir: target, build: id, files: files.size, bytes, unchanged };
  } finally {
    await attempt.lock.release();
  }
}
