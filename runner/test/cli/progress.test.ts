// The sweep's progress: one plain line per step off a terminal (the journal), a live line
// per running recipe on one, redrawn in place.
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { fit, liveLines, progressTo } from '../../src/sweep/progress.js';

/** A writable that says it is a terminal, and a tiny terminal that interprets what it got. */
function fakeTerminal(columns = 60) {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  stream.isTTY = true;
  stream.columns = columns;
  let raw = '';
  stream.on('data', (c: Buffer) => (raw += c.toString()));
  return {
    stream,
    raw: () => raw,
    /** The screen after every cursor-up, carriage return and erase-below was applied. */
    screen(): string[] {
      const lines: string[] = [''];
      let row = 0;
      let col = 0;
      // eslint-disable-next-line no-control-regex
      const tokens = raw.match(/\x1b\[\d*[A-Za-z]|\r|\n|[^\x1b\r\n]/gu) ?? [];
      for (const t of tokens) {
        if (t === '\n') {
          row += 1;
          col = 0;
          if (lines.length <= row) lines.push('');
        } else if (t === '\r') col = 0;
        else if (t.startsWith('\x1b[')) {
          const n = Number(t.slice(2, -1) || '1');
          const op = t.at(-1);
          if (op === 'A') row = Math.max(0, row - n);
          else if (op === 'J') {
            lines[row] = (lines[row] ?? '').slice(0, col);
            lines.length = row + 1;
          } else throw new Error(`unexpected escape ${JSON.stringify(t)}`);
        } else {
          const line = lines[row] ?? '';
          lines[row] = line.slice(0, col).padEnd(col) + t + line.slice(col + 1);
          col += 1;
        }
      }
      return lines.filter((l, i) => l !== '' || i < lines.length - 1);
    },
  };
}

describe('progress off a terminal', () => {
  test('one plain line per step, no escape codes; the outcome is a step line too', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const p = progressTo(out);
    p.step(1, 2, 'ghost', 'mirror sync …');
    p.step(1, 2, 'ghost', '  $ abra app deploy x');
    p.line('dashboard: /x');
    assert.equal(p.done, undefined, 'the sweep falls back to step() for the outcome');
    assert.equal(text, '[1/2] ghost: mirror sync …\n[1/2] ghost:   $ abra app deploy x\ndashboard: /x\n');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /\x1b/);
  });
});

/** A stream that keeps each write apart; `fail` makes every write fail as a closed pipe does. */
function countingStream(fail = false): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (fail) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        return;
      }
      writes.push(chunk.toString());
      callback();
    },
  });
  return { stream, writes };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('progress off a terminal, lines gathered', () => {
  test("one turn's lines go out in one write, in order; close() writes what is left at once", async () => {
    const { stream, writes } = countingStream();
    const p = progressTo(stream, { gatherLines: true });
    p.step(1, 2, 'ghost', 'mirror sync …');
    p.step(2, 2, 'wiki', 'mirror sync …');
    p.line('cleanup: nothing');
    assert.deepEqual(writes, [], 'nothing written before the turn ends');
    await turn();
    assert.deepEqual(writes, ['[1/2] ghost: mirror sync …\n[2/2] wiki: mirror sync …\ncleanup: nothing\n']);
    p.step(1, 2, 'ghost', 'skipped');
    p.close?.();
    assert.equal(writes.at(-1), '[1/2] ghost: skipped\n', 'close wrote the rest');
    await turn();
    assert.equal(writes.length, 2, 'and nothing twice');
  });

  test('without gatherLines every line is its own write at once', () => {
    const { stream, writes } = countingStream();
    const p = progressTo(stream);
    p.step(1, 1, 'ghost', 'a');
    p.line('b');
    assert.deepEqual(writes, ['[1/1] ghost: a\n', 'b\n']);
  });

  test('an output gone away (EPIPE) stops the progress, not its caller', async () => {
    for (const gatherLines of [false, true]) {
      const { stream } = countingStream(true);
      let attempts = 0;
      const write = stream.write.bind(stream);
      stream.write = ((...args: Parameters<typeof write>) => {
        attempts += 1;
        return write(...args);
      }) as typeof stream.write;
      const p = progressTo(stream, { gatherLines });
      p.step(1, 1, 'ghost', 'mirror sync …');
      await turn();
      await turn();
      // The stream's 'error' came (an unhandled one would have ended this process).
      p.step(1, 1, 'ghost', 'promote 1.0.0');
      p.line('more');
      p.close?.();
      await turn();
      assert.equal(attempts, 1, `gatherLines ${gatherLines}: no write after the output failed`);
    }
  });
});

