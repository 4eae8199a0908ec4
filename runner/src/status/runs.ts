// Finding runs in <runsDir>: by id, or a recipe's newest. Run ids are
// `<UTC stamp>-<recipe>-<6 hex>` (src/run/run.ts), so a recipe's runs are found by name,
// including runs made by hand with `ccci run` (the sweep's attempts only know its own).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A run id that is safe as one path component. */
export function isRunId(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(value) && !value.includes('..');
}

function runIdPattern(recipe: string): RegExp {
  return new RegExp(`^\\d{8}T\\d{6}Z-${recipe.replace(/[-]/g, '\\-')}-[0-9a-f]{6}$`);
}

/** Whether `<runsDir>/<runId>` is a directory. */
export async function runExists(runsDir: string, runId: string): Promise<boolean> {
  if (!isRunId(runId)) return false;
  try {
    return (await stat(path.join(runsDir, runId))).isDirectory();
  } catch {
    return false;
  }
}

/** The recipe's run ids, newest first (the stamp leads the id, so name order is time order). */
export async function runsOfRecipe(runsDir: string, recipe: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pattern = runIdPattern(recipe);
  return names.filter((n) => pattern.test(n)).sort().reverse();
}

export function runLogPath(runsDir: string, runId: string): string {
  return path.join(runsDir, runId, 'run.log');
}
