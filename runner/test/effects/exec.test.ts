// The one place programs start: arguments reach the program exactly as given, never
// through a shell, whatever they hold; output can be streamed instead of collected.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { execChecked, execProgram, observeArgv } from '../../src/effects/exec.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ccci-exec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The arguments as a program received them: printf prints each one NUL-terminated, verbatim. */
async function argsSeenBy(args: readonly string[]): Promise<string[]> {
  const { stdout } = await execChecked('printf', ['%s\\0', ...args], { cwd: dir });
  return args.length === 0 ? [] : stdout.split('\0').slice(0, -1);
}

describe('execProgram', () => {
  test('hostile arguments reach the program verbatim and nothing runs them', async () => {
    const marker = path.join(dir, 'pwned');
    const hostile = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `; touch ${marker}`,
      `| touch ${marker}`,
      `&& touch ${marker} &`,
      `'"; touch ${marker}; echo "'`,
      `$'\\x41' \${HOME} $HOME ~ *`,
      'line one\nline two',
      '--option-looking',
      '',
      ' leading and trailing ',
      'ünïcödé ✓',
      '\\',
      '>' + marker,
    ];
    assert.deepEqual(await argsSeenBy(hostile), hostile);
    assert.equal(existsSync(marker), false, 'a shell ran part of an argument');
  });

  test('any string without NUL is passed through unchanged (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, '')), { maxLength: 5 }), async (args) => {
        assert.deepEqual(await argsSeenBy(args), args);
      }),
      { numRuns: 40 },
    );
  });

  test('no shell stands between the runner and the program', async () => {
    // The program's parent is this process itself: nothing (bash -c …) was started in between.
    const { stdout } = await execChecked(process.execPath, ['-e', 'process.stdout.write(String(process.ppid))']);
    assert.equal(Number(stdout), process.pid);
  });

  test('observers see the argv before it runs', async () => {
    const seen: (readonly string[])[] = [];
    const stop = observeArgv((argv) => seen.push(argv));
    try {
      await execProgram(process.execPath, ['-e', '0', 'x y']);
    } finally {
      stop();
    }
    assert.deepEqual(seen, [[process.execPath, '-e', '0', 'x y']]);
  });

  test('exit status, stderr, environment and input', async () => {
    const result = await execProgram(
      process.execPath,
      ['-e', "process.stdin.pipe(process.stdout); process.stderr.write(process.env.CCCI_X ?? 'unset'); process.stdin.on('end', () => process.exit(3))"],
      { env: { CCCI_X: 'from env' }, input: 'from stdin' },
    );
    assert.equal(result.exitCode, 3);
    assert.equal(result.stdout, 'from stdin');
    assert.equal(result.stderr, 'from env');
    const unset = await execProgram(process.execPath, ['-e', "process.stdout.write(process.env.HOME ?? 'unset')"], { env: { HOME: undefined } });
    assert.equal(unset.stdout, 'unset');
  });

  test('without input a program reads end-of-file at once (stdin is /dev/null, not a pipe left open)', async () => {
    const result = await execChecked('cat', [], { timeoutMs: 10_000 });
    assert.equal(result.stdout, '');
    assert.equal(result.timedOut, false);
  });

  test("a call leaves zx's defaults as they were (no other user of zx inherits its program or options)", async () => {
    const { $ } = await import('zx/core');
    const before = { spawn: $.spawn, cwd: $.cwd, env: $.env, nothrow: $.nothrow, quiet: $.quiet, input: $.input };
    await execProgram('true', [], { cwd: os.tmpdir(), env: { CCCI_X: '1' }, input: 'x' });
    assert.deepEqual({ spawn: $.spawn, cwd: $.cwd, env: $.env, nothrow: $.nothrow, quiet: $.quiet, input: $.input }, before);
  });

  test('a program that runs too long is stopped and says so', async () => {
    const result = await execProgram(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 200 });
    assert.equal(result.timedOut, true);
    assert.notEqual(result.exitCode, 0);
  });

  test('a program that cannot be started exits 127 (not found) or 126 (not executable), as from a shell', async () => {
    const missing = await execProgram(path.join(dir, 'no-such-program'), []);
    assert.equal(missing.exitCode, 127);
    assert.match(missing.stderr, /no-such-program: command not found/);
    assert.equal((await execProgram('no-such-program-on-path', [])).exitCode, 127);
    const notExecutable = path.join(dir, 'not-executable');
    writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    assert.equal((await execProgram(notExecutable, [])).exitCode, 126);
  });
});
