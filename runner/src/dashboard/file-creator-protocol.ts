// The messages between file-creator.ts and its thread (file-creator-worker.ts).

export type CreatorRequest =
  | { kind: 'create'; file: string; content: string | Uint8Array; mode: number }
  | { kind: 'finish' };

export interface CreatorReply {
  kind: 'finished';
  /** The first file that could not be created, with why; null when all were. */
  failure: string | null;
}
