// Output for whoever watches (progress, run logs, summaries): the work must not depend
// on it. A stream whose reader went away (`ccci sweep | head`, a closed terminal, the
// journal restarted) fails its writes with EPIPE, and node turns that into an 'error'
// event which, unhandled, ends the process: a sweep in mid-promote, a run before its
// teardown. Watched here, such a stream is only marked broken: its writers stop, the
// work goes on, and the records (sweep report, run results) say how it went.

export interface WatchedOutput {
  /** The stream has failed a write: write nothing more to it. */
  readonly broken: boolean;
}

const watched = new WeakMap<NodeJS.WritableStream, WatchedOutput>();

/** Watches `stream` for a failed write (once per stream, however often asked). */
export function watchOutput(stream: NodeJS.WritableStream): WatchedOutput {
  const known = watched.get(stream);
  if (known) return known;
  const state = { broken: false };
  stream.on('error', () => void (state.broken = true));
  watched.set(stream, state);
  return state;
}

/** Writes `text` unless the stream has failed before. */
export function writeUnlessBroken(stream: NodeJS.WritableStream, text: string): void {
  if (!watchOutput(stream).broken) stream.write(text);
}
