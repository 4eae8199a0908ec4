// Creating many new files while the caller goes on computing. A first dashboard is a
// thousand new files, and a file's creation is kernel work (the inode, the directory
// entry) of a quarter to half a millisecond on an ext4 without a journal, as on the
// development machines: done in turn with the rendering it doubled the time of the
// whole write. So the files are created by a thread of their own (but the first few,
// see INLINE_FIRST), as soon as each one's content is known, while the main thread reads
// the state and renders the next pages; `finish` waits for the last one. Nothing here
// makes them durable: the caller does, for all of them at once, once they are created
// (publish.ts says how).
import { Worker } from 'node:worker_threads';
import type { CreatorReply, CreatorRequest, FileToCreate } from './file-creator-protocol.js';
import { createNewFile } from './new-file.js';

const WORKER_URL = new URL('./file-creator-worker.js', import.meta.url);
/**
 * Files made here before the thread is started: a thread costs a start (tens of ms on a
 * busy machine), which a night that changes a few pages would wait for and never win back.
 */
const INLINE_FIRST = 64;
/**
 * Files sent to the thread in one message, at most (and fewer once their content passes
 * BATCH_BYTES): a message per file cost more than the copies (60 ms of a first
 * dashboard's main thread), and a few pages to a message still let the thread start at once.
 */
const BATCH_FILES = 16;
const BATCH_BYTES = 256 * 1024;

export class FileCreator {
  /** Every file asked for, in order (created, or being created). */
  readonly paths: string[] = [];
  private worker: Worker | null = null;
  private workerFailure: Error | null = null;
  /** Files for the thread, not sent yet. */
  private batch: FileToCreate[] = [];
  private batchBytes = 0;

  private thread: boolean;
  private readonly inlineFirst: number;

  /** `thread: false`: every file made on the caller's thread; `inlineFirst`: how many before the thread starts. */
  constructor(
    private readonly mode: number,
    options: { thread?: boolean; inlineFirst?: number } = {},
  ) {
    this.thread = options.thread ?? true;
    this.inlineFirst = options.inlineFirst ?? INLINE_FIRST;
  }

  /** Creates `file` (never replacing one) with `content` and the mode, soon. */
  create(file: string, content: string | Uint8Array): void {
    this.paths.push(file);
    if (this.worker === null && this.thread && this.paths.length > this.inlineFirst) {
      this.worker = this.startWorker();
      // (none could start: the rest are made here too)
      if (this.worker === null) this.thread = false;
    }
    if (!this.worker) {
      createNewFile(file, content, this.mode);
      return;
    }
    this.batch.push({ file, content, mode: this.mode });
    this.batchBytes += content.length;
    if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) this.send();
  }

  /** Sends the files not sent yet to the thread. */
  private send(): void {
    if (this.worker && this.batch.length > 0) this.worker.postMessage({ kind: 'create', files: this.batch } satisfies CreatorRequest);
    this.batch = [];
    this.batchBytes = 0;
  }

  /** Resolves once every file asked for exists; rejects naming the first that could not be made. */
  async finish(): Promise<void> {
    const worker = this.worker;
    if (this.workerFailure) throw this.workerFailure;
    if (!worker) return;
    this.send();
    const reply = await new Promise<CreatorReply>((resolve, reject) => {
      const onMessage = (message: CreatorReply) => {
        worker.off('error', onError).off('exit', onExit);
        resolve(message);
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage).off('exit', onExit);
        reject(new Error(`the dashboard's file creator failed: ${error.message}`));
      };
      const onExit = (code: number) => {
        worker.off('message', onMessage).off('error', onError);
        reject(new Error(`the dashboard's file creator stopped (exit ${code})`));
      };
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
      worker.postMessage({ kind: 'finish' } satisfies CreatorRequest);
    });
    if (reply.failure !== null) throw new Error(reply.failure);
  }

  /** Stops the thread; after a failure, waits until it creates nothing more. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    // (what was never sent is never made)
    this.batch = [];
    this.batchBytes = 0;
    if (worker) await worker.terminate();
  }

  /** The thread, or null when none can start (the files are then made on the caller's). */
  private startWorker(): Worker | null {
    try {
      const worker = new Worker(WORKER_URL);
      // Never what keeps the process alive: finish and close are awaited by the publish.
      worker.unref();
      worker.on('error', (error: Error) => {
        this.workerFailure ??= new Error(`the dashboard's file creator failed: ${error.message}`);
      });
      return worker;
    } catch {
      return null;
    }
  }
}
