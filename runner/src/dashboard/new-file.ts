// One new file, written whole: what the dashboard's file creator does for each page,
// on its thread or, when none can start, on the caller's.
import { closeSync, fchmodSync, openSync, writeFileSync } from 'node:fs';

/** Creates `file` (never replacing one) with `content`, its mode exactly `mode` whatever the umask. Not fsynced. */
export function createNewFile(file: string, content: string | Uint8Array, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeFileSync(fd, content);
    // Explicit: the sweep's units run with UMask=0077, and the web server must read this.
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}
