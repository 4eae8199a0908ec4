// Temp directories a test file makes and leaves to the end: removed when its process
// exits (node --test runs each file in a process of its own), so that a run of the
// suite leaves nothing in the temp directory, failures included.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new directory under the temp directory named `prefix` + six random characters. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
