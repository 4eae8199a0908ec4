// Child process for the crash test: writes a canonical record and dies by SIGKILL
// after the temp file is durable and before the rename.
import { setBeforeRenameHook } from '../../src/effects/atomic-file.js';
import { writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';

const [stateDir, recordJson] = process.argv.slice(2);
setBeforeRenameHook(() => {
  process.kill(process.pid, 'SIGKILL');
});
await writeCanonical(stateDir as string, JSON.parse(recordJson as string) as CanonicalRecord);
