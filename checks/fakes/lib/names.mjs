// Names both doubles, the fake ingress and the fixture app agree on.
import { createHash } from 'node:crypto';

/**
 * abra's stack name for an app domain: dots become underscores and the result is cut
 * at 45 characters (abra's MAX_SANITISED_APP_NAME_LENGTH, "to avoid runtime limits":
 * recalled from abra's source, not confirmed against a real abra here; see README).
 */
export const MAX_STACK_NAME_LENGTH = 45;
export function stackName(domain) {
  return domain.replace(/\./g, '_').slice(0, MAX_STACK_NAME_LENGTH);
}

/** The 127.0.0.1 port a fixture app listens on: checks/engine/fixture-app computes the same. */
export function fixturePort(domain) {
  const hex = createHash('md5').update(domain).digest('hex');
  return 20000 + (parseInt(hex.slice(0, 4), 16) % 20000);
}

export function appEnvKey(secret) {
  return `SECRET_${secret.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_VERSION`;
}
