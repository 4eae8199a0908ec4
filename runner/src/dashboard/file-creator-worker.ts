// The thread of file-creator.ts: creates each file it is sent, in the order sent, and
// answers each `finish` with the first failure since the one before. After a failure it
// creates nothing more: the build it was writing is abandoned.
import { parentPort } from 'node:worker_threads';
import type { CreatorReply, CreatorRequest } from './file-creator-protocol.js';
import { createNewFile } from './new-file.js';

let failure: string | null = null;

parentPort?.on('message', (request: CreatorRequest) => {
  if (request.kind === 'finish') {
    const reply: CreatorReply = { kind: 'finished', failure };
    failure = null;
    parentPort?.postMessage(reply);
    return;
  }
  for (const { file, content, mode } of request.files) {
    if (failure !== null) return;
    try {
      createNewFile(file, content, mode);
    } catch (error) {
      failure = `${file}: ${(error as Error).message}`;
    }
  }
});
