// How the benchmark measures: every subject is a whole child process, started cold the
// way a timer or a shell starts it, timed from spawn to exit, with its peak resident
// memory and CPU time read from GNU time (`/usr/bin/time -f '%M %U %S'`: the largest RSS
// of the process and of every descendant it waited for, and the CPU seconds of all of
// them). On a shared machine the CPU time is the steadier figure: the neighbours' load
// stretches wall time but not the work done. Baseline and subject run in pairs, alternating
// which goes first, so drift and the neighbours' load hit both alike; a phase reports
// the median, min and max of each and the ratio of the medians.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface ChildRun {
  wallMs: number;
  /** Peak RSS in bytes; null without GNU time. */
  peakRssBytes: number | null;
  /** User + system CPU time of the process and its descendants; null without GNU time. */
  cpuMs: number | null;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ChildSpec {
  argv: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout (parsed by the caller); otherwise it is read and dropped, as a journal would. */
  keepStdout?: boolean;
}

export class BenchInvalid extends Error {}

let scratch: string | null = null;
async function scratchDir(): Promise<string> {
  scratch ??= await mkdtemp(path.join(os.tmpdir(), 'ccci-bench-time-'));
  return scratch;
}
export async function removeScratch(): Promise<void> {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = null;
}

let counter = 0;
/** Runs one child to completion: wall time from spawn to exit, peak RSS, output. */
export async function runChild(spec: ChildSpec): Promise<ChildRun> {
  const useTime = existsSync(GNU_TIME);
  const rssFile = useTime ? path.join(await scratchDir(), `rss-${process.pid}-${(counter += 1)}`) : null;
  const [program, ...args] = useTime ? [GNU_TIME, '-f', '%M %U %S', '-o', rssFile as string, ...spec.argv] : spec.argv;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(program as string, args, {
      cwd: spec.cwd ?? os.tmpdir(),
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      if (spec.keepStdout) out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const finish = async () => {
        let peakRssBytes: number | null = null;
        let cpuMs: number | null = null;
        if (rssFile) {
          const text = await readFile(rssFile, 'utf8').catch(() => '');
          // GNU time prints "Command exited with non-zero status N" first when it did.
          const [kib, user, system] = (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
          if (kib !== undefined && Number.isFinite(kib) && kib > 0) peakRssBytes = kib * 1024;
          if (user !== undefined && system !== undefined && Number.isFinite(user + system)) cpuMs = (user + system) * 1000;
          await rm(rssFile, { force: true });
        }
        resolve({
          wallMs,
          peakRssBytes,
          cpuMs,
          code,
          signal,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        });
      };
      finish().catch(reject);
    });
  });
}

export interface Stats {
  runs: number[];
  median: number;
  min: number;
  max: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function stats(values: readonly number[]): Stats {
  return { runs: [...values], median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

export interface Sample {
  wallMs: number;
  peakRssBytes: number | null;
  cpuMs: number | null;
}

export interface PairedResult {
  baseline: Stats;
  subject: Stats;
  /** Peak RSS over all runs, bytes (null without GNU time). */
  baselineRss: number | null;
  subjectRss: number | null;
  /** median(subject) / median(baseline). */
  ratio: number;
  /** The median of the per-pair ratios: what drift between pairs cannot move. */
  pairRatio: number;
  /** Median CPU time of each (null without GNU time or for in-process subjects). */
  baselineCpuMs: number | null;
  subjectCpuMs: number | null;
}

/**
 * `runs` pairs of (baseline, subject); odd pairs run the subject first. Each measure
 * function runs one whole measured thing and checks it did what it claims (throwing
 * BenchInvalid if not), and may prepare untimed state before timing (see Sample).
 */
export async function paired(
  runs: number,
  baseline: () => Promise<Sample>,
  subject: () => Promise<Sample>,
  onProgress: (line: string) => void = () => undefined,
): Promise<PairedResult> {
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let run = 0; run < runs; run += 1) {
    if (run % 2 === 0) {
      a.push(await baseline());
      b.push(await subject());
    } else {
      b.push(await subject());
      a.push(await baseline());
    }
    const last = (s: Sample[]) => ((s.at(-1) as Sample).wallMs / 1000).toFixed(3);
    onProgress(`  pair ${run + 1}/${runs}: baseline ${last(a)} s, subject ${last(b)} s`);
  }
  const peak = (s: Sample[]) => {
    const known = s.map((x) => x.peakRssBytes).filter((x): x is number => x !== null);
    return known.length > 0 ? Math.max(...known) : null;
  };
  const cpu = (s: Sample[]) => {
    const known = s.map((x) => x.cpuMs).filter((x): x is number => x !== null);
    return known.length === s.length ? median(known) : null;
  };
  const baselineStats = stats(a.map((s) => s.wallMs));
  const subjectStats = stats(b.map((s) => s.wallMs));
  return {
    baseline: baselineStats,
    subject: subjectStats,
    baselineRss: peak(a),
    subjectRss: peak(b),
    ratio: subjectStats.median / baselineStats.median,
    pairRatio: median(b.map((s, i) => s.wallMs / (a[i] as Sample).wallMs)),
    baselineCpuMs: cpu(a),
    subjectCpuMs: cpu(b),
  };
}

/** A child that must exit 0, or the numbers mean nothing. */
export async function runChecked(label: string, spec: ChildSpec): Promise<ChildRun> {
  const result = await runChild(spec);
  if (result.code !== 0) {
    throw new BenchInvalid(`${label} exited ${result.code ?? result.signal}: ${result.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return result;
}
