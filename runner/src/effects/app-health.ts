// "Healthy" for a deployed app: every service of its stack has converged (all desired
// replicas running), then the recipe's ready probe answers: an HTTP path with an accepted
// status, or a TCP port that accepts connections N checks in a row. The runner waits for
// this itself (abra deploys with --no-converge-checks: abra's own monitor gives up on slow
// apps that do converge later); an app whose tasks keep failing fails at once, not at the
// end of the deploy timeout.
//
// Converged means the *current* version runs, which the replica count alone does not
// say: right after an upgrade (a swarm service update, stop-first) the old task still
// runs, is counted, and answers HTTP while it stops, and the service's labels already
// name the new version (seen on a real engine). So a service has converged when its
// update is complete (or it was never updated), every replica it wants runs, and no task
// it no longer wants is still running; and that must hold on two polls in a row, since
// swarm starts an update a moment after the new spec is stored.
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceTasks, serviceUpdates, stackServices, type ServiceState } from './docker.js';
import { httpGet, splitIngress, tcpProbe, type HttpTarget } from './http.js';

export type HealthProbe =
  | { http: { path: string; statuses: readonly number[] } }
  | { tcp: { port: number; stableChecks: number } };

export type HealthResult = { ok: true; durationMs: number } | { ok: false; reason: string; durationMs: number };

/** A service that failed this many new tasks while we wait will not converge. */
export const FAILED_TASKS_LIMIT = 3;

export interface WaitHealthyOptions {
  target: HttpTarget;
  stack: string;
  probe: HealthProbe;
  timeoutMs: number;
  /** Per-request HTTP timeout. */
  requestTimeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

function aborted(signal?: AbortSignal): boolean {
  return signal?.aborted ?? false;
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    // aborted: the caller checks the signal
  }
}

export async function waitHealthy(options: WaitHealthyOptions): Promise<HealthResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const pollMs = options.pollMs ?? 500;
  const elapsed = () => Date.now() - started;
  let last = 'no services of the stack yet';
  // Failed tasks swarm remembers from before this wait (an earlier deploy) do not count.
  let earlierFailures: Set<string> | null = null;
  // 1. converge
  for (;;) {
    if (aborted(options.signal)) return { ok: false, reason: 'aborted while waiting to converge', durationMs: elapsed() };
    const services = await stackServices(options.stack, options.signal).catch((error: Error) => {
      last = `docker service ls failed: ${error.message}`;
      return null;
    });
    if (services && services.length > 0) {
      const verdict = await convergence(services, earlierFailures, options.signal);
      earlierFailures ??= verdict.failedTaskIds;
      if (verdict.failure) return { ok: false, reason: verdict.failure, durationMs: elapsed() };
      if (verdict.pending.length === 0) break;
      last = `not converged: ${verdict.pending.join(', ')}`;
    } else if (services) {
      last = `no services of stack ${options.stack} are deployed`;
    }
    if (Date.now() + pollMs > deadline) {
      return { ok: false, reason: `did not converge within ${options.timeoutMs / 1000} s (${last})`, durationMs: elapsed() };
    }
    await pause(pollMs, options.signal);
  }
  // 2. ready probe
  let stable = 0;
  for (;;) {
    if (aborted(options.signal)) return { ok: false, reason: 'aborted while probing readiness', durationMs: elapsed() };
    const remaining = Math.max(1, deadline - Date.now());
    if ('http' in options.probe) {
      const { path, statuses } = options.probe.http;
      const outcome = await httpGet(options.target, path, Math.min(options.requestTimeoutMs, remaining), options.signal);
      if (outcome.ok && statuses.includes(outcome.answer.status)) return { ok: true, durationMs: elapsed() };
      last = outcome.ok ? `GET ${path} answered ${outcome.answer.status}` : `GET ${path}: ${outcome.error}`;
    } else {
      const { port, stableChecks } = options.probe.tcp;
      const host = options.target.ingress === null ? options.target.domain : splitIngress(options.target.ingress).host;
      if (await tcpProbe(host, port, Math.min(options.requestTimeoutMs, remaining))) {
        stable += 1;
        if (stable >= stableChecks) return { ok: true, durationMs: elapsed() };
        last = `TCP ${host}:${port} up ${stable}/${stableChecks}`;
      } else {
        stable = 0;
        last = `TCP ${host}:${port} refused`;
      }
    }
    if (Date.now() + pollMs > deadline) {
      return { ok: false, reason: `not ready within ${options.timeoutMs / 1000} s (${last})`, durationMs: elapsed() };
    }
    await pause(pollMs, options.signal);
  }
}

interface Convergence {
  /** Services not converged yet, with why. */
  pending: string[];
  /** Why waiting longer cannot help (tasks keep failing, the update was paused or rolled back). */
  failure: string | null;
  failedTaskIds: Set<string>;
}

async function convergence(
  services: readonly ServiceState[],
  earlierFailures: Set<string> | null,
  signal?: AbortSignal,
): Promise<Convergence> {
  const names = services.map((s) => s.name);
  const [tasks, updates] = await Promise.all([serviceTasks(names, signal), serviceUpdates(names, signal)]);
  const failed = tasks.filter((t) => /^(Failed|Rejected)$/.test(t.state));
  const failedTaskIds = new Set(failed.map((t) => t.id));
  const pending: string[] = [];
  for (const service of services) {
    const update = updates.get(service.name);
    if (update && /^(paused|rollback_)/.test(update.state)) {
      const rolledBack = update.state.startsWith('rollback_') ? ' (swarm rolled back to the previous version)' : '';
      return { pending, failure: `${service.name}: update ${update.state}${rolledBack}: ${update.message}`, failedTaskIds };
    }
    const fresh = earlierFailures ? failed.filter((t) => t.service === service.name && !earlierFailures.has(t.id)) : [];
    if (fresh.length >= FAILED_TASKS_LIMIT) {
      return {
        pending,
        failure: `${service.name} keeps failing: ${fresh.length} tasks failed (${fresh[0]?.error || 'no error given'})`,
        failedTaskIds,
      };
    }
    const stopping = tasks.filter((t) => t.service === service.name && t.state === 'Running' && t.desired !== 'Running');
    if (service.desired === 0 || service.running < service.desired) pending.push(`${service.name} ${service.running}/${service.desired}`);
    else if (update?.state === 'updating' || update?.state === 'rollback_started') pending.push(`${service.name} updating`);
    else if (stopping.length > 0) pending.push(`${service.name}: ${stopping.length} old task(s) still running`);
  }
  return { pending, failure: null, failedTaskIds };
}
