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
// A build is written in full and made durable (its file system synced, or each file
// fsynced when there are few) before `current` moves to it; a failure before
// that removes the partial build and leaves the live one as it was. A page equal to the
// live one is hard-linked from it, not written. The shared files stand alone (a badge,
// the copy of a finished run's log): each is replaced atomically (temp, fsync, rename)
// before the pages that name it go live, and only when it changed, and removed once no
// live page names it. The files are made world-readable on purpose (the web server
// reads them); what goes in has been redacted.
import * as crypto from 'node:crypto';
import { chmodSync, closeSync, fsync, linkSync, lstatSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat as statFollowing, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory, tempPathFor } from '../effects/atomic-file.js';
import { syncFileSystems } from '../effects/sync-fs.js';
import { describeOwner, tryAcquireLock } from '../effects/lock-file.js';
import { FileCreator } from './file-creator.js';
import { MARKER } from './marker.js';

export { MARKER };
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
 * Makes `files` (all written) durable. The files are fsynced only once all are created:
 * on a journalled ext4 every fsync forces a journal commit, and a file created while a
 * commit is under way waits for it, so writing and fsyncing each in turn had a first
 * dashboard (a thousand files) wait for a thousand commits.
 */
async function syncAll(files: readonly string[]): Promise<void> {
  await pool(files, SYNC_CONCURRENCY, async (file) => {
    const fd = openSync(file, 'r');
    try {
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * From this many new files on, a build is made durable by syncing its file system (one
 * disk flush) rather than each file and directory (a flush each); fewer are fsynced.
 */
export const SYNC_FS_FROM = 64;

/** Syncs the file systems holding `dirs`; false when that could not be done (the caller then fsyncs one by one). */
async function syncedWhole(dirs: readonly string[]): Promise<boolean> {
  try {
    await syncFileSystems(dirs);
    return true;
  } catch {
    return false;
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
  // The temp name of every atomic write (with this process's pid): one a crash leaves is
  // recognisable as dead and removed by the next sweep or gc (sweep/leftovers.ts).
  const temp = tempPathFor(linkPath);
  await symlink(target, temp);
  try {
    await rename(temp, linkPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Where build `id` of the dashboard at `target` is made. */
function buildPath(target: string, id: string): string {
  return path.join(target, BUILDS, id);
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

// The one-shot hash (node 20.12 and later) makes no Hash object: a first dashboard hashes
// a thousand pages, and the objects cost more than the hashing.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

function digest(content: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', content, 'hex') : crypto.createHash('sha256').update(content).digest('hex');
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
  for (const name of files.keys()) checkName(name, layout);
  const publication = await beginPublication(dir, layout, now);
  try {
    for (const [name, content] of files) publication.add(name, content);
  } catch (error) {
    await publication.abandon();
    throw error;
  }
  return publication.commit();
}

function topOf(name: string): string {
  return name.split('/')[0] as string;
}

function checkName(name: string, layout: Layout): void {
  const top = topOf(name);
  const known = layout.built.includes(top) || (layout.shared.includes(top) && name.includes('/'));
  if (!isInside(name) || !known) throw new Error(`internal: dashboard file name ${JSON.stringify(name)} leaves the directory or its layout`);
}

/**
 * Starts a new build of `dir` (claimed, locked): files are added as they are made, and
 * their creation starts at once, while the caller makes the next ones; `commit` makes
 * them live, `abandon` throws them away. Either one must be called: the lock is held
 * until then.
 */
export async function beginPublication(dir: string, layout: Layout, now: Date = new Date()): Promise<Publication> {
  const target = path.resolve(dir);
  await claim(target);
  const attempt = await tryAcquireLock(path.join(target, '.lock'), 'ccci dashboard');
  if (!attempt.acquired) {
    throw new DashboardBusyError(`${target}: another ccci is writing this dashboard (${describeOwner(attempt.heldBy)})`);
  }
  try {
    await ensureDir(path.join(target, BUILDS));
    for (const d of layout.shared) await ensureDir(path.join(target, d));
    const previous = await previousBuild(target);
    const id = `${now.toISOString().replace(/[-:.]/g, '')}-${crypto.randomBytes(3).toString('hex')}`;
    const buildDir = buildPath(target, id);
    await mkdir(buildDir, { mode: DIR_MODE });
    await chmod(buildDir, DIR_MODE);
    return new Publication(target, layout, id, previous, () => attempt.lock.release());
  } catch (error) {
    await attempt.lock.release();
    throw error;
  }
}

export class Publication {
  readonly buildDir: string;
  private readonly manifest: Record<string, Entry> = {};
  private readonly names = new Set<string>();
  private readonly creator = new FileCreator(FILE_MODE);
  /** Shared files: their temp file, renamed over them once all are durable. */
  private readonly renames: [string, string][] = [];
  private readonly sharedDirs: Set<string>;
  /** Directories of the build, made as their files come. */
  private readonly buildDirs = new Set<string>(['.']);
  /** Files whose content is still being made (`Unchanged.produce`). */
  private readonly producing: Promise<void>[] = [];
  private bytes = 0;
  private unchanged = 0;
  /** Temp files of the shared files are named by the build and a count (the lock makes the build the only writer). */
  private temps = 0;
  private done = false;
  private failure: Error | null = null;

  constructor(
    private readonly target: string,
    private readonly layout: Layout,
    private readonly id: string,
    private readonly previous: { dir: string; files: Map<string, Entry> } | null,
    private readonly release: () => Promise<void>,
  ) {
    this.buildDir = buildPath(target, id);
    this.sharedDirs = new Set(layout.shared);
  }

  /** Adds one file of the new dashboard; its creation starts now, its failure shows at commit. */
  add(name: string, given: Content): void {
    checkName(name, this.layout);
    if (this.done) throw new Error('internal: dashboard file added after the build was committed or abandoned');
    if (this.names.has(name)) throw new Error(`internal: dashboard file ${JSON.stringify(name)} added twice`);
    this.names.add(name);
    const place = this.layout.shared.includes(topOf(name)) ? this.placeShared.bind(this) : this.placeBuilt.bind(this);
    if (!isUnchanged(given)) {
      place(name, given, contentEntry(given));
      return;
    }
    if (place(name, given, null)) return;
    this.producing.push(
      given.produce().then((content) => {
        place(name, content, contentEntry(content));
      }).catch((error: unknown) => {
        // Kept for the commit to throw (a rejection nobody awaits yet would end the process).
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      }),
    );
  }

  private keep(name: string, entry: Entry): true {
    this.manifest[name] = entry;
    this.bytes += entry.size;
    this.unchanged += 1;
    return true;
  }

  private wrote(name: string, entry: Entry): true {
    this.manifest[name] = entry;
    this.bytes += entry.size;
    return true;
  }

  /**
   * A shared file: kept when the live one is unchanged, else a temp file beside it.
   * `entry` null: the content is not made yet (unchanged by the caller's account);
   * returns false when it must be made after all.
   */
  private placeShared(name: string, content: Content, entry: Entry | null): boolean {
    const file = path.join(this.target, name);
    const before = this.previous?.files.get(name);
    const present = before !== undefined && lstatOrNull(file)?.isFile() === true;
    if (entry === null) return present ? this.keep(name, before) : false;
    if (present && before.sha256 === entry.sha256) return this.keep(name, entry);
    const dir = path.posix.dirname(name);
    if (!this.sharedDirs.has(dir)) {
      mkdirSync(path.join(this.target, dir), { recursive: true, mode: DIR_MODE });
      this.sharedDirs.add(dir);
    }
    this.temps += 1;
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${this.id}-${this.temps}.tmp`);
    this.creator.create(temp, content as string | Uint8Array);
    this.renames.push([temp, file]);
    return this.wrote(name, entry);
  }

  /** A page of the build: hard-linked from the live build when unchanged, else created. */
  private placeBuilt(name: string, content: Content, entry: Entry | null): boolean {
    const before = this.previous?.files.get(name);
    if (entry === null) return before !== undefined && this.linkPrevious(name, before);
    if (before?.sha256 === entry.sha256 && this.linkPrevious(name, entry)) return true;
    this.makeBuildDir(path.posix.dirname(name));
    this.creator.create(path.join(this.buildDir, name), content as string | Uint8Array);
    return this.wrote(name, entry);
  }

  private makeBuildDir(dir: string): void {
    if (this.buildDirs.has(dir)) return;
    this.makeBuildDir(path.posix.dirname(dir));
    const full = path.join(this.buildDir, dir);
    mkdirSync(full, { mode: DIR_MODE });
    chmodSync(full, DIR_MODE);
    this.buildDirs.add(dir);
  }

  /** A page equal to the live one is hard-linked from it (builds never change once written). */
  private linkPrevious(name: string, entry: Entry): boolean {
    if (!this.previous) return false;
    try {
      this.makeBuildDir(path.posix.dirname(name));
      linkSync(path.join(this.previous.dir, name), path.join(this.buildDir, name));
    } catch {
      return false; // gone from the live build: write it
    }
    return this.keep(name, entry);
  }

  /** Makes the new build live: the shared files first (a page never goes live before what it names), then the pages in one step. */
  async commit(): Promise<PublishResult> {
    this.done = true;
    const { target, layout, buildDir, id } = this;
    try {
      await Promise.all(this.producing);
      if (this.failure) throw this.failure;
      for (const d of layout.built) if (!d.includes('.')) this.makeBuildDir(d);
      this.creator.create(manifestPath(buildDir), `${JSON.stringify({ schema: 1, files: this.manifest })}\n`);
      await this.creator.finish();
      await this.creator.close();
      // Every file of the build and every shared temp file durable before any rename.
      const roots = [target, buildDir, ...layout.shared.map((d) => path.join(target, d))];
      const whole = this.creator.paths.length >= SYNC_FS_FROM && (await syncedWhole(roots));
      if (!whole) await syncAll(this.creator.paths);
      for (const [temp, file] of this.renames) renameSync(temp, file);
      // Then the renames and the new directories' entries (the whole file system again, or each directory).
      if (!(whole && (await syncedWhole(roots)))) {
        for (const d of this.sharedDirs) await fsyncDirectory(path.join(target, d));
        // Deepest first, so each directory's entries are durable before its parent's.
        const dirs = [...this.buildDirs].sort((a, b) => b.split('/').length - a.split('/').length);
        for (const d of dirs) await fsyncDirectory(path.join(buildDir, d));
        await fsyncDirectory(path.join(target, BUILDS));
      }
      await replaceLink(target, CURRENT, path.join(BUILDS, id));
      for (const name of layout.built) await replaceLink(target, name, path.join(CURRENT, name));
      await fsyncDirectory(target);
    } catch (error) {
      try {
        await this.throwAway();
      } finally {
        await this.release();
      }
      throw error;
    }
    try {
      // What no live page names any more: old builds, and shared files of runs no longer shown.
      for (const entry of await readdir(path.join(target, BUILDS))) {
        if (entry !== id && entry !== `${id}.json`) await rm(path.join(target, BUILDS, entry), { recursive: true, force: true });
      }
      for (const d of this.sharedDirs) {
        for (const entry of await readdir(path.join(target, d), { withFileTypes: true })) {
          const name = path.posix.join(d, entry.name);
          if (entry.isFile() && !this.names.has(name)) await rm(path.join(target, name), { force: true });
        }
      }
      return { dir: target, build: id, files: this.names.size, bytes: this.bytes, unchanged: this.unchanged };
    } finally {
      await this.release();
    }
  }

  /** Throws the new build away, the live one left exactly as it was. */
  async abandon(): Promise<void> {
    this.done = true;
    try {
      await Promise.allSettled(this.producing);
      await this.throwAway();
    } finally {
      await this.release();
    }
  }

  private async throwAway(): Promise<void> {
    // The thread first: nothing may be created after the removal.
    await this.creator.close();
    for (const [temp] of this.renames) await rm(temp, { force: true });
    await rm(this.buildDir, { recursive: true, force: true });
    await rm(manifestPath(this.buildDir), { force: true });
  }
}

function contentEntry(content: string | Uint8Array): Entry {
  return { sha256: digest(content), size: typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength };
}
