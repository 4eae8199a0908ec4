// Many runs of one program through one bash: each run's own argv, status and output,
// each answered as it ends, never more at once than asked; and whatever goes wrong with
// the batch itself, the runs are answered the usual way (execProgram), never guessed.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { answerReader, execEach, type BatchAnswer } from '../../src/effects/exec-batch.js';
import { execChecked, observeArgv } from '../../src/effects/exec.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ccci-exec-batch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const options = { cwd: dir, concurrency: 3, timeoutMs: 60_000 };

/** The argv of every program started while `work` runs. */
async function argvsDuring(work: () => Promise<void>): Promise<string[][]> {
  const seen: string[][] = [];
  const stop = observeArgv((argv) => seen.push([...argv]));
  try {
    await work();
  } finally {
    stop();
  }
  return seen;
}

const batchesOf = (argvs: string[][]) => argvs.filter((argv) => argv[0] === 'bash');
const directOf = (argvs: string[][], program: string) => argvs.filter((argv) => argv[0] === program);

/** A directory for PATH holding `bash` (a stand-in written in sh) and the real printf and sleep. */
async function pathWithBash(script: string | null): Promise<string> {
  const bin = mkdtempSync(path.join(dir, 'bin-'));
  for (const tool of ['printf', 'sleep', 'sh']) {
    // The program file (the shell's `command -v` would name its builtin).
    const found = (process.env.PATH ?? '').split(':').map((d) => path.join(d, tool)).find((file) => existsSync(file));
    assert.ok(found, `${tool} is on PATH`);
    symlinkSync(found, path.join(bin, tool));
  }
  if (script !== null) {
    writeFileSync(path.join(bin, 'bash'), `#!/bin/sh\n${script}\n`);
    chmodSync(path.join(bin, 'bash'), 0o755);
  }
  return bin;
}

