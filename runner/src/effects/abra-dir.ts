// An ABRA_DIR of our own for one piece of work (a run, a promote): servers/ and
// catalogue/ are the operator's (links), recipes/ is fresh, so no two pieces of work
// ever share a recipe checkout (abra moves the checkout to the version it deploys).
import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';

export async function createOwnAbraDir(dir: string, operatorAbraDir: string): Promise<string> {
  await mkdir(path.join(dir, 'recipes'), { recursive: true });
  for (const shared of ['servers', 'catalogue']) {
    const target = path.join(operatorAbraDir, shared);
    await mkdir(target, { recursive: true });
    const link = path.join(dir, shared);
    if (!existsSync(link)) await symlink(target, link);
  }
  return dir;
}
