// Named fault-injection points, in the spirit of etcd's gofail: the code calls
// failpoint('promote:record', recipe) at the places where a crash must be survivable,
// and the points do nothing unless the environment variable CCCI_FAILPOINTS enables
// them. The NixOS units never set it; the kill test (test/sweep/failpoints.test.ts)
// does, to SIGKILL a real `ccci sweep` at each point and check what it left.
//
//   CCCI_FAILPOINTS='<point>[@<subject>]=<action>[,…]'
//     point    one of FAILPOINTS below
//     subject  only when the call names this subject (a file's basename, a recipe)
//     action   kill    SIGKILL this process on the spot (a crash, a power cut)
//              error   throw an Error (a failure the code must handle)
//              enospc  throw an ENOSPC error (a full disk)
import { writeSync } from 'node:fs';
import { InputError } from '../config/errors.js';

export const FAILPOINT_ENV = 'CCCI_FAILPOINTS';

/** Every point, with what has happened and what has not when it fires. */
export const FAILPOINTS = {
  'lock:temp-written': 'the lock owner is in a private temp file; the lock is not taken',
  'lock:linked': 'the lock is taken; its temp file is not yet removed',
  'atomic-write:temp-created': 'the temp file exists and is empty; the target is untouched',
  'atomic-write:temp-durable': 'the temp file is written and fsynced; the target is untouched',
  'atomic-write:renamed': 'the temp file was renamed over the target; the directory is not yet fsynced',
  'snapshot:archive-written': 'one volume archive is written and hashed (checked as it was written); the snapshot is a build directory',
  'snapshot:meta-written': 'meta.json is in the build directory; the snapshot has no id yet',
  'snapshot:renamed': 'the snapshot has its id; no record names it',
  'snapshot-link:temp-created': 'a new snapshot symlink exists under a temp name; the link is unchanged',
  'promote:disk-guard': 'the promote begins; nothing of it has happened',
  'promote:prepare': 'the disk guard passed; no lock, no checkout, no app yet',
  'promote:deploy': 'the warm domain is locked and the app created; nothing deployed',
  'promote:health': 'the tested version is deployed on the warm domain',
  'promote:undeploy': 'the warm app is healthy and still deployed',
  'promote:snapshot': 'the warm app is undeployed; no snapshot yet',
  'promote:record': 'the new snapshot is complete and verified; canonical.json is the old one',
  'promote:verify': 'canonical.json names the new version (the commit point is passed)',
  'promote:linked': 'the snapshot link follows the new canonical; older snapshots are not yet pruned',
  'promote:done': 'older snapshots are pruned; the promote is not yet reported',
} as const;
export type FailpointName = keyof typeof FAILPOINTS;

export const FAILPOINT_ACTIONS = ['kill', 'error', 'enospc'] as const;
export type FailpointAction = (typeof FAILPOINT_ACTIONS)[number];

interface Rule {
  point: FailpointName;
  subject: string | null;
  action: FailpointAction;
}

export class FailpointError extends Error {
  constructor(readonly point: FailpointName, readonly subject: string | null) {
    super(`failpoint ${point}${subject ? `@${subject}` : ''}: injected failure`);
    this.name = 'FailpointError';
  }
}

/** Parses a CCCI_FAILPOINTS value; a typo is an error, never a point silently left off. */
export function parseFailpoints(spec: string): Rule[] {
  const rules: Rule[] = [];
  for (const item of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const match = /^([a-z:-]+)(?:@([^=]+))?=([a-z]+)$/.exec(item);
    if (!match) throw new InputError(`${FAILPOINT_ENV}: ${JSON.stringify(item)} is not <point>[@<subject>]=<action>`);
    const [, point = '', subject, action = ''] = match;
    if (!Object.hasOwn(FAILPOINTS, point)) {
      throw new InputError(`${FAILPOINT_ENV}: unknown failpoint ${JSON.stringify(point)} (known: ${Object.keys(FAILPOINTS).join(', ')})`);
    }
    if (!(FAILPOINT_ACTIONS as readonly string[]).includes(action)) {
      throw new InputError(`${FAILPOINT_ENV}: unknown action ${JSON.stringify(action)} (known: ${FAILPOINT_ACTIONS.join(', ')})`);
    }
    rules.push({ point: point as FailpointName, subject: subject ?? null, action: action as FailpointAction });
  }
  return rules;
}

let parsedFrom: string | undefined;
let rules: Rule[] = [];

/** The rules in effect (read again whenever the variable changes, so tests can set it in-process). */
function activeRules(): Rule[] {
  const spec = process.env[FAILPOINT_ENV];
  if (!spec) return [];
  if (spec !== parsedFrom) {
    rules = parseFailpoints(spec);
    parsedFrom = spec;
  }
  return rules;
}

/** Throws InputError when CCCI_FAILPOINTS is set but malformed (called before a sweep starts). */
export function checkFailpointSpec(): void {
  activeRules();
}

/** A failpoint: nothing happens unless CCCI_FAILPOINTS names it (and its subject, if given). */
export function failpoint(point: FailpointName, subject: string | null = null): void {
  const enabled = activeRules();
  if (enabled.length === 0) return;
  const rule = enabled.find((r) => r.point === point && (r.subject === null || r.subject === subject));
  if (!rule) return;
  const where = `${point}${subject ? `@${subject}` : ''}`;
  // Said synchronously before acting, so a test can tell this crash from any other.
  writeSync(2, `ccci: failpoint ${where}: ${rule.action}\n`);
  if (rule.action === 'kill') {
    process.kill(process.pid, 'SIGKILL');
    // The signal is delivered on the way back from the kill(2) call; never run on meanwhile.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  if (rule.action === 'enospc') {
    throw Object.assign(new Error(`ENOSPC: no space left on device (failpoint ${where})`), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
  }
  throw new FailpointError(point, subject);
}
