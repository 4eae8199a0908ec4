// No state is ever half-written: write a temp file beside the target, fsync it,
// rename it over the target, fsync the directory. A crash at any point leaves
// either the old file or the new one, never a mix.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Test hook: called after the temp file is durable and before the rename. */
let beforeRename: ((tempPath: string, target: string) => void | Promise<void>) | null = null;
export function setBeforeRenameHook(hook: typeof beforeRename): void {
  beforeRename = hook;
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
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    if (options.mode !== undefined) await handle.chmod(options.mode);
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    if (beforeRename) await beforeRename(temp, target);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
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
