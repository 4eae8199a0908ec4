// How one recipe's mirror sync fails: at a named step. Apart from report.ts's schemas so
// that the sync's no-op path loads no zod.
export const SYNC_STEPS = [
  'token',
  'cache',
  'fetch-upstream',
  'read-mirror',
  'push',
  'verify',
  'update-cache',
  'list-prs',
  'close-pr',
] as const;
export type SyncStep = (typeof SYNC_STEPS)[number];

/** One recipe's sync failed at `step`. The message names both and never holds the token. */
export class MirrorSyncError extends Error {
  constructor(
    readonly recipe: string,
    readonly step: SyncStep,
    detail: string,
  ) {
    super(`mirror sync of ${recipe} failed at ${step}: ${detail}`);
    this.name = 'MirrorSyncError';
  }
}
