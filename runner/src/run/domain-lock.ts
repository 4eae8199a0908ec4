// One deployment per app domain at a time: a run (or a promote, or a quick run on the
// warm domain) holds <runsDir>/.locks/<domain>.lock while it touches that domain.
import path from 'node:path';
import { describeOwner, tryAcquireLock, type HeldLock } from '../effects/lock-file.js';

export class DomainBusyError extends Error {
  constructor(readonly domain: string, holder: string) {
    super(`app domain ${domain} is in use by ${holder}`);
    this.name = 'DomainBusyError';
  }
}

export function domainLockPath(runsDir: string, domain: string): string {
  return path.join(runsDir, '.locks', `${domain}.lock`);
}

/** Takes the domain's lock or throws DomainBusyError naming the holder. */
export async function lockDomain(runsDir: string, domain: string, purpose: string): Promise<HeldLock> {
  const attempt = await tryAcquireLock(domainLockPath(runsDir, domain), purpose);
  if (!attempt.acquired) throw new DomainBusyError(domain, describeOwner(attempt.heldBy));
  return attempt.lock;
}
