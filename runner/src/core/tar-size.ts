// How many bytes `tar --create` writes for a tree, before it writes them: the promote's
// disk guard must count what the archive will take, not what the files hold. Pure.
//
// GNU tar's default format (gnu; `tar --show-defaults` says --format=gnu on Debian and
// in nixpkgs' gnutar), as effects/tar.ts runs it:
//   - every member (file, directory, symlink, device, fifo) is a 512-byte header block;
//   - a member name (`./`, `./a`, `./dir/`) or symlink target of 100 bytes or more takes a
//     `././@LongLink` member: one more header and the name, NUL-terminated, in 512-byte blocks;
//   - a regular file's content follows its header, padded to whole 512-byte blocks;
//   - the archive ends with two zero blocks and is padded to whole records (20 blocks).
// Hard links are counted as full copies, so the figure never falls short.

export const TAR_BLOCK = 512;
export const TAR_RECORD = 20 * TAR_BLOCK;
/** Name and link fields of a tar header; longer names need a GNU long-name member. */
const NAME_FIELD = 100;

export interface TarEntry {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  /** Path relative to the archived directory; '' is that directory itself. */
  path: string;
  /** Content bytes (regular files only; ignored for the rest). */
  size: number;
  /** A symlink's target. */
  linkTarget?: string;
}

function blocks(bytes: number): number {
  return Math.ceil(bytes / TAR_BLOCK) * TAR_BLOCK;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The member name tar gives an entry when it archives `--directory DIR .`. */
export function tarMemberName(entry: Pick<TarEntry, 'kind' | 'path'>): string {
  if (entry.path === '') return './';
  return `./${entry.path}${entry.kind === 'directory' ? '/' : ''}`;
}

function longNameBytes(text: string): number {
  const length = byteLength(text);
  return length >= NAME_FIELD ? TAR_BLOCK + blocks(length + 1) : 0;
}

/** Bytes one member takes in the archive. */
export function tarMemberBytes(entry: TarEntry): number {
  let bytes = TAR_BLOCK + longNameBytes(tarMemberName(entry));
  if (entry.kind === 'symlink' && entry.linkTarget !== undefined) bytes += longNameBytes(entry.linkTarget);
  if (entry.kind === 'file') bytes += blocks(Math.max(0, entry.size));
  return bytes;
}

/** Bytes of the whole archive of `entries` (the archived directory itself included by the caller). */
export function tarArchiveBytes(entries: Iterable<TarEntry>): number {
  let total = 2 * TAR_BLOCK;
  for (const entry of entries) total += tarMemberBytes(entry);
  return Math.ceil(total / TAR_RECORD) * TAR_RECORD;
}
