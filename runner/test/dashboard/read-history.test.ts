// The dashboard's history reader: from its cached digest it reads only the window's lines
// and folds only the new ones, and says what a whole read says; an entry that does not
// fit the files is never used.
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { writeDashboard } from '../../src/dashboard/dashboard.js';
import { digestOf } from '../../src/dashboard/history-digest.js';
import { checkHistoryEntry, readRecipeHistory, type RecipeHistory } from '../../src/dashboard/read-history.js';
import { appendAttempt, attemptsPath, readAttempts, recordAttempt, type Attempt } from '../../src/registry/attempts.js';
import { attempt, configUnder, night, redAttempt } from './inputs.js';

const RECIPE = 'r';
/** The window of a 90-night dashboard at inputs.ts's NOW. */
const WINDOW_START = night(89).slice(0, 10);

describe('reading a history for the dashboard', () => {
  let stateDir: string;

  beforeEach(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'ccci-read-history-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  async function append(...attempts: Attempt[]): Promise<void> {
    for (const a of attempts) await appendAttempt(stateDir, a);
  }

  /** 120 nights: a red tag on night 110 (outside the window), a promotion on night 100, quiet since. */
  function longHistory(): Attempt[] {
    return Array.from({ length: 120 }, (_, i) => {
      const daysAgo = 120 - i;
      if (daysAgo === 110) return redAttempt(RECIPE, night(daysAgo), '0.9.0+1', 'run-old-red');
      if (daysAgo === 100) return attempt(RECIPE, night(daysAgo), { outcome: 'promoted', promoted: true, runId: 'run-p', tag: '1.0.0+1', verdict: 'green' });
      return attempt(RECIPE, night(daysAgo));
    });
  }

  /** What reading the whole history says, by the plain definition. */
  async function whole(): Promise<Pick<RecipeHistory, 'digest' | 'nightAttempts' | 'badLines'>> {
    const all = await readAttempts(stateDir, RECIPE);
    return { digest: digestOf(all.attempts), nightAttempts: all.attempts.filter((a) => a.at.slice(0, 10) >= WINDOW_START), badLines: all.badLines };
  }

  function said(read: RecipeHistory): Pick<RecipeHistory, 'digest' | 'nightAttempts' | 'badLines'> {
    return { digest: read.digest, nightAttempts: read.nightAttempts, badLines: read.badLines };
  }

  test('without an entry: the whole history, the window only for the nights, and an entry that skips the older lines', async () => {
    await append(...longHistory());
    const read = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    assert.deepEqual(said(read), await whole());
    assert.equal(read.nightAttempts.length, 89, 'nights 89 .. 1');
    assert.deepEqual(read.digest.red.map((r) => r.tag), ['0.9.0+1'], 'a red tag from before the window is still known');
    assert.ok(read.entry);
    const text = readFileSync(attemptsPath(stateDir, RECIPE), 'utf8');
    const lines = text.split('\n');
    assert.equal(read.entry.windowFrom, Buffer.byteLength(lines.slice(0, 31).join('\n')) + 1, 'the 31 lines before the window');
    assert.equal(read.entry.covers.bytes, Buffer.byteLength(text));
  });

  test('from an entry: the lines written since are folded on, and the answer is the whole read', async () => {
    await append(...longHistory());
    const first = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    await append(redAttempt(RECIPE, night(0, '02:00:00.000'), '1.1.0+1', 'run-new'), attempt(RECIPE, night(0, '09:00:00.000'), { tag: '1.1.0+1' }));
    appendBadLine();
    const next = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, roundTrip(first));
    assert.deepEqual(said(next), await whole());
    assert.equal(next.badLines, 1);
    assert.deepEqual(next.digest.red.map((r) => r.tag), ['0.9.0+1', '1.1.0+1']);
    assert.ok(next.entry && first.entry && next.entry.covers.bytes > first.entry.covers.bytes);
  });

  test('from an entry, the lines before its window are not read again', async () => {
    await append(...longHistory());
    const first = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    // Overwrite the first line in place (same inode, same size) with a line that is not an
    // attempt: a whole read counts it, a read from the entry never looks at it.
    const file = attemptsPath(stateDir, RECIPE);
    const firstLine = readFileSync(file, 'utf8').split('\n')[0] as string;
    const fd = openSync(file, 'r+');
    writeSync(fd, 'x'.repeat(Buffer.byteLength(firstLine)), 0);
    closeSync(fd);
    assert.equal((await whole()).badLines, 1);
    const next = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, roundTrip(first));
    assert.equal(next.badLines, 0);
    assert.deepEqual(next.digest, first.digest);
  });

  test('the window moving on moves the entry on with it', async () => {
    await append(...longHistory());
    const first = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    const later = night(80).slice(0, 10);
    const next = await readRecipeHistory(stateDir, RECIPE, later, roundTrip(first));
    assert.equal(next.nightAttempts.length, 80);
    assert.ok(next.entry && first.entry && next.entry.windowFrom > first.entry.windowFrom);
  });

  for (const [why, change] of [
    // Deleted and begun again, as long, without the red run (whether the inode number
    // comes back is the file system's business).
    ['the file deleted and begun again', (file: string) => {
      const size = readFileSync(file).length;
      unlinkSync(file);
      let text = '';
      for (let daysAgo = 140; Buffer.byteLength(text) <= size; daysAgo -= 1) text += `${JSON.stringify(attempt(RECIPE, night(daysAgo)))}\n`;
      writeFileSync(file, text);
    }],
    // The same inode and length, the last line covered written otherwise.
    ['the last line covered reads otherwise', (file: string) => {
      const text = readFileSync(file, 'utf8');
      const at = text.lastIndexOf('"outcome":"skipped"');
      writeFileSync(file, `${text.slice(0, at)}"outcome":"quieted"${text.slice(at + '"outcome":"skipped"'.length)}`, { flag: 'r+' });
    }],
    ['the file cut shorter', (file: string) => writeFileSync(file, readFileSync(file, 'utf8').split('\n').slice(0, 40).join('\n') + '\n')],
  ] as const) {
    test(`an entry that no longer fits is not used: ${why}`, async () => {
      await append(...longHistory());
      const first = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
      change(attemptsPath(stateDir, RECIPE));
      const next = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, roundTrip(first));
      assert.deepEqual(said(next), await whole());
      assert.notDeepEqual(said(next), said(first), 'the history read is not the one cached');
    });
  }

  test('an entry is not used for a window that begins earlier than its own', async () => {
    await append(...longHistory());
    const first = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    const earlier = night(115).slice(0, 10);
    const next = await readRecipeHistory(stateDir, RECIPE, earlier, roundTrip(first));
    assert.equal(next.nightAttempts.length, 115);
  });

  test('a rotation since the entry: the whole history; a window reaching into a rotated segment is shown and not cached', async () => {
    const attempts = longHistory();
    for (const a of attempts.slice(0, 100)) await appendAttempt(stateDir, a);
    const first = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    // The next attempt that writes the state rotates the file (a tiny rotation size).
    await recordAttempt(stateDir, attempts[100] as Attempt, undefined, { rotateBytes: 1 });
    for (const a of attempts.slice(101)) await appendAttempt(stateDir, a);
    assert.ok(readdirSync(path.dirname(attemptsPath(stateDir, RECIPE))).includes('attempts.1.jsonl'));
    const next = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, roundTrip(first));
    assert.deepEqual(said(next), await whole());
    assert.equal(next.entry, null, 'the window begins in attempts.1.jsonl');
    const later = await readRecipeHistory(stateDir, RECIPE, night(19).slice(0, 10), undefined);
    assert.ok(later.entry, 'a window inside attempts.jsonl is cached again');
  });

  test('no history yet: nothing, and an entry that a first line makes unfit', async () => {
    const none = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, undefined);
    assert.deepEqual(said(none), { digest: digestOf([]), nightAttempts: [], badLines: 0 });
    await append(attempt(RECIPE, night(1)));
    const next = await readRecipeHistory(stateDir, RECIPE, WINDOW_START, roundTrip(none));
    assert.equal(next.nightAttempts.length, 1);
  });

  test('a cache entry is checked field by field: anything else is no entry', () => {
    assert.equal(checkHistoryEntry(null), undefined);
    assert.equal(checkHistoryEntry({}), undefined);
    const entry = {
      covers: { archived: 0, ino: 12, bytes: 100 },
      digest: digestOf([attempt(RECIPE, night(1))]),
      badLines: 0,
      windowStart: WINDOW_START,
      windowFrom: 0,
      lastLine: '{"at":"..."}',
    };
    assert.deepEqual(checkHistoryEntry(JSON.parse(JSON.stringify(entry))), entry);
    for (const broken of [
      { ...entry, covers: { ...entry.covers, bytes: -1 } },
      { ...entry, windowStart: 'yesterday' },
      { ...entry, digest: { ...entry.digest, recent: [{ attempt: { at: 1 }, since: 'x', count: 1 }] } },
      { ...entry, digest: { ...entry.digest, red: [{ tag: 't', commit: null, firstAt: 'a', lastAt: 'b', count: 0, runId: null }] } },
      { ...entry, extra: true },
      { ...entry, lastLine: 5 },
    ]) {
      assert.equal(checkHistoryEntry(JSON.parse(JSON.stringify(broken))), undefined, JSON.stringify(broken).slice(0, 120));
    }
  });

  function appendBadLine(): void {
    writeFileSync(attemptsPath(stateDir, RECIPE), '{"torn": \n', { flag: 'a' });
  }
});

