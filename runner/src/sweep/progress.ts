// The sweep's progress. Not on a terminal (the journal, a pipe): one plain line per step
// of each recipe, `[3/21] plausible: run on 3.0.2+v2.0.1 …`, no colour or cursor codes.
// On a terminal: one live line per running recipe with its current step and elapsed
// time, redrawn in place, above which each recipe's result (and every warning) stays.
// An output gone away stops the progress, never the sweep (effects/output-stream.ts).
import { writeUnlessBroken } from '../effects/output-stream.js';

export interface Progress {
  step(index: number, total: number, recipe: string, message: string): void;
  line(message: string): void;
  /** The recipe's last line (its outcome). Without it, the sweep sends the outcome to step(). */
  done?(index: number, total: number, recipe: string, message: string): void;
  /** The sweep is over: a live display is cleared and its timer stopped. */
  close?(): void;
}

export interface RunningRecipe {
  index: number;
  total: number;
  recipe: string;
  step: string;
  startedMs: number;
}

function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Cut to `width` characters (code points), with an ellipsis when cut. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

/** The live lines: one per running recipe, in sweep order, none wider than `columns - 1`. Pure. */
export function liveLines(running: readonly RunningRecipe[], nowMs: number, columns: number): string[] {
  const width = Math.max(20, columns - 1);
  return [...running]
    .sort((a, b) => a.index - b.index)
    .map((r) => fit(`[${r.index}/${r.total}] ${r.recipe} ${elapsed(nowMs - r.startedMs).padStart(6)}  ${r.step}`, width));
}

/** Run log lines come indented; the live line shows them as the current step. */
function stepText(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.trim().replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** Messages that stay on screen even on a terminal (not only replaced by the next step). */
function isPermanent(message: string): boolean {
  return message.startsWith('warning') || message.startsWith('!!');
}

interface ProgressOptions {
  now?: () => number;
  /** Redraw period of the elapsed times, in ms; 0: only on new steps (tests). */
  redrawMs?: number;
  /**
   * Off a terminal: the lines of one turn of the event loop go out in one write, not one
   * write each. A no-op night prints three lines per recipe, and a write to the journal's
   * socket or a pipe costs 15-30 us of the main thread each. For a caller that writes
   * nothing else to the stream meanwhile (close() writes what is left).
   */
  gatherLines?: boolean;
}

function plainProgress(stream: NodeJS.WritableStream, gatherLines: boolean): Progress {
  let gathered = '';
  const flush = () => {
    const text = gathered;
    gathered = '';
    if (text !== '') writeUnlessBroken(stream, text);
  };
  const write = (text: string) => {
    if (!gatherLines) {
      writeUnlessBroken(stream, `${text}\n`);
      return;
    }
    if (gathered === '') setImmediate(flush);
    gathered += `${text}\n`;
  };
  return {
    step: (index, total, recipe, message) => write(`[${index}/${total}] ${recipe}: ${message}`),
    line: (message) => write(message),
    close: flush,
  };
}

function liveProgress(stream: NodeJS.WritableStream & { columns?: number }, options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const running = new Map<number, RunningRecipe>();
  let drawn = 0;
  let timer: NodeJS.Timeout | null = null;

  // Moves up over the live block and clears it, prints `permanent`, draws the block again.
  const redraw = (permanent: readonly string[] = []) => {
    let out = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : '';
    for (const line of permanent) out += `${line}\n`;
    const lines = liveLines([...running.values()], now(), stream.columns ?? 80);
    for (const line of lines) out += `${line}\n`;
    drawn = lines.length;
    if (out !== '') writeUnlessBroken(stream, out);
  };
  const ensureTimer = () => {
    if (timer || !options.redrawMs) return;
    timer = setInterval(() => {
      if (running.size > 0) redraw();
    }, options.redrawMs);
    timer.unref();
  };

  return {
    step(index, total, recipe, message) {
      const current = running.get(index);
      if (current) current.step = stepText(message);
      else running.set(index, { index, total, recipe, step: stepText(message), startedMs: now() });
      ensureTimer();
      redraw(isPermanent(message) ? [`[${index}/${total}] ${recipe}: ${message}`] : []);
    },
    done(index, total, recipe, message) {
      running.delete(index);
      redraw([`[${index}/${total}] ${recipe}: ${message}`]);
    },
    line(message) {
      redraw([message]);
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      running.clear();
      redraw();
    },
  };
}

/** Plain lines, or the live display when `stream` is a terminal. */
export function progressTo(stream: NodeJS.WritableStream, options: ProgressOptions = {}): Progress {
  const isTerminal = (stream as { isTTY?: boolean }).isTTY === true;
  return isTerminal ? liveProgress(stream, { redrawMs: 1000, ...options }) : plainProgress(stream, options.gatherLines ?? false);
}
