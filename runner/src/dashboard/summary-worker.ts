// The thread of summary-thread.ts: summarises the report files it is sent, in order, and
// answers with what each one gave (a summary, or why there is none).
import { parentPort } from 'node:worker_threads';
import { summarizeReportFile } from '../status/sweep-reports.js';
import type { SummaryReply, SummaryRequest } from './summary-protocol.js';

parentPort?.on('message', (request: SummaryRequest) => {
  const reply: SummaryReply = { outcomes: request.files.map(summarizeReportFile) };
  parentPort?.postMessage(reply);
});
