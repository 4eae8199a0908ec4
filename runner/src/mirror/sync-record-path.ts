// Where a recipe's sync record lives (see sync-record.ts for what it is).
import path from 'node:path';

export function syncRecordPath(cacheDir: string, recipe: string): string {
  return path.join(cacheDir, 'mirrors', `${recipe}.sync.json`);
}
