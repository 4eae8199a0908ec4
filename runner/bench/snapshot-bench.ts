// Phase "snapshot": a volume of about 1 GiB (a few large files and 20,000 small ones),
// snapshotted and restored as a promote and a quick run do it, against plain tar:
//   snapshot  createSnapshot, then the check the promote makes before it reports success,
//             against `tar -cf ARCHIVE -C VOLUME .`, and against that followed by an fsync
//             of the archive (a snapshot must be on disk before canonical.json names it;
//             plain tar leaves it in the page cache)
//   restore   restoreSnapshot into the emptied volume, against `tar -xf ARCHIVE -C EMPTY-DIR`
// Both sides read the same files (in the page cache after the first run); before every
// timed run the disk is synced and the previous output removed, untimed. The runner's
// side runs in this process (a promote runs inside the sweep), with a two-line shell
// stand-in for `docker volume ls/inspect` so that only the archive work is timed.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execChecked } from '../src/effects/exec.js';
import { confirmSnapshot, createSnapshot, restoreSnapshot, snapshotDir } from '../src/registry/snapshot.js';
import { paired, runChecked, type PairedResult, type Sample } from './measure.js';

const STACK = 'warm-bench_ci_example_org';
const VOLUME = `${STACK}_data`;
const RECIPE = 'bench';

export interface SnapshotResult {
  bytes: number;
  files: number;
  snapshot: PairedResult;
  snapshotDurable: PairedResult;
  restore: PairedResult;
}

/** A deterministic stream of bytes that does not compress to nothing. */
function makeContent(seed: Buffer, size: number, salt: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; offset += seed.length) seed.copy(out, offset, 0, Math.min(seed.length, size - offset));
  out.writeUInt32LE(salt >>> 0, 0);
  return out;
}

async function buildVolume(dir: string, totalMiB: number, smallFiles: number): Promise<{ bytes: number; files: number }> {
  const seed = randomBytes(1 << 20);
  let bytes = 0;
  // Small files: 1 to 12 KiB each, 200 per directory.
  for (let i = 0; i < smallFiles; i += 1) {
    const sub = path.join(dir, 'small', `d${String(Math.floor(i / 200)).padStart(3, '0')}`);
    if (i % 200 === 0) await mkdir(sub, { recursive: true });
    const size = 1024 + ((i * 2654435761) % (11 * 1024));
    await writeFile(path.join(sub, `f${i}.dat`), makeContent(seed.subarray(i % 4096), size, i));
    bytes += size;
  }
  // The rest in four large files, written a MiB at a time.
  const large = Math.max(0, totalMiB * (1 << 20) - bytes);
  await mkdir(path.join(dir, 'large'), { recursive: true });
  for (let f = 0; f < 4; f += 1) {
    const handle = await open(path.join(dir, 'large', `blob-${f}.bin`), 'w');
    try {
      let left = Math.floor(large / 4);
      let block = 0;
      while (left > 0) {
        const chunk = makeContent(seed, Math.min(left, seed.length), f * 1_000_003 + block);
        await handle.write(chunk);
        left -= chunk.length;
        bytes += chunk.length;
        block += 1;
      }
    } finally {
      await handle.close();
    }
  }
  return { bytes, files: smallFiles + 4 };
}

async function emptyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) await rm(path.join(dir, entry), { recursive: true, force: true });
}

async function timed(work: () => Promise<unknown>): Promise<Sample> {
  const started = process.hrtime.bigint();
  await work();
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, peakRssBytes: null, cpuMs: null };
}

const syncDisk = () => runChecked('sync', { argv: ['sync'] });

export async function measureSnapshot(
  options: { mib: number; smallFiles: number; runs: number },
  log: (line: string) => void,
): Promise<SnapshotResult> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-bench-snapshot-'));
  const savedPath = process.env.PATH;
  try {
    const volumes = path.join(root, 'volumes');
    const volume = path.join(volumes, VOLUME);
    const stateDir = path.join(root, 'state');
    const plainArchive = path.join(root, 'plain.tar');
    const plainTarget = path.join(root, 'plain-extract');
    const bin = path.join(root, 'bin');
    await mkdir(bin, { recursive: true });
    await mkdir(stateDir, { recursive: true });
    // docker volume ls … → the one volume; docker volume inspect … VOLUME → its directory.
    await writeFile(
      path.join(bin, 'docker'),
      `#!/bin/sh\ncase "$1 $2" in\n"volume ls") echo '${VOLUME}' ;;\n"volume inspect") for last; do :; done; echo "${volumes}/$last" ;;\n*) echo "bench docker stand-in: $*" >&2; exit 1 ;;\nesac\n`,
    );
    await chmod(path.join(bin, 'docker'), 0o755);
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;

    log(`snapshot: writing a ${options.mib} MiB volume (${options.smallFiles} small files, 4 large) …`);
    const built = await buildVolume(volume, options.mib, options.smallFiles);
    // A promote runs in a sweep that has started programs before: load that machinery untimed.
    await execChecked('tar', ['--version']);

    let id = 0;
    let lastId = '';
    const snapshotRun = async (): Promise<Sample> => {
      if (lastId) await rm(snapshotDir(stateDir, RECIPE, lastId), { recursive: true, force: true });
      await syncDisk();
      lastId = `bench-${(id += 1)}`;
      const snapshotId = lastId;
      return timed(async () => {
        await createSnapshot({ stateDir, recipe: RECIPE, stack: STACK, version: '1.0.0+1', commit: 'a'.repeat(40), id: snapshotId });
        // What the promote checks of the new snapshot before it reports success.
        await confirmSnapshot(stateDir, RECIPE, snapshotId);
      });
    };
    const plainCreate = async (): Promise<Sample> => {
      await rm(plainArchive, { force: true });
      await syncDisk();
      return runChecked('tar -cf', { argv: ['tar', '-cf', plainArchive, '-C', volume, '.'] });
    };
    const plainCreateDurable = async (): Promise<Sample> => {
      await rm(plainArchive, { force: true });
      await syncDisk();
      return runChecked('tar -cf + fsync', { argv: ['/bin/sh', '-c', `tar -cf '${plainArchive}' -C '${volume}' . && sync '${plainArchive}'`] });
    };
    log('snapshot against tar -cf …');
    const snapshot = await paired(options.runs, plainCreate, snapshotRun, log);
    log('snapshot against tar -cf and an fsync of the archive …');
    const snapshotDurable = await paired(options.runs, plainCreateDurable, snapshotRun, log);

    const record = { snapshot: { id: lastId, volumes: ['data'], bytes: 0 } };
    const restoreRun = async (): Promise<Sample> => {
      await emptyDir(volume);
      await syncDisk();
      return timed(() => restoreSnapshot(stateDir, RECIPE, record, STACK));
    };
    const plainExtract = async (): Promise<Sample> => {
      await emptyDir(plainTarget);
      await syncDisk();
      return runChecked('tar -xf', { argv: ['tar', '-xf', plainArchive, '-C', plainTarget] });
    };
    log('restore against tar -xf …');
    const restore = await paired(options.runs, plainExtract, restoreRun, log);
    return { bytes: built.bytes, files: built.files, snapshot, snapshotDurable, restore };
  } finally {
    process.env.PATH = savedPath;
    await rm(root, { recursive: true, force: true });
  }
}
