// Summarising the old sweep reports on a thread of their own while the dashboard reads
// the recipes. A first dashboard (no cache) of 90 nights of 400 recipes reads 23 MB of
// reports for their summaries: a sixth of its time on one thread, and the second core
// is free then (the file creator starts only once pages are made). A few files are
// summarised here: a thread's start costs more than they do. Whatever goes wrong with
// the thread, the summaries are made here instead (they are pure: same files, same
// answer).
import { Worker } from 'node:worker_threads';
import { summarizeHere, type SummarizeFiles, type SummaryOutcome } from '../status/sweep-reports.js';
import type { SummaryReply, SummaryRequest } from './summary-protocol.js';

const WORKER_URL = new URL('./summary-worker.js', import.meta.url);
/** Fewer files than this are summarised on the caller's thread. */
export const THREAD_FROM = 16;

function onThread(files: readonly string[], workerUrl: URL): Promise<SummaryOutcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl);
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    worker.once('message', (reply: SummaryReply) => {
      void worker.terminate();
      if (Array.isArray(reply?.outcomes) && reply.outcomes.length === files.length) resolve(reply.outcomes);
      else reject(new Error('the summary thread answered for other files'));
    });
    worker.once('error', fail);
    worker.once('exit', (code) => reject(new Error(`the summary thread stopped (exit ${code})`)));
    worker.postMessage({ files: [...files] } satisfies SummaryRequest);
  });
}

/**
 * A SummarizeFiles that uses a thread for many files. `onThreadFailure`: told why the
 * thread could not do it (the summaries are then made here); `workerUrl` for tests.
 */
export function summarizeOnThread(
  options: { threadFrom?: number; workerUrl?: URL; onThreadFailure?: (error: Error) => void } = {},
): SummarizeFiles {
  const threadFrom = options.threadFrom ?? THREAD_FROM;
  const workerUrl = options.workerUrl ?? WORKER_URL;
  return async (files) => {
    if (files.length < threadFrom) return summarizeHere(files);
    try {
      return await onThread(files, workerUrl);
    } catch (error) {
      options.onThreadFailure?.(error instanceof Error ? error : new Error(String(error)));
      return summarizeHere(files);
    }
  };
}
