// Where things live under the runs directory: path rules only, shared by the runs that
// take the domain locks (run/domain-lock.ts) and the clean-up that reads them at the start
// of every sweep (sweep/leftovers.ts), which must not load the run's code to find them.
import path from 'node:path';

/** <runsDir>/.locks/<domain>.lock: one deployment per app domain at a time. */
export const DOMAIN_LOCKS_DIR = '.locks';

export function domainLockPath(runsDir: string, domain: string): string {
  return path.join(runsDir, DOMAIN_LOCKS_DIR, `${domain}.lock`);
}