describe('execEach', () => {
  test('each run gets the fixed arguments and its own last one verbatim, answers in their order', async () => {
    const lasts = ['plain', '', 'two words', '$(touch pwned)', "'quoted' \"both\"", 'line\nbreak', '--looks-like-an-option', '*'];
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('printf', ['[%s|%s]', 'fixed arg'], lasts, options);
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(
        results.map((r) => r.stdout),
        lasts.map((last) => `[fixed arg|${last}]`),
      );
      for (const [i, result] of results.entries()) {
        assert.equal(result.exitCode, 0);
        assert.deepEqual(result.argv, ['printf', '[%s|%s]', 'fixed arg', lasts[i]]);
      }
    });
    assert.equal(batchesOf(argvs).length, 1, 'one bash started them all');
    assert.equal(directOf(argvs, 'printf').length, 0, 'no run was started by node itself');
    assert.equal(existsSync(path.join(dir, 'pwned')), false);
  });

  test("each result is that run's own exit status, stdout and stderr; the environment reaches every run", async () => {
    const batch = await execEach('sh', ['-c', 'echo "out $1 $CCCI_TEST_VAR"; echo "err $1" >&2; exit "$1"', 'sh'], ['0', '3', '7'], {
      ...options,
      env: { CCCI_TEST_VAR: 'from-env' },
    });
    const results = await Promise.all(batch.results);
    await batch.close();
    assert.deepEqual(
      results.map((r) => [r.exitCode, r.signal, r.stdout, r.stderr]),
      [
        [0, null, 'out 0 from-env\n', 'err 0\n'],
        [3, null, 'out 3 from-env\n', 'err 3\n'],
        [7, null, 'out 7 from-env\n', 'err 7\n'],
      ],
    );
  });

  test('a run that wrote nothing to stderr gets an empty stderr; one that did gets it whole, even when stdout is empty', async () => {
    const batch = await execEach('sh', ['-c', 'if [ "$1" = err ]; then printf "only err" >&2; else printf "$1"; fi', 'sh'], ['err', 'out', 'err'], options);
    const results = await Promise.all(batch.results);
    await batch.close();
    assert.deepEqual(results.map((r) => [r.stdout, r.stderr]), [['', 'only err'], ['out', ''], ['', 'only err']]);
  });

  test('outputs come back byte for byte: newlines kept, multibyte text, longer than a pipe holds, one run after another in a slot', async () => {
    const long = 'x'.repeat(100_000);
    // Each run prints what its argument names (stdout, then stderr), so that the runs
    // sharing a slot print outputs of different lengths: none may keep a piece of another's.
    const script = 'case "$1" in long) s=x; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do s="$s$s"; done; printf "%s" "$s" ;; nl) printf "\\n\\na\\n\\n" ;; utf) printf "ünï ✓\\n" >&2 ;; *) printf "%s" "$1" ;; esac';
    const lasts = ['long', 'nl', 'utf', 'short', 'long', 'nl', 'utf', 'short'];
    const batch = await execEach('sh', ['-c', script, 'sh'], lasts, { ...options, concurrency: 2 });
    const results = await Promise.all(batch.results);
    await batch.close();
    const expected: Record<string, [string, string]> = { long: ['x'.repeat(2 ** 17), ''], nl: ['\n\na\n\n', ''], utf: ['', 'ünï ✓\n'], short: ['short', ''] };
    assert.deepEqual(
      results.map((r) => [r.exitCode, r.stdout, r.stderr]),
      lasts.map((last) => [0, ...(expected[last] as [string, string])]),
    );
    // And one long output whole, through the same batch machinery.
    const longBatch = await execEach('printf', ['%s'], [long, 'b'], options);
    const [first, second] = await Promise.all(longBatch.results);
    await longBatch.close();
    assert.equal(first?.stdout.length, long.length);
    assert.equal(first?.stdout, long);
    assert.equal(second?.stdout, 'b');
  });

  test('the runs share one pair of files per slot: the directory never holds more than the slots and the script', async () => {
    const outputs = path.join(dir, '.listings.2.5107cafe.tmp');
    // Each run lists the outputs' directory (its own files are open by then).
    const lasts = Array.from({ length: 12 }, (_, i) => String(i));
    const batch = await execEach('sh', ['-c', 'ls -A "$0" | sort | tr "\\n" " "', outputs], lasts, { ...options, concurrency: 3, dir: outputs });
    const results = await Promise.all(batch.results);
    await batch.close();
    const seen = new Set(results.flatMap((r) => r.stdout.trim().split(' ')));
    assert.deepEqual([...seen].sort(), ['0.err', '0.out', '1.err', '1.out', '2.err', '2.out', 'batch.bash']);
  });

  test('a run whose slot files are removed while it runs is still answered whole, by the batch', async () => {
    const outputs = path.join(dir, '.listings.3.0ddba11a.tmp');
    // The run removes its slot's files (as an outsider's cleanup might) and then prints:
    // the batch holds them open, so the answer is still the program's own.
    const script = 'rm -f "$0"/*.out "$0"/*.err; echo "listing $1"; echo "note $1" >&2';
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('sh', ['-c', script, outputs], ['a', 'b', 'c'], { ...options, concurrency: 1, dir: outputs });
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(
        results.map((r) => [r.exitCode, r.stdout, r.stderr]),
        ['a', 'b', 'c'].map((last) => [0, `listing ${last}\n`, `note ${last}\n`]),
      );
    });
    assert.deepEqual(directOf(argvs, 'sh'), [], 'no run was asked again');
  });

  test("a run holds its own slot's files as stdout and stderr, and no other descriptor of the batch's", async () => {
    const outputs = path.join(dir, '.listings.6.5e1f5e1f.tmp');
    // Each run names every descriptor it holds into the outputs' directory.
    const script = 'for fd in /proc/$$/fd/*; do t=$(readlink "$fd") || continue; case "$t" in "$0"/*) echo "${fd##*/} ${t##*/}" ;; esac; done';
    const batch = await execEach('sh', ['-c', script, outputs], ['0', '1', '2', '3', '4', '5'], { ...options, concurrency: 2, dir: outputs });
    const results = await Promise.all(batch.results);
    await batch.close();
    for (const result of results) {
      const held = result.stdout.trim().split('\n').sort();
      assert.equal(held.length, 2, `held: ${held.join(', ')}`);
      const [stdoutFile, stderrFile] = [held[0]?.split(' ')[1], held[1]?.split(' ')[1]];
      assert.match(held[0] ?? '', /^1 [01]\.out$/);
      assert.equal(stderrFile, stdoutFile?.replace('.out', '.err'));
      assert.match(held[1] ?? '', /^2 [01]\.err$/);
    }
  });

  test('a run whose output holds a NUL byte is run again the usual way, and its answer is whole', async () => {
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('printf', ['%s\\0tail'], ['nul', 'b'], options);
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(results.map((r) => [r.exitCode, r.stdout]), [[0, 'nul\0tail'], [0, 'b\0tail']]);
    });
    assert.equal(batchesOf(argvs).length, 1);
    // (Started in the order bash answered them, the order the runs ended: compared as a set.)
    const direct = directOf(argvs, 'printf').sort((a, b) => String(a[2]).localeCompare(String(b[2])));
    assert.deepEqual(direct, [['printf', '%s\\0tail', 'b'], ['printf', '%s\\0tail', 'nul']]);
  });

  test("after an output with NUL bytes, the slot's next run is answered with its own output only", async () => {
    // One slot: the runs after the one printing NULs read on where it ended.
    const script = 'case "$0" in nul*) printf "a\\0b\\0c" ; printf "x\\0y" >&2 ;; *) printf "%s" "$0" ; printf "e-%s" "$0" >&2 ;; esac';
    const lasts = ['plain-1', 'nul-1', 'plain-2', 'nul-2', 'plain-3'];
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('sh', ['-c', script], lasts, { ...options, concurrency: 1 });
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(
        results.map((r) => [r.stdout, r.stderr]),
        lasts.map((last) => (last.startsWith('nul') ? ['a\0b\0c', 'x\0y'] : [last, `e-${last}`])),
      );
    });
    assert.deepEqual(directOf(argvs, 'sh').map((argv) => argv[3]), ['nul-1', 'nul-2'], 'only the runs with NULs were asked again');
  });

  test('a run killed by a signal says which; a program that does not exist exits 127', async () => {
    const killed = await execEach('sh', ['-c', 'kill -KILL $$', 'sh'], ['x'], options);
    const [dead] = await Promise.all(killed.results);
    await killed.close();
    assert.equal(dead?.exitCode, null);
    assert.equal(dead?.signal, 'SIGKILL');
    const missing = await execEach('ccci-no-such-program', [], ['x'], options);
    const [none] = await Promise.all(missing.results);
    await missing.close();
    assert.equal(none?.exitCode, 127);
  });

  test('never more than `concurrency` runs at once', async () => {
    const room = path.join(dir, 'room');
    mkdirSync(room);
    // Each run enters the room, counts who is in it, stays a moment, leaves.
    const script = 'touch "$0/$1"; ls "$0" | wc -l > "$0.$1"; sleep 0.1; rm "$0/$1"';
    const lasts = Array.from({ length: 8 }, (_, i) => `run${i}`);
    const batch = await execEach('sh', ['-c', script, room], lasts, { ...options, concurrency: 2 });
    const results = await Promise.all(batch.results);
    await batch.close();
    assert.ok(results.every((r) => r.exitCode === 0));
    const { stdout } = await execChecked('sh', ['-c', `cat "${room}".run*`], { cwd: dir });
    const counts = stdout.trim().split('\n').map(Number);
    assert.equal(counts.length, 8);
    assert.ok(Math.max(...counts) <= 2, `at most 2 at once, saw ${Math.max(...counts)}`);
  });

  test('each run is answered as it ends, not when the whole batch does', async () => {
    const go = path.join(dir, 'go');
    // The first run waits for a file the test makes only once the second run's answer came.
    const batch = await execEach('sh', ['-c', `if [ "$1" = wait ]; then while [ ! -e '${go}' ]; do sleep 0.02; done; fi; echo "$1"`, 'sh'], ['wait', 'quick'], options);
    const quick = await batch.results[1];
    assert.equal(quick?.stdout, 'quick\n');
    writeFileSync(go, '');
    assert.equal((await batch.results[0])?.stdout, 'wait\n');
    await batch.close();
  });

  test('without bash every run is answered the usual way, with the same result', async () => {
    const bin = await pathWithBash(null);
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('printf', ['<%s>'], ['a', 'b c'], { ...options, env: { PATH: bin } });
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(results.map((r) => [r.exitCode, r.stdout]), [[0, '<a>'], [0, '<b c>']]);
    });
    assert.equal(batchesOf(argvs).length, 1, 'the batch was tried');
    assert.deepEqual(directOf(argvs, 'printf'), [['printf', '<%s>', 'a'], ['printf', '<%s>', 'b c']]);
  });

  test("a run whose status bash lost is run again the usual way; the batch's other answers stand", async () => {
    // A stand-in bash: it answers run 1 itself (as the script answers) and reports run 0 lost.
    const bin = await pathWithBash(`echo '0 lost'; printf '1 5\\nfrom the batch\\0\\0'`);
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('printf', ['<%s>'], ['zero', 'one'], { ...options, env: { PATH: `${bin}:/usr/bin:/bin` } });
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(results.map((r) => [r.exitCode, r.stdout]), [[0, '<zero>'], [5, 'from the batch']]);
    });
    assert.deepEqual(directOf(argvs, 'printf'), [['printf', '<%s>', 'zero']], 'only the lost run was run again');
  });

  test("the real script: a run whose status `wait` lost is answered lost, and the slot's next run reads its own output only", async () => {
    // bash losing a status cannot be made to happen on purpose, so the batch's bash gets,
    // through BASH_ENV (read before the script), a `wait` that reaps as the builtin does
    // but forgets which run every second time: the script's own lost path then answers it.
    const shim = path.join(dir, 'forgetful-wait.bash');
    writeFileSync(shim, 'waits=0\nwait() { builtin wait "$@"; local status=$?; waits=$((waits + 1)); ((waits % 2)) || pid=; return "$status"; }\n');
    const script = 'printf "out-%s" "$0"; printf "err-%s" "$0" >&2';
    const lasts = ['a', 'b', 'c', 'd', 'e'];
    const argvs = await argvsDuring(async () => {
      // One slot: every run after a lost one reads on where the lost one's output lies.
      const batch = await execEach('sh', ['-c', script], lasts, { ...options, concurrency: 1, env: { BASH_ENV: shim } });
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(
        results.map((r) => [r.exitCode, r.stdout, r.stderr]),
        lasts.map((last) => [0, `out-${last}`, `err-${last}`]),
      );
    });
    assert.equal(batchesOf(argvs).length, 1);
    // (The shim reaches the runs too, but they are sh: only bash reads BASH_ENV.)
    assert.deepEqual(directOf(argvs, 'sh').map((argv) => argv[3]), ['b', 'd'], 'the runs whose status was lost, and only they, were asked again');
  });

  test('an answer the script never gives: nothing after it is trusted, the rest is run the usual way', async () => {
    const bin = await pathWithBash(`printf '0 0\\nx\\0\\0garbage\\n1 9\\n\\0\\0'`);
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('printf', ['<%s>'], ['zero', 'one'], { ...options, env: { PATH: `${bin}:/usr/bin:/bin` } });
      const results = await Promise.all(batch.results);
      await batch.close();
      assert.deepEqual(results.map((r) => [r.exitCode, r.stdout]), [[0, 'x'], [0, '<one>']]);
    });
    assert.deepEqual(directOf(argvs, 'printf'), [['printf', '<%s>', 'one']]);
  });

  test('a batch in which no run ends for timeoutMs is given up and its runs are run the usual way', async () => {
    const bin = await pathWithBash('exec sleep 30');
    const started = Date.now();
    const batch = await execEach('printf', ['<%s>'], ['a'], { ...options, timeoutMs: 300, env: { PATH: `${bin}:/usr/bin:/bin` } });
    const [result] = await Promise.all(batch.results);
    await batch.close();
    assert.equal(result?.stdout, '<a>');
    assert.ok(Date.now() - started < 20_000, 'it did not wait for the stuck batch');
  });

  test('close stops the runs still going, answers the rest as killed without starting them, and removes its files', async () => {
    const before = new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('ccci-batch-')));
    const marker = `${process.pid}0${Date.now() % 1000}`; // digits: sleep 30.<marker>N is a number
    const batch = await execEach('sleep', [], [`30.${marker}1`, `30.${marker}2`, `30.${marker}3`], { ...options, concurrency: 1 });
    const mine = readdirSync(os.tmpdir()).filter((n) => n.startsWith('ccci-batch-') && !before.has(n));
    assert.equal(mine.length, 1, 'the batch has its own temp directory');
    // Wait until the first sleep runs, then close.
    for (let i = 0; i < 200; i += 1) {
      const { stdout } = await execChecked('sh', ['-c', `pgrep -f '^sleep 30[.]${marker}' || true`], { cwd: dir });
      if (stdout.trim() !== '') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await batch.close();
    const results = await Promise.all(batch.results);
    assert.deepEqual(results.map((r) => [r.exitCode, r.signal]), [[null, 'SIGTERM'], [null, 'SIGTERM'], [null, 'SIGTERM']]);
    let left = '';
    for (let i = 0; i < 100; i += 1) {
      left = (await execChecked('sh', ['-c', `pgrep -f '^sleep 30[.]${marker}' || true`], { cwd: dir })).stdout.trim();
      if (left === '') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(left, '', 'no run is left behind');
    assert.equal(existsSync(path.join(os.tmpdir(), mine[0] as string)), false, 'its temp directory is gone');
  });

  test('a directory given is made private for the outputs and removed by close', async () => {
    const outputs = path.join(dir, '.listings.1.0badc0de.tmp');
    const batch = await execEach('printf', ['%s'], ['a', 'b'], { ...options, dir: outputs });
    assert.equal(statSync(outputs).mode & 0o777, 0o700, 'only the runner reads what the runs printed');
    assert.deepEqual((await Promise.all(batch.results)).map((r) => r.stdout), ['a', 'b']);
    await batch.close();
    assert.equal(existsSync(outputs), false);
  });

  test('no last arguments: no program starts', async () => {
    const argvs = await argvsDuring(async () => {
      const batch = await execEach('printf', ['x'], [], options);
      assert.deepEqual(batch.results, []);
      await batch.close();
    });
    assert.deepEqual(argvs, []);
  });
});

