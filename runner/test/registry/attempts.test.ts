import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NO_MEMORY, rememberAll } from '../../src/registry/attempt.js';
import {
  appendAttempt,
  archivedAttemptsPath,
  attemptStatePath,
  attemptsPath,
  compactAfter,
  readAttemptMemory,
  readAttempts,
  readLastAttempt,
  recordAttempt,
  redRuns,
  type Attempt,
} from '../../src/registry/attempts.js';
import { tempDir } from '../support/temp-dirs.js';

const RECIPE = 'ghost';

function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    at: '2026-11-26T03:00:00.000Z',
    sweepId: 's1',
    recipe: RECIPE,
    decision: 'run',
    tag: '1.0.0+5.0',
    commit: 'a'.repeat(40),
    runId: 'r1',
    verdict: 'red',
    level: 1,
    promoted: false,
    outcome: 'red',
    durationMs: 1000,
    ...overrides,
  };
}

/** A skipped night: the line every recipe gets when nothing is new. */
function quietNight(night: number): Attempt {
  return attempt({
    at: new Date(Date.UTC(2026, 0, 1) + night * 86_400_000).toISOString(),
    sweepId: `night-${night}`,
    decision: 'skip:no-new-version',
    tag: '1.1.0+5.1',
    commit: 'b'.repeat(40),
    runId: null,
    verdict: null,
    level: null,
    outcome: 'skipped',
    durationMs: 9,
  });
}

const stateDir = () => tempDir('ccci-attempts-');
const stateFile = (dir: string) => JSON.parse(readFileSync(attemptStatePath(dir, RECIPE), 'utf8')) as { covers: { bytes: number } };

