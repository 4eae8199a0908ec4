// One line per step of each recipe, readable in the journal: `[3/21] plausible: run on 3.0.2+v2.0.1 …`.
import { formatDuration } from '../cli/format.js';

export interface Progress {
  step(index: number, total: number, recipe: string, message: string): void;
  line(message: string): void;
}

export function progressTo(stream: NodeJS.WritableStream, now: () => number = Date.now): Progress & {
  timed(index: number, total: number, recipe: string, startedAt: number, message: string): void;
} {
  const write = (text: string) => stream.write(`${text}\n`);
  return {
    step: (index, total, recipe, message) => write(`[${index}/${total}] ${recipe}: ${message}`),
    line: (message) => write(message),
    timed: (index, total, recipe, startedAt, message) =>
      write(`[${index}/${total}] ${recipe}: ${message} (${formatDuration(now() - startedAt)})`),
  };
}
