// The messages between file-creator.ts and its thread (file-creator-worker.ts).

export interface FileToCreate {
  file: string;
  content: string | Uint8Array;
  mode: number;
}

export type CreatorRequest =
  /** Files to create, in order (several to a message: a message costs more than a small file's copy). */
  | { kind: 'create'; files: FileToCreate[] }
  | { kind: 'finish' };

export interface CreatorReply {
  kind: 'finished';
  /** The first file that could not be created, with why; null when all were. */
  failure: string | null;
}
