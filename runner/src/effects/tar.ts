// Every tar command line the runner issues. GNU tar (the Nix wrapper puts gnutar on PATH).
// Snapshots stream: the archive goes from tar's stdout through the caller (which hashes
// and checks it) into the file, and back from the file through the caller into tar's
// stdin, so that each is one pass over the bytes.
import type { Readable } from 'node:stream';
import { execChecked } from './exec.js';

/** Leftovers of a restore a crash interrupted (see registry/snapshot.ts): never archived. */
export const RESTORE_STAGING_PREFIX = '.ccci-restore-';

const CREATE = ['--create', '--numeric-owner', '--anchored', `--exclude=./${RESTORE_STAGING_PREFIX}*`];

/** Archives the contents of `sourceDir` (not the directory itself), owners kept numerically, into a file. */
export async function archiveDirectory(sourceDir: string, archive: string): Promise<void> {
  await execChecked('tar', [...CREATE, '--file', archive, '--directory', sourceDir, '.']);
}

/** The same archive, handed to `onChunk` as tar writes it (synchronously: a slow consumer holds tar up). */
export async function streamArchiveOf(sourceDir: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  await execChecked('tar', [...CREATE, '--file', '-', '--directory', sourceDir, '.'], { onStdout: onChunk });
}

const EXTRACT = ['--extract', '--numeric-owner', '--preserve-permissions'];

/** Extracts into an existing, empty `destination`, keeping owners and permissions. */
export async function extractArchive(archive: string, destination: string): Promise<void> {
  await execChecked('tar', [...EXTRACT, '--file', archive, '--directory', destination]);
}

/** The same, reading the archive from a stream. */
export async function extractArchiveStream(archive: Readable, destination: string): Promise<void> {
  await execChecked('tar', [...EXTRACT, '--file', '-', '--directory', destination], { input: archive });
}
