// Where a recipe's sync record lives and its schema number (see sync-record.ts for what it
// is): here, so that a reader of the record's plain fields need not load zod.
import path from 'node:path';

export function syncRecordPath(cacheDir: string, recipe: string): string {
  return path.join(cacheDir, 'mirrors', `${recipe}.sync.json`);
}

export const SYNC_RECORD_SCHEMA = 1;
