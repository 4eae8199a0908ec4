// Volume snapshots of a canonical: <stateDir>/<recipe>/snapshots/<id>/ holds meta.json
// and volumes/<volume>.tar; <recipe>/snapshot is a symlink to the one canonical.json
// names. A snapshot is built under a temporary name, verified, and only then given its
// id, so canonical.json can never point at a half-built snapshot.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { listStackVolumes, volumeMountpoint } from '../effects/docker.js';
import { fsyncDirectory, writeJsonAtomic } from '../effects/atomic-file.js';
import { failpoint } from '../effects/failpoint.js';
import { archiveDirectory, extractArchive, listArchive } from '../effects/tar.js';
import { recipeStateDir, type CanonicalRecord } from './canonical.js';

export const snapshotMetaSchema = z.strictObject({
  schema: z.literal(1),
  id: z.string(),
  recipe: z.string(),
  version: z.string(),
  commit: z.string(),
  stack: z.string(),
  createdAt: z.string(),
  volumes: z.array(
    z.strictObject({
      /** The volume's name without the `<stack>_` prefix, so it maps onto any stack. */
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
      archive: z.string().regex(/^volumes\/[A-Za-z0-9][A-Za-z0-9_.-]*\.tar$/, 'volumes/<volume>.tar'),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});
export type SnapshotMeta = z.infer<typeof snapshotMetaSchema>;

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export function snapshotsDir(stateDir: string, recipe: string): string {
  return path.join(recipeStateDir(stateDir, recipe), 'snapshots');
}

export function snapshotDir(stateDir: string, recipe: string, id: string): string {
  return path.join(snapshotsDir(stateDir, recipe), id);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function shortVolumeName(stack: string, volume: string): string {
  return volume.startsWith(`${stack}_`) ? volume.slice(stack.length + 1) : volume;
}

/** Tars every volume of `stack` (undeployed!) into a new, verified snapshot named `id`. */
export async function createSnapshot(options: {
  stateDir: string;
  recipe: string;
  stack: string;
  version: string;
  commit: string;
  id: string;
  now?: Date;
}): Promise<{ meta: SnapshotMeta; bytes: number }> {
  const { stateDir, recipe, stack, id } = options;
  const finalDir = snapshotDir(stateDir, recipe, id);
  const buildDir = path.join(snapshotsDir(stateDir, recipe), `.building-${id}`);
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(path.join(buildDir, 'volumes'), { recursive: true });
  try {
    const volumes = await listStackVolumes(stack);
    if (volumes.length === 0) throw new SnapshotError(`stack ${stack} has no volumes to snapshot`);
    const entries: SnapshotMeta['volumes'] = [];
    for (const volume of volumes.sort()) {
      const name = shortVolumeName(stack, volume);
      const archive = `volumes/${name}.tar`;
      const archivePath = path.join(buildDir, archive);
      await archiveDirectory(await volumeMountpoint(volume), archivePath);
      await fsyncFile(archivePath);
      failpoint('snapshot:archive-written', recipe);
      entries.push({ name, archive, bytes: (await stat(archivePath)).size, sha256: await sha256File(archivePath) });
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
    await writeJsonAtomic(path.join(buildDir, 'meta.json'), meta);
    await fsyncDirectory(path.join(buildDir, 'volumes'));
    failpoint('snapshot:meta-written', recipe);
    await verifySnapshotDir(buildDir);
    failpoint('snapshot:verified', recipe);
    await rename(buildDir, finalDir);
    failpoint('snapshot:renamed', recipe);
    await fsyncDirectory(path.dirname(finalDir));
    return { meta, bytes: entries.reduce((sum, v) => sum + v.bytes, 0) };
  } catch (error) {
    await rm(buildDir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads meta.json and checks every archive is there, whole (hash) and readable (tar --list). */
async function verifySnapshotDir(dir: string): Promise<SnapshotMeta> {
  let meta: SnapshotMeta;
  try {
    meta = snapshotMetaSchema.parse(JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')));
  } catch (error) {
    throw new SnapshotError(`${dir}/meta.json: ${(error as Error).message}`);
  }
  for (const volume of meta.volumes) {
    const archivePath = path.join(dir, volume.archive);
    let digest: string;
    try {
      digest = await sha256File(archivePath);
    } catch (error) {
      throw new SnapshotError(`${archivePath}: ${(error as Error).message}`);
    }
    if (digest !== volume.sha256) throw new SnapshotError(`${archivePath}: checksum does not match meta.json`);
    await listArchive(archivePath);
  }
  return meta;
}

export async function verifySnapshot(stateDir: string, recipe: string, id: string): Promise<SnapshotMeta> {
  return verifySnapshotDir(snapshotDir(stateDir, recipe, id));
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

export async function currentSnapshotLink(stateDir: string, recipe: string): Promise<string | null> {
  try {
    return await readlink(path.join(recipeStateDir(stateDir, recipe), 'snapshot'));
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
    names = await readdir(dir);
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

/**
 * Restores the canonical's snapshot into the volumes of `stack` (undeployed!): each
 * volume's contents are replaced by its archive, byte for byte.
 */
export async function restoreSnapshot(
  stateDir: string,
  recipe: string,
  record: Pick<CanonicalRecord, 'snapshot'>,
  stack: string,
): Promise<SnapshotMeta> {
  const meta = await verifySnapshot(stateDir, recipe, record.snapshot.id);
  const existing = new Set(await listStackVolumes(stack));
  for (const volume of meta.volumes) {
    const full = `${stack}_${volume.name}`;
    if (!existing.has(full)) throw new SnapshotError(`volume ${full} does not exist; cannot restore ${volume.name}`);
    const mountpoint = await volumeMountpoint(full);
    for (const entry of await readdir(mountpoint)) {
      await rm(path.join(mountpoint, entry), { recursive: true, force: true });
    }
    await extractArchive(path.join(snapshotDir(stateDir, recipe, record.snapshot.id), volume.archive), mountpoint);
  }
  return meta;
}
