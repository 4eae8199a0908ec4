// Volume snapshots of a canonical: <stateDir>/<recipe>/snapshots/<id>/ holds meta.json
// and volumes/<volume>.tar; <recipe>/snapshot is a symlink to the one canonical.json
// names. A snapshot is built under a temporary name, verified, and only then given its
// id, so canonical.json can never point at a half-built snapshot.
//
// Each archive costs tar's own pass, and beside it, at the same time, one read of the
// archive from the page cache:
//   create   tar writes the archive file; while it does, the runner reads the file behind
//            it (tar writes front to back, once) and hashes (sha256, into meta.json) and
//            walks it as tar (archive-check.ts: every header, the end marker), so the
//            archive is verified as it is written, on the other core;
//   restore  tar extracts the archive file into a staging directory inside the volume
//            while the runner hashes and walks the same file; the volume's contents are
//            swapped for the staging directory only when every archive of the snapshot
//            matched its checksum: a damaged snapshot changes nothing. (So a restore needs
//            room for the volume's old and new contents at once, until the swap.)
//   verify   (verifySnapshot, the full check) reads each archive once: hash and walk.
// (Piping the archive through the runner instead costs more: three copies of every
// byte instead of two, in 64 KiB pipe reads.)
// confirmSnapshot is the cheap check (meta.json and the archives' sizes) of a snapshot
// verified earlier in the same process, e.g. the promote's read-back after the record.
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, stat, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { listStackVolumes, volumeMountpoint } from '../effects/docker.js';
import { fsyncDirectory, writeJsonAtomic } from '../effects/atomic-file.js';
import { failpoint } from '../effects/failpoint.js';
import { archiveDirectory, extractArchive, RESTORE_STAGING_PREFIX } from '../effects/tar.js';
import { ArchiveChecker, ArchiveFormatError } from './archive-check.js';
import type { CanonicalRecord } from './canonical.js';
import { recipeStateDir, snapshotDir, snapshotsDir } from './record-paths.js';
import type { SnapshotMeta } from './snapshot-meta.js';

export type { SnapshotMeta } from './snapshot-meta.js';

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

// Named in record-paths.ts, so that a reader of the records need not load this module's effects.
export { snapshotDir, snapshotsDir } from './record-paths.js';

function shortVolumeName(stack: string, volume: string): string {
  return volume.startsWith(`${stack}_`) ? volume.slice(stack.length + 1) : volume;
}

/** A stack volume and where its data lies. */
export interface VolumeDir {
  volume: string;
  mountpoint: string;
}

/** The stack's volumes and their directories, sorted by name. */
export async function stackVolumeDirs(stack: string): Promise<VolumeDir[]> {
  const volumes = (await listStackVolumes(stack)).sort();
  const dirs: VolumeDir[] = [];
  for (const volume of volumes) dirs.push({ volume, mountpoint: await volumeMountpoint(volume) });
  return dirs;
}

const READ_CHUNK = 1 << 20;
/** How long the reader behind tar waits when it has caught up with it. */
const CAUGHT_UP_MS = 2;

/**
 * Reads `file` from its start as long as `writer` runs and to its end once it has
 * exited, handing each chunk to `onChunk`; resolves with the byte count once both are
 * done (rejects with the writer's error).
 */
async function readBehind(file: FileHandle, writer: Promise<unknown>, onChunk: (chunk: Buffer) => void): Promise<number> {
  let finished = false;
  let failure: unknown = null;
  const done = writer.then(
    () => void (finished = true),
    (error: unknown) => {
      failure = error;
      finished = true;
    },
  );
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let position = 0;
  for (;;) {
    const writerDone = finished;
    const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
    if (bytesRead > 0) {
      onChunk(buffer.subarray(0, bytesRead));
      position += bytesRead;
    } else if (writerDone) break;
    else await new Promise((resolve) => setTimeout(resolve, CAUGHT_UP_MS));
  }
  await done;
  if (failure) throw failure;
  return position;
}

