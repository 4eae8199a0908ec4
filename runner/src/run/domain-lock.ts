// One deployment per app domain at a time: a run (or a promote, or a quick run on the
// warm domain) holds <runsDir>/.locks/<domain>.lock while it touches that domain.
import { OperationError } from '../config/errors.js';
import { domainLockPath } from '../config/runs-layout.js';
import { describeOwner, describeTakeover, tryAcquireLock, type HeldLock } from '../effects/lock-file.js';

/** Someone else deploys on the domain: the CLI says so and exits 75 (try again later). */
export class DomainBusyError extends OperationError {
  constructor(readonly domain: string, holder: string) {
    super(`app domain ${domain} is in use by ${holder}`, 'locked');
    this.name = 'DomainBusyError';
  }
}

export { DOMAIN_LOCKS_DIR, domainLockPath } from '../config/runs-layout.js';

/**
 * Takes the domain's lock or throws DomainBusyError naming the holder. `runId`: the run
 * the domain is deployed for, recorded so that the clean-up after a crash finds its app.
 * `onTakeover` hears of a stale lock taken over (its holder died): never silently, as a
 * crashed holder may have left its app deployed on the domain.
 */
export async function lockDomain(
  runsDir: string,
  domain: string,
  purpose: string,
  runId?: string,
  onTakeover?: (line: string) => void,
): Promise<HeldLock> {
  const file = domainLockPath(runsDir, domain);
  const attempt = await tryAcquireLock(file, purpose, runId ? { runId } : {});
  if (!attempt.acquired) throw new DomainBusyError(domain, describeOwner(attempt.heldBy));
  if (attempt.tookOver) onTakeover?.(`app domain ${domain}: ${describeTakeover(file, attempt.tookOver)}`);
  return attempt.lock;
}
