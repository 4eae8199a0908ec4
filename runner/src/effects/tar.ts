// Every tar command line the runner issues. GNU tar (the Nix wrapper puts gnutar on PATH).
import { execChecked } from './exec.js';

/** Archives the contents of `sourceDir` (not the directory itself), owners kept numerically. */
export async function archiveDirectory(sourceDir: string, archive: string): Promise<void> {
  await execChecked('tar', ['--create', '--numeric-owner', '--file', archive, '--directory', sourceDir, '.']);
}

export async function listArchive(archive: string): Promise<string[]> {
  const { stdout } = await execChecked('tar', ['--list', '--file', archive]);
  return stdout.split('\n').filter((line) => line !== '');
}

/** Extracts into an existing, empty `destination`, keeping owners and permissions. */
export async function extractArchive(archive: string, destination: string): Promise<void> {
  await execChecked('tar', [
    '--extract',
    '--numeric-owner',
    '--preserve-permissions',
    '--file',
    archive,
    '--directory',
    destination,
  ]);
}