test('attempts append in order and read back', async () => {
  const dir = stateDir();
  await appendAttempt(dir, attempt());
  await appendAttempt(dir, attempt({ tag: '1.1.0+5.1', verdict: 'green', promoted: true, outcome: 'promoted' }));
  const { attempts, badLines } = await readAttempts(dir, RECIPE);
  assert.equal(badLines, 0);
  assert.deepEqual(attempts.map((a) => a.tag), ['1.0.0+5.0', '1.1.0+5.1']);
  assert.deepEqual(redRuns(attempts), [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
});

test('a torn last line is counted and skipped, earlier lines survive', async () => {
  const dir = stateDir();
  await appendAttempt(dir, attempt());
  appendFileSync(attemptsPath(dir, RECIPE), '{"at":"2026-11-26T');
  const { attempts, badLines } = await readAttempts(dir, RECIPE);
  assert.equal(attempts.length, 1);
  assert.equal(badLines, 1);
});

test('no file: no attempts', async () => {
  const dir = stateDir();
  assert.deepEqual(await readAttempts(dir, RECIPE), { attempts: [], badLines: 0 });
  const read = await readAttemptMemory(dir, RECIPE);
  assert.deepEqual(read.memory, { red: [], last: null });
});

test('skipped recipes are not red runs', () => {
  assert.deepEqual(redRuns([attempt({ verdict: null, decision: 'skip:no-new-version', outcome: 'skipped' })]), []);
});

test('an interrupted run is never a red run, whatever verdict its line carries', () => {
  const interrupted = attempt({ outcome: 'interrupted', verdict: null });
  const interruptedRed = attempt({ outcome: 'interrupted', verdict: 'red', tag: '1.1.0+5.1' });
  assert.deepEqual(redRuns([interrupted, interruptedRed]), []);
  assert.deepEqual(redRuns([interrupted, attempt()]), [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
});

describe('the red memory is keyed on the verdict, not on the outcome', () => {
  test('an interrupted run (no verdict) never makes its tag known-red', () => {
    const memory = rememberAll(NO_MEMORY, [attempt({ verdict: null, outcome: 'interrupted', level: null })]);
    assert.deepEqual(memory.red, []);
  });
  test('an outcome spelled "red" without a red verdict is not a red run', () => {
    assert.deepEqual(rememberAll(NO_MEMORY, [attempt({ verdict: null, outcome: 'red' })]).red, []);
  });
  test('a red verdict is a red run whatever the outcome says', () => {
    assert.deepEqual(rememberAll(NO_MEMORY, [attempt({ outcome: 'promote-failed' })]).red, [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
  });
  test('each tag and commit once, in the order first seen', () => {
    const memory = rememberAll(NO_MEMORY, [
      attempt(),
      attempt({ tag: '2.0.0+1' }),
      attempt(),
      attempt({ commit: 'c'.repeat(40) }),
    ]);
    assert.deepEqual(
      memory.red.map((r) => `${r.tag}@${r.commit[0]}`),
      ['1.0.0+5.0@a', '2.0.0+1@a', '1.0.0+5.0@c'],
    );
  });
});

describe('the current state beside the history', () => {
  test('a run is recorded with its state at once; a quiet night only appends', async () => {
    const dir = stateDir();
    await recordAttempt(dir, attempt());
    const afterRun = stateFile(dir);
    assert.equal(afterRun.covers.bytes, statSync(attemptsPath(dir, RECIPE)).size, 'the state covers the red line');
    await recordAttempt(dir, quietNight(1));
    assert.deepEqual(stateFile(dir), afterRun, 'a quiet night leaves the state as it was');
    const read = await readAttemptMemory(dir, RECIPE);
    assert.equal(read.tailLines, 1);
    assert.equal(read.memory.last?.sweepId, 'night-1', 'the tail is read: the last attempt is the quiet night');
    assert.deepEqual(read.memory.red, [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
  });

  test('a quiet night writes the state once the tail reaches compactAfter', async () => {
    const dir = stateDir();
    await recordAttempt(dir, attempt({ verdict: 'green', outcome: 'promoted', promoted: true }));
    const limit = compactAfter(RECIPE);
    assert.ok(limit >= 8 && limit <= 23);
    for (let night = 1; night < limit; night += 1) await recordAttempt(dir, quietNight(night));
    assert.equal((await readAttemptMemory(dir, RECIPE)).tailLines, limit - 1);
    await recordAttempt(dir, quietNight(limit));
    const read = await readAttemptMemory(dir, RECIPE);
    assert.equal(read.tailLines, 0, 'compacted');
    assert.equal(stateFile(dir).covers.bytes, statSync(attemptsPath(dir, RECIPE)).size);
    assert.equal(read.memory.last?.sweepId, `night-${limit}`);
  });

  test('night 365 reads no more than night 2: the tail stays under compactAfter', async () => {
    const dir = stateDir();
    let known = await readAttemptMemory(dir, RECIPE);
    for (let night = 0; night < 365; night += 1) known = await recordAttempt(dir, quietNight(night), known);
    const read = await readAttemptMemory(dir, RECIPE);
    assert.ok(read.tailLines < compactAfter(RECIPE), `${read.tailLines} lines read after the state`);
    assert.equal(read.rebuilt, false);
    assert.equal((await readAttempts(dir, RECIPE)).attempts.length, 365, 'the history keeps every night');
  });

  test('histories from before the state file (365 nights of attempts.jsonl) are folded whole once, then kept', async () => {
    const dir = stateDir();
    mkdirSync(path.join(dir, RECIPE), { recursive: true });
    const lines = [attempt(), ...Array.from({ length: 364 }, (_, i) => quietNight(i + 1))].map((a) => JSON.stringify(a));
    writeFileSync(attemptsPath(dir, RECIPE), `${lines.join('\n')}\n`);
    const first = await readAttemptMemory(dir, RECIPE);
    assert.equal(first.rebuilt, true);
    assert.equal(first.tailLines, 365);
    assert.deepEqual(first.memory.red, [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
    await recordAttempt(dir, quietNight(365), first);
    assert.ok(existsSync(attemptStatePath(dir, RECIPE)), 'the first sweep writes the state');
    const next = await readAttemptMemory(dir, RECIPE);
    assert.equal(next.rebuilt, false);
    assert.equal(next.tailLines, 0);
    assert.deepEqual(next.memory.red, first.memory.red);
  });

  test('a crash between the history append and the state write loses no red memory', async () => {
    const dir = stateDir();
    await recordAttempt(dir, attempt({ verdict: 'green', outcome: 'promoted', promoted: true, tag: '0.9.0+1' }));
    const before = readFileSync(attemptStatePath(dir, RECIPE), 'utf8');
    // The append of recordAttempt (durable) without the state write that follows it.
    await appendAttempt(dir, attempt({ tag: '1.0.0+5.0' }));
    assert.equal(readFileSync(attemptStatePath(dir, RECIPE), 'utf8'), before, 'the state is the old one');
    const read = await readAttemptMemory(dir, RECIPE);
    assert.deepEqual(read.memory.red, [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
    assert.equal(read.memory.last?.outcome, 'red');
  });

  test('a crash inside the state write (temp file left, old state kept) loses nothing, and the next write cleans up', async () => {
    const dir = stateDir();
    await recordAttempt(dir, attempt());
    const leftover = path.join(dir, RECIPE, '.attempts.state.json.4242.deadbeef.tmp');
    writeFileSync(leftover, '{"schema":1,"half');
    await appendAttempt(dir, attempt({ tag: '2.0.0+1' }));
    const read = await readAttemptMemory(dir, RECIPE);
    assert.deepEqual(read.memory.red.map((r) => r.tag), ['1.0.0+5.0', '2.0.0+1']);
    await recordAttempt(dir, attempt({ tag: '3.0.0+1', verdict: 'green', outcome: 'promoted', promoted: true }), read);
    assert.equal(existsSync(leftover), false);
  });

  for (const [name, damage] of [
    ['missing', (dir: string) => renameSync(attemptStatePath(dir, RECIPE), `${attemptStatePath(dir, RECIPE)}.gone`)],
    ['not JSON', (dir: string) => writeFileSync(attemptStatePath(dir, RECIPE), '{ torn')],
    ['of another recipe', (dir: string) => writeFileSync(attemptStatePath(dir, RECIPE), readFileSync(attemptStatePath(dir, RECIPE), 'utf8').replace('"ghost"', '"plausible"'))],
    ['ahead of a truncated history', (dir: string) => truncateSync(attemptsPath(dir, RECIPE), 10)],
    [
      'of a history replaced by another file',
      (dir: string) => {
        const text = readFileSync(attemptsPath(dir, RECIPE), 'utf8');
        renameSync(attemptsPath(dir, RECIPE), `${attemptsPath(dir, RECIPE)}.old`);
        writeFileSync(attemptsPath(dir, RECIPE), `${text}${JSON.stringify(attempt({ tag: '9.0.0+1' }))}\n`);
      },
    ],
  ] as const) {
    test(`a state ${name} is not used: the memory is folded from the whole history`, async () => {
      const dir = stateDir();
      await recordAttempt(dir, attempt());
      await recordAttempt(dir, quietNight(1));
      damage(dir);
      const read = await readAttemptMemory(dir, RECIPE);
      assert.equal(read.rebuilt, true);
      const { attempts } = await readAttempts(dir, RECIPE);
      assert.deepEqual(read.memory, rememberAll(NO_MEMORY, attempts));
    });
  }

  test('a line torn by a crash does not swallow the next one', async () => {
    const dir = stateDir();
    await recordAttempt(dir, quietNight(1));
    appendFileSync(attemptsPath(dir, RECIPE), '{"at":"2026-11-26T0');
    await recordAttempt(dir, attempt({ tag: '4.0.0+1' }));
    const { attempts, badLines } = await readAttempts(dir, RECIPE);
    assert.equal(badLines, 1);
    assert.deepEqual(attempts.map((a) => a.tag), ['1.1.0+5.1', '4.0.0+1']);
    assert.deepEqual((await readAttemptMemory(dir, RECIPE)).memory.red.map((r) => r.tag), ['4.0.0+1']);
    appendFileSync(attemptsPath(dir, RECIPE), '{"torn":\n');
    assert.equal((await readLastAttempt(dir, RECIPE))?.tag, '4.0.0+1', 'the last whole attempt, not the bad line after it');
  });
});

describe('rotation', () => {
  test('the history is renamed, never rewritten, and a red tag stays known-red however old', async () => {
    const dir = stateDir();
    const limits = { rotateBytes: 2000 };
    let known = await recordAttempt(dir, attempt(), undefined, limits);
    const firstLine = readFileSync(attemptsPath(dir, RECIPE), 'utf8');
    for (let night = 1; night <= 40; night += 1) known = await recordAttempt(dir, quietNight(night), known, limits);
    const segments = readdirSync(path.join(dir, RECIPE)).filter((n) => /^attempts\.\d+\.jsonl$/.test(n));
    assert.ok(segments.length >= 3, `rotated ${segments.length} times`);
    assert.ok(readFileSync(archivedAttemptsPath(dir, RECIPE, 1), 'utf8').startsWith(firstLine), 'the oldest segment begins with the first line, unchanged');
    const { attempts } = await readAttempts(dir, RECIPE);
    assert.deepEqual(
      attempts.map((a) => a.sweepId),
      ['s1', ...Array.from({ length: 40 }, (_, i) => `night-${i + 1}`)],
      'every line, in order, across the segments',
    );
    assert.deepEqual((await readAttemptMemory(dir, RECIPE)).memory.red, [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
    // Without the state, the memory is folded from every segment again: the same red memory.
    renameSync(attemptStatePath(dir, RECIPE), `${attemptStatePath(dir, RECIPE)}.gone`);
    const rebuilt = await readAttemptMemory(dir, RECIPE);
    assert.equal(rebuilt.rebuilt, true);
    assert.deepEqual(rebuilt.memory.red, [{ tag: '1.0.0+5.0', commit: 'a'.repeat(40) }]);
  });

  test('a crash after the rename and before the new state loses nothing', async () => {
    const dir = stateDir();
    await recordAttempt(dir, quietNight(1));
    await recordAttempt(dir, attempt({ tag: '5.0.0+1' }));
    const before = await readAttemptMemory(dir, RECIPE);
    const archived = before.position.archived;
    // The rotation's rename, and the state write that follows it not done.
    renameSync(attemptsPath(dir, RECIPE), archivedAttemptsPath(dir, RECIPE, archived + 1));
    const after = await readAttemptMemory(dir, RECIPE);
    assert.equal(after.rebuilt, false, 'the state is followed into the renamed file');
    assert.deepEqual(after.memory, before.memory);
    await recordAttempt(dir, quietNight(2), after);
    const { attempts } = await readAttempts(dir, RECIPE);
    assert.deepEqual(attempts.map((a) => a.sweepId), ['night-1', 's1', 'night-2']);
  });
});

test('whatever the sequence of attempts and rotations, the memory is the fold of the whole history (property)', async () => {
  const arbitraryAttempt = fc.record({
    tag: fc.constantFrom('1.0.0+1', '1.1.0+1', '2.0.0+1'),
    commit: fc.constantFrom('a'.repeat(40), 'b'.repeat(40)),
    verdict: fc.constantFrom<Attempt['verdict']>('red', 'green', null),
    outcome: fc.constantFrom('skipped', 'skipped', 'skipped', 'red', 'promoted', 'error', 'interrupted'),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(arbitraryAttempt, { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 300, max: 5000 }),
      fc.array(fc.nat(60), { maxLength: 3 }),
      async (steps, rotateBytes, forgetAt) => {
        const dir = stateDir();
        let known: Awaited<ReturnType<typeof readAttemptMemory>> | undefined;
        for (const [i, step] of steps.entries()) {
          const a = attempt({ ...step, sweepId: `s${i}` });
          // Sometimes the sweep does not pass what it read (a new process, as each night is).
          known = await recordAttempt(dir, a, forgetAt.includes(i) ? undefined : known, { rotateBytes });
        }
        const { attempts } = await readAttempts(dir, RECIPE);
        assert.deepEqual(attempts.map((a) => a.sweepId), steps.map((_, i) => `s${i}`));
        const read = await readAttemptMemory(dir, RECIPE);
        assert.deepEqual(read.memory, rememberAll(NO_MEMORY, attempts));
        assert.deepEqual(known?.memory, read.memory, 'what recordAttempt returns is what a reader finds');
        assert.deepEqual(await readLastAttempt(dir, RECIPE), read.memory.last, "status's reader finds the same last attempt");
      },
    ),
    { numRuns: 60 },
  );
});
