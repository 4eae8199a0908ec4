// Every tar command line the runner issues. GNU tar (the Nix wrapper puts gnutar on PATH).
import { execChecked } from './exec.js';

/** Leftovers of a restore a crash interrupted (see registry/snapshot.ts): never archived. */
export const RESTORE_STAGING_PREFIX = '.ccci-restore-';

const CREATE = ['--create', '--numeric-owner', '--anchored', `--exclude=./${RESTORE_STAGING_PREFIX}*`];

/**
 * Archives the contents of `sourceDir` (not the directory itself), owners kept
 * numerically, into `archive`, written front to back once (a reader may follow it).
 */
export async function archiveDirectory(sourceDir: string, archive: string): Promise<void> {
  await execChecked('tar', [...CREATE, '--file', archive, '--directory', sourceDir, '.']);
}

const EXTRACT = ['--extract', '--numeric-owner', '--preserve-permissions'];

/** Extracts into an existing, empty `destination`, keeping owners and permissions. */
export async function extractArchive(archive: string, destination: string): Promise<void> {
  await execChecked('tar', [...EXTRACT, '--file', archive, '--directory', destination]);
}