/** Writes the archive of `sourceDir` to `archivePath` (new, fsynced), hashed and checked as tar writes it. */
async function writeArchive(sourceDir: string, archivePath: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const checker = new ArchiveChecker();
  // Made here, so the reader has it open before tar starts (tar truncates and writes the same file).
  const file = await open(archivePath, 'wx+', 0o600);
  try {
    const bytes = await readBehind(file, archiveDirectory(sourceDir, archivePath), (chunk) => {
      hash.update(chunk);
      checker.push(chunk);
    });
    checker.finish();
    await file.sync();
    const onDisk = (await file.stat()).size;
    if (onDisk !== bytes) throw new SnapshotError(`${archivePath}: ${onDisk} bytes on disk, ${bytes} read as tar wrote them`);
    return { bytes, sha256: hash.digest('hex') };
  } catch (error) {
    if (error instanceof ArchiveFormatError) throw new SnapshotError(`${archivePath}: tar wrote a broken archive: ${error.message}`);
    throw error;
  } finally {
    await file.close();
  }
}

/**
 * Tars every volume of `stack` (undeployed!) into a new, verified snapshot named `id`.
 * `volumes`: the stack's volumes if the caller has looked them up already.
 */
export async function createSnapshot(options: {
  stateDir: string;
  recipe: string;
  stack: string;
  version: string;
  commit: string;
  id: string;
  now?: Date;
  volumes?: readonly VolumeDir[];
}): Promise<{ meta: SnapshotMeta; bytes: number }> {
  const { stateDir, recipe, stack, id } = options;
  const finalDir = snapshotDir(stateDir, recipe, id);
  const buildDir = path.join(snapshotsDir(stateDir, recipe), `.building-${id}`);
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(path.join(buildDir, 'volumes'), { recursive: true });
  try {
    const volumes = options.volumes ? [...options.volumes].sort((a, b) => (a.volume < b.volume ? -1 : 1)) : await stackVolumeDirs(stack);
    if (volumes.length === 0) throw new SnapshotError(`stack ${stack} has no volumes to snapshot`);
    const entries: SnapshotMeta['volumes'] = [];
    for (const { volume, mountpoint } of volumes) {
      const name = shortVolumeName(stack, volume);
      const archive = `volumes/${name}.tar`;
      const written = await writeArchive(mountpoint, path.join(buildDir, archive));
      failpoint('snapshot:archive-written', recipe);
      entries.push({ name, archive, bytes: written.bytes, sha256: written.sha256 });
    }
    const meta: SnapshotMeta = {
      schema: 1,
      id,
      recipe,
      version: options.version,
      commit: options.commit,
      stack,
      createdAt: (options.now ?? new Date()).toISOString(),
      volumes: entries,
    };
    const { snapshotMetaSchema } = await import('./snapshot-meta.js');
    await writeJsonAtomic(path.join(buildDir, 'meta.json'), snapshotMetaSchema.parse(meta));
    await fsyncDirectory(path.join(buildDir, 'volumes'));
    failpoint('snapshot:meta-written', recipe);
    await rename(buildDir, finalDir);
    failpoint('snapshot:renamed', recipe);
    await fsyncDirectory(path.dirname(finalDir));
    return { meta, bytes: entries.reduce((sum, v) => sum + v.bytes, 0) };
  } catch (error) {
    await rm(buildDir, { recursive: true, force: true });
    throw error;
  }
}

