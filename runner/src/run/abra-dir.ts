// A run's own ABRA_DIR: servers/ and catalogue/ are links to the operator's (so the run
// deploys to the configured server), recipes/ is fresh: no run ever shares a recipe
// checkout (abra checks versions out in it).
import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';

export async function prepareRunAbraDir(runAbraDir: string, operatorAbraDir: string): Promise<void> {
  await mkdir(path.join(runAbraDir, 'recipes'), { recursive: true });
  for (const shared of ['servers', 'catalogue']) {
    const target = path.join(operatorAbraDir, shared);
    if (shared === 'servers' && !existsSync(target)) {
      throw new Error(`${target} does not exist: the operator's ABRA_DIR has no servers (abra server add ...)`);
    }
    if (!existsSync(target)) await mkdir(target, { recursive: true });
    await symlink(target, path.join(runAbraDir, shared));
  }
}

export function recipeCheckoutDir(runAbraDir: string, recipe: string): string {
  return path.join(runAbraDir, 'recipes', recipe);
}