describe('answerReader', () => {
  /** The answers read from `pieces`, and whether the reader gave up. */
  function read(pieces: readonly string[], accept: (answer: BatchAnswer) => boolean = () => true) {
    const answers: BatchAnswer[] = [];
    const reader = answerReader((answer) => {
      if (!accept(answer)) return false;
      answers.push(answer);
      return true;
    });
    for (const piece of pieces) reader.push(piece);
    return { answers, broken: reader.broken };
  }

  const ended = (index: number, status: number, stdout: string, stderr: string): BatchAnswer => ({ index, kind: 'ended', status, stdout, stderr });
  const frame = (answer: BatchAnswer): string =>
    answer.kind === 'ended' ? `${answer.index} ${answer.status}\n${answer.stdout}\0${answer.stderr}\0` : `${answer.index} ${answer.kind}\n`;

  test('the same answers however the stream is cut into pieces', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '\n', ' ', '0', 'ü', '✓', '\r', '\t') });
    const answer = fc.oneof(
      fc.record({ index: fc.nat(999), kind: fc.constant('ended' as const), status: fc.nat(255), stdout: text, stderr: text }),
      fc.record({ index: fc.nat(999), kind: fc.constantFrom('lost' as const, 'binary' as const) }),
    );
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (answers, cuts) => {
        const stream = answers.map(frame).join('');
        const at = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...at].map((start, i) => stream.slice(start, [...at, stream.length][i]));
        const got = read(pieces);
        assert.equal(got.broken, false);
        assert.deepEqual(got.answers, answers.map((a) => ({ ...a })));
      }),
    );
  });

  test('an answer not yet whole is not given; it is when the rest comes', () => {
    assert.deepEqual(read(['3 0\nout', '\0']).answers, []);
    assert.deepEqual(read(['3 0\nout', '\0err', '\0']).answers, [ended(3, 0, 'out', 'err')]);
  });

  test('anything that is no answer, or an answer refused, stops the reading for good', () => {
    for (const bad of ['garbage\n', '1 2 3\n', '-1 0\n', '1 lost \n', ' 1 0\n', '1\n', '99999999999999999999 0\n']) {
      const got = read([`0 lost\n${bad}2 lost\n`]);
      assert.equal(got.broken, true, JSON.stringify(bad));
      assert.deepEqual(got.answers, [{ index: 0, kind: 'lost' }], JSON.stringify(bad));
    }
    const refused = read(['0 0\na\0\0', '1 0\nb\0\0', '2 lost\n'], (answer) => answer.index !== 1);
    assert.equal(refused.broken, true);
    assert.deepEqual(refused.answers, [ended(0, 0, 'a', '')]);
  });
});
