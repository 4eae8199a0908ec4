// The recipe's own functional tests: executables in <repo>/recipes/<name>/functional/,
// each run with the app's domain and base URL in its environment. Exit 0 = pass.
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execProgram, type ExecResult } from './exec.js';

/** Executable regular files of `dir`, sorted by name; [] when the directory does not exist. */
export async function listFunctionalExecutables(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    const info = await stat(file);
    if (!info.isFile()) continue;
    try {
      await access(file, constants.X_OK);
      found.push(file);
    } catch {
      // not executable: a helper file (README, data), not a test
    }
  }
  return found;
}

export async function runFunctionalExecutable(
  file: string,
  env: Record<string, string>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ExecResult> {
  return execProgram(file, [], {
    cwd: path.dirname(file),
    env,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
