// Free space of the file system holding a directory.
import { statfs } from 'node:fs/promises';

export interface DiskSpace {
  totalBytes: number;
  freeBytes: number;
  freePercent: number;
}

export async function diskSpace(dir: string): Promise<DiskSpace> {
  const stats = await statfs(dir);
  const totalBytes = stats.blocks * stats.bsize;
  const freeBytes = stats.bavail * stats.bsize;
  return { totalBytes, freeBytes, freePercent: totalBytes === 0 ? 0 : (freeBytes / totalBytes) * 100 };
}
