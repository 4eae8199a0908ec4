// "Healthy" for a deployed app: every service of its stack has converged (all desired
// replicas running), then the recipe's ready probe answers: an HTTP path with an accepted
// status, or a TCP port that accepts connections N checks in a row. The runner waits for
// this itself (abra deploys with --no-converge-checks: abra's own monitor gives up on slow
// apps that do converge later); an app whose tasks keep failing fails at once, not at the
// end of the deploy timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import { failedTasks, stackServices } from './docker.js';
import { httpGet, splitHostPort, tcpProbe, type HttpTarget } from './http.js';

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
  const earlierFailures = new Map<string, Set<string>>();
  // 1. converge
  for (;;) {
    if (aborted(options.signal)) return { ok: false, reason: 'aborted while waiting to converge', durationMs: elapsed() };
    const services = await stackServices(options.stack, options.signal).catch((error: Error) => {
      last = `docker service ls failed: ${error.message}`;
      return null;
    });
    if (services && services.length > 0) {
      const pending = services.filter((s) => s.desired === 0 || s.running < s.desired);
      if (pending.length === 0) break;
      last = `not converged: ${pending.map((s) => `${s.name} ${s.running}/${s.desired}`).join(', ')}`;
      for (const service of pending) {
        const failed = await failedTasks(service.name, options.signal);
        const earlier = earlierFailures.get(service.name);
        if (!earlier) {
          earlierFailures.set(service.name, new Set(failed.map((t) => t.id)));
          continue;
        }
        const fresh = failed.filter((t) => !earlier.has(t.id));
        if (fresh.length >= FAILED_TASKS_LIMIT) {
          return {
            ok: false,
            reason: `${service.name} keeps failing: ${fresh.length} tasks failed (${fresh[0]?.error ?? 'no error given'})`,
            durationMs: elapsed(),
          };
        }
      }
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
      const host = options.target.ingress === null ? options.target.domain : splitHostPort(options.target.ingress).host;
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
