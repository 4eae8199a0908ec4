// No state is ever half-written: write a temp file beside the target, fsync it,
// rename it over the target, fsync the directory. A crash at any point leaves
// either the old file or the new one, never a mix.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { failpoint } from './failpoint.js';

/** Test hook: called after the temp file is durable and before the rename. */
let beforeRename: ((tempPath: string, target: string) => void | Promise<void>) | null = null;
export function setBeforeRenameHook(hook: typeof beforeRename): void {
  beforeRename = hook;
}

/**
 * The temp name every writer here uses beside its target: `.<name>.<pid>.<8 hex>.tmp`.
 * The pid in it lets the clean-up after a crash (sweep/leftovers.ts) tell a dead
 * writer's leftover from a live writer's file.
 */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The writer's pid if `name` is a temp file name as tempPathFor makes them (also `.<name>.<pid>.tmp`), else null. */
export function tempFileWriter(name: string): number | null {
  // Read from the end: `.<pid>.<8 hex>.tmp` first. (Read with an optional hex part, a
  // hex of only digits, one name in 23, was taken for the pid: a live writer's file
  // then looked like a dead one's, and the cleanup removed it under the writer.)
  const match = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name) ?? /^\..+\.(\d+)\.tmp$/.exec(name);
  return match ? Number(match[1]) : null;
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `mode`, when given, is the file's mode exactly, whatever the process umask (the
 * sweep units run with UMask=0077, and some files must stay readable by others):
 * it is set on the temp file before the rename, so the target never has another.
 * Without it the file is created 0644 less the umask.
 */
export async function writeFileAtomic(
  target: string,
  content: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true });
  const temp = tempPathFor(target);
  const subject = path.basename(target);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    if (options.mode !== undefined) await handle.chmod(options.mode);
    failpoint('atomic-write:temp-created', subject);
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    failpoint('atomic-write:temp-durable', subject);
    if (beforeRename) await beforeRename(temp, target);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  failpoint('atomic-write:renamed', subject);
  await fsyncDirectory(dir);
}

export async function writeJsonAtomic(target: string, value: unknown, options: { mode?: number } = {}): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, options);
}

/** Appends one line durably (O_APPEND, then fsync): lines from a crash are whole or absent. */
export async function appendLineDurable(file: string, line: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o644);
  try {
    await handle.appendFile(`${line.replace(/\n/g, ' ')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