async function readMeta(dir: string): Promise<SnapshotMeta> {
  try {
    const { snapshotMetaSchema } = await import('./snapshot-meta.js');
    return snapshotMetaSchema.parse(JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')));
  } catch (error) {
    throw new SnapshotError(`${dir}/meta.json: ${(error as Error).message}`);
  }
}

/** The archive's size on disk must be the one meta.json recorded: a cheap first check, before reading it. */
async function checkSize(archivePath: string, volume: SnapshotMeta['volumes'][number]): Promise<void> {
  let size: number;
  try {
    size = (await stat(archivePath)).size;
  } catch (error) {
    throw new SnapshotError(`${archivePath}: ${(error as Error).message}`);
  }
  if (size !== volume.bytes) throw new SnapshotError(`${archivePath}: ${size} bytes, meta.json says ${volume.bytes}`);
}

/** The hash and the walk of an archive as its bytes are read. */
class ArchiveReading {
  private readonly hash = createHash('sha256');
  private readonly checker = new ArchiveChecker();
  private formatProblem: string | null = null;
  private digest: string | null = null;
  push(chunk: Buffer): void {
    this.hash.update(chunk);
    if (this.formatProblem !== null) return;
    try {
      this.checker.push(chunk);
    } catch (error) {
      this.formatProblem = (error as Error).message;
    }
  }
  /** Why the bytes read do not match `volume`, or null when they do. Call once all are read. */
  problem(volume: SnapshotMeta['volumes'][number]): string | null {
    if (this.digest === null) {
      this.digest = this.hash.digest('hex');
      if (this.formatProblem === null) {
        try {
          this.checker.finish();
        } catch (error) {
          this.formatProblem = (error as Error).message;
        }
      }
    }
    if (this.digest !== volume.sha256) return 'checksum does not match meta.json';
    return this.formatProblem === null ? null : `not a whole tar archive: ${this.formatProblem}`;
  }
}

/** Reads the whole archive once into `reading`. */
async function readArchive(archivePath: string, reading: ArchiveReading): Promise<void> {
  const file = await open(archivePath, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    let position = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      reading.push(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
}

/** Reads meta.json and checks every archive is there, whole (hash) and a tar archive (its structure), each in one read. */
async function verifySnapshotDir(dir: string): Promise<SnapshotMeta> {
  const meta = await readMeta(dir);
  for (const volume of meta.volumes) {
    const archivePath = path.join(dir, volume.archive);
    await checkSize(archivePath, volume);
    const reading = new ArchiveReading();
    try {
      await readArchive(archivePath, reading);
    } catch (error) {
      throw new SnapshotError(`${archivePath}: ${(error as Error).message}`);
    }
    const problem = reading.problem(volume);
    if (problem) throw new SnapshotError(`${archivePath}: ${problem}`);
  }
  return meta;
}

/** The full check: every archive read once, hashed and walked. */
export async function verifySnapshot(stateDir: string, recipe: string, id: string): Promise<SnapshotMeta> {
  return verifySnapshotDir(snapshotDir(stateDir, recipe, id));
}

/**
 * The cheap check: the snapshot `id` is there, its meta.json is valid and names it, and
 * every archive has the size it was written with. For a snapshot this process verified
 * as it wrote it (createSnapshot), so that one promote never reads it twice.
 */
export async function confirmSnapshot(stateDir: string, recipe: string, id: string): Promise<SnapshotMeta> {
  const dir = snapshotDir(stateDir, recipe, id);
  const meta = await readMeta(dir);
  if (meta.id !== id) throw new SnapshotError(`${dir}/meta.json names snapshot ${meta.id}, not ${id}`);
  for (const volume of meta.volumes) await checkSize(path.join(dir, volume.archive), volume);
  return meta;
}

/** Points <recipe>/snapshot at snapshots/<id> with an atomic rename of a fresh symlink. */
export async function publishSnapshotLink(stateDir: string, recipe: string, id: string): Promise<void> {
  const dir = recipeStateDir(stateDir, recipe);
  const link = path.join(dir, 'snapshot');
  const temp = path.join(dir, `.snapshot.${process.pid}.tmp`);
  await rm(temp, { force: true });
  await symlink(path.join('snapshots', id), temp);
  failpoint('snapshot-link:temp-created', recipe);
  await rename(temp, link);
  await fsyncDirectory(dir);
}

// The start-of-sweep recovery asks these two of every recipe every night: one
// synchronous call each is cheaper than a round trip through the thread pool.
export async function currentSnapshotLink(stateDir: string, recipe: string): Promise<string | null> {
  try {
    return readlinkSync(path.join(recipeStateDir(stateDir, recipe), 'snapshot'));
  } catch {
    return null;
  }
}

/**
 * Removes every snapshot directory but `keepId` (also leftovers of a crashed build).
 * Refuses, removing nothing, when `keepId` is not one of them: whatever named it is
 * wrong, and the directories may be the only copy of the data.
 */
export async function pruneSnapshots(stateDir: string, recipe: string, keepId: string | null): Promise<string[]> {
  const dir = snapshotsDir(stateDir, recipe);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  if (keepId !== null && !names.includes(keepId)) {
    throw new SnapshotError(`not pruning ${dir}: the snapshot to keep, ${JSON.stringify(keepId)}, is not there`);
  }
  const removed: string[] = [];
  for (const name of names) {
    if (name === keepId) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

async function removeStagingLeftovers(mountpoint: string): Promise<void> {
  for (const entry of await readdir(mountpoint)) {
    if (entry.startsWith(RESTORE_STAGING_PREFIX)) await rm(path.join(mountpoint, entry), { recursive: true, force: true });
  }
}

/** Extracts one archive into a new staging directory inside `mountpoint`, checking it meanwhile; returns the directory. */
async function stageArchive(archivePath: string, volume: SnapshotMeta['volumes'][number], mountpoint: string): Promise<string> {
  await checkSize(archivePath, volume);
  const staging = await mkdtemp(path.join(mountpoint, RESTORE_STAGING_PREFIX));
  const reading = new ArchiveReading();
  const [extracted, read] = await Promise.allSettled([extractArchive(archivePath, staging), readArchive(archivePath, reading)]);
  const problem =
    read.status === 'rejected'
      ? (read.reason as Error).message
      : (reading.problem(volume) ?? (extracted.status === 'rejected' ? (extracted.reason as Error).message : null));
  if (problem) {
    await rm(staging, { recursive: true, force: true });
    throw new SnapshotError(`${archivePath}: ${problem}`);
  }
  return staging;
}

/** Replaces the contents (and the mode and owner) of `mountpoint` by those of its staging directory. */
async function swapIn(mountpoint: string, staging: string): Promise<void> {
  const stagingName = path.basename(staging);
  for (const entry of await readdir(mountpoint)) {
    if (entry !== stagingName) await rm(path.join(mountpoint, entry), { recursive: true, force: true });
  }
  for (const entry of await readdir(staging)) await rename(path.join(staging, entry), path.join(mountpoint, entry));
  // The archive's "." entry gave the staging directory the volume root's mode and owner.
  const root = await lstat(staging);
  await rmdir(staging);
  await chmod(mountpoint, root.mode & 0o7777);
  await chown(mountpoint, root.uid, root.gid).catch(() => undefined);
}

/**
 * Restores the canonical's snapshot into the volumes of `stack` (undeployed!): each
 * volume's contents are replaced by its archive, byte for byte, once every archive has
 * been read back whole; otherwise no volume is touched.
 */
export async function restoreSnapshot(
  stateDir: string,
  recipe: string,
  record: Pick<CanonicalRecord, 'snapshot'>,
  stack: string,
): Promise<SnapshotMeta> {
  const dir = snapshotDir(stateDir, recipe, record.snapshot.id);
  const meta = await readMeta(dir);
  const existing = new Set(await listStackVolumes(stack));
  const targets: { volume: SnapshotMeta['volumes'][number]; mountpoint: string }[] = [];
  for (const volume of meta.volumes) {
    const full = `${stack}_${volume.name}`;
    if (!existing.has(full)) throw new SnapshotError(`volume ${full} does not exist; cannot restore ${volume.name}`);
    targets.push({ volume, mountpoint: await volumeMountpoint(full) });
  }
  const staged: { mountpoint: string; staging: string }[] = [];
  try {
    for (const { volume, mountpoint } of targets) {
      await removeStagingLeftovers(mountpoint);
      staged.push({ mountpoint, staging: await stageArchive(path.join(dir, volume.archive), volume, mountpoint) });
    }
  } catch (error) {
    for (const { staging } of staged) await rm(staging, { recursive: true, force: true });
    throw error;
  }
  for (const { mountpoint, staging } of staged) await swapIn(mountpoint, staging);
  return meta;
}
