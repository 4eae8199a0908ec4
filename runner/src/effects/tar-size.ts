// The size `tar --create` will write for a directory (core/tar-size.ts does the counting),
// from one walk with lstat: symlinks are not followed, as tar does not follow them.
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { tarArchiveBytes, type TarEntry } from '../core/tar-size.js';

async function* entriesOf(root: string, relative: string): AsyncGenerator<TarEntry> {
  const full = relative === '' ? root : path.join(root, relative);
  const info = await lstat(full);
  if (info.isDirectory()) {
    yield { kind: 'directory', path: relative, size: 0 };
    for (const name of (await readdir(full)).sort()) yield* entriesOf(root, relative === '' ? name : `${relative}/${name}`);
  } else if (info.isSymbolicLink()) {
    yield { kind: 'symlink', path: relative, size: 0, linkTarget: await readlink(full) };
  } else if (info.isFile()) {
    yield { kind: 'file', path: relative, size: info.size };
  } else {
    yield { kind: 'other', path: relative, size: 0 };
  }
}

/** Bytes of the archive `archiveDirectory(dir, …)` makes of `dir`'s contents. */
export async function archiveBytesOf(dir: string): Promise<number> {
  const entries: TarEntry[] = [];
  for await (const entry of entriesOf(dir, '')) entries.push(entry);
  return tarArchiveBytes(entries);
}