describe('progress on a terminal', () => {
  test('a live line per running recipe with its step and elapsed time, outcomes kept above', () => {
    let now = 0;
    const term = fakeTerminal(60);
    const p = progressTo(term.stream, { now: () => now, redrawMs: 0 });
    p.line('sweep s1: 3 enrolled recipe(s)');
    p.step(1, 3, 'ghost', 'mirror sync …');
    now = 2_000;
    p.step(2, 3, 'gitea', 'mirror sync …');
    now = 5_000;
    p.step(1, 3, 'ghost', 'run on 5.0.0+5.0 (abcdef12) …');
    now = 65_000;
    p.step(1, 3, 'ghost', '  $ abra app deploy ghos-123456.ci.example.org 5.0.0+5.0 --no-input -> exit 0 in 2 s');
    assert.deepEqual(term.screen(), [
      'sweep s1: 3 enrolled recipe(s)',
      '[1/3] ghost  1m05s  $ abra app deploy ghos-123456.ci.examp…', // 59 = columns - 1
      '[2/3] gitea  1m03s  mirror sync …',
    ]);
    p.step(2, 3, 'gitea', 'warning: tag-moved: tag 1.0.0 moved');
    p.done?.(2, 3, 'gitea', 'skipped: skip:no-new-version (1m03s)');
    now = 70_000;
    p.done?.(1, 3, 'ghost', 'promoted: canonical is now 5.0.0+5.0 (1m10s)');
    p.close?.();
    assert.deepEqual(term.screen(), [
      'sweep s1: 3 enrolled recipe(s)',
      '[2/3] gitea: warning: tag-moved: tag 1.0.0 moved',
      '[2/3] gitea: skipped: skip:no-new-version (1m03s)',
      '[1/3] ghost: promoted: canonical is now 5.0.0+5.0 (1m10s)',
    ]);
  });

  test('the elapsed time is redrawn while a step runs', async () => {
    let now = 0;
    const term = fakeTerminal(80);
    const p = progressTo(term.stream, { now: () => now, redrawMs: 5 });
    p.step(1, 1, 'mumble', 'run on 1.0.0+1 …');
    now = 42_000;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(term.screen(), ['[1/1] mumble    42s  run on 1.0.0+1 …']);
    p.close?.();
    assert.deepEqual(term.screen(), []);
  });

  test('live lines never wrap (the redraw counts lines) and carry no control character', () => {
    const lines = liveLines(
      [
        { index: 2, total: 9, recipe: 'b', step: 'x'.repeat(300), startedMs: 0 },
        { index: 1, total: 9, recipe: 'a', step: 'short', startedMs: 0 },
      ],
      3_600_000,
      40,
    );
    assert.deepEqual(lines.map((l) => [...l].length <= 39), [true, true]);
    assert.equal(lines[0], '[1/9] a  1h00m  short');
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('abc', 4), 'abc');
    const term = fakeTerminal(80);
    const p = progressTo(term.stream, { now: () => 0, redrawMs: 0 });
    p.step(1, 1, 'r', '  line with \u001b[31mcolour\u0007 and tab\tin it');
    assert.match(term.screen()[0] ?? '', /line with  \[31mcolour  and tab in it$/);
    p.close?.();
  });
});
