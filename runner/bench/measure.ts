// Measuring one phase of the benchmark: wall time, this process's CPU time, peak
// resident memory (sampled, since process.resourceUsage().maxRSS only ever grows over
// the whole process), and every program the phase started (seen through observeArgv,
// so it counts exactly what went through execProgram).
import { observeArgv } from '../src/effects/exec.js';

export interface Measurement<T> {
  value: T;
  wallMs: number;
  /** CPU time of this node process (not of its children), user + system. */
  cpuMs: number;
  /** Highest RSS of this process sampled during the phase. */
  peakRssBytes: number;
  /** Programs started during the phase, by `program subcommand` (e.g. `git fetch`). */
  spawns: Map<string, number>;
  spawnTotal: number;
}

const SAMPLE_EVERY_MS = 5;

/** `git fetch …` -> `git fetch`: the program and its first non-option argument. */
export function spawnKey(argv: readonly string[]): string {
  const [program = '?', ...rest] = argv;
  const base = program.split('/').at(-1) ?? program;
  const sub = rest.find((arg) => !arg.startsWith('-'));
  return sub === undefined ? base : `${base} ${sub.split('/').at(-1) ?? sub}`;
}

export async function measure<T>(work: () => Promise<T>): Promise<Measurement<T>> {
  const spawns = new Map<string, number>();
  const stopObserving = observeArgv((argv) => {
    const key = spawnKey(argv);
    spawns.set(key, (spawns.get(key) ?? 0) + 1);
  });
  let peakRssBytes = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, SAMPLE_EVERY_MS);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  try {
    const value = await work();
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
    let spawnTotal = 0;
    for (const count of spawns.values()) spawnTotal += count;
    return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssBytes, spawns, spawnTotal };
  } finally {
    clearInterval(sampler);
    stopObserving();
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