/** An entry as the next dashboard gets it: through the cache file's JSON and its check. */
function roundTrip(read: RecipeHistory) {
  assert.ok(read.entry, 'the read left an entry');
  const entry = checkHistoryEntry(JSON.parse(JSON.stringify(read.entry)));
  assert.ok(entry, 'the entry passes its own check');
  return entry;
}

describe('the dashboard keeps the digests in its cache', () => {
  test('a dashboard written from the cache is the one written without it, byte for byte', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-dash-cache-'));
    try {
      const config = configUnder(root, { recipes: { [RECIPE]: {} } });
      for (let daysAgo = 120; daysAgo >= 2; daysAgo -= 1) {
        await appendAttempt(config.stateDir, daysAgo === 110 ? redAttempt(RECIPE, night(daysAgo), '0.9.0+1', 'run-old') : attempt(RECIPE, night(daysAgo)));
      }
      const out = path.join(root, 'dashboard');
      const now = new Date(night(1, '12:00:00.000'));
      await writeDashboard(config, out, { now });
      const cache = JSON.parse(readFileSync(path.join(out, '.cache.json'), 'utf8')) as { histories: Record<string, unknown> };
      assert.ok(checkHistoryEntry(cache.histories[RECIPE]), 'the digest was kept');

      await appendAttempt(config.stateDir, redAttempt(RECIPE, night(1), '1.1.0+1', 'run-new'));
      await writeDashboard(config, out, { now });
      const fromCache = readFileSync(path.join(out, 'recipes', `${RECIPE}.html`), 'utf8');
      rmSync(path.join(out, '.cache.json'));
      await writeDashboard(config, out, { now });
      const withoutCache = readFileSync(path.join(out, 'recipes', `${RECIPE}.html`), 'utf8');
      assert.equal(fromCache, withoutCache);
      assert.match(fromCache, /0\.9\.0\+1/, 'the red tag from before the window is shown');
      assert.match(fromCache, /1\.1\.0\+1/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
