// computeAtFullSpeed: the V8 tuning for a process that starts programs is off while
// computing work runs, and on again after, when programs were started before or during it.
// Its own file: the first test needs a process that has started no program yet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeAtFullSpeed, execProgram, observeV8Flags } from '../../src/effects/exec.js';

function watchFlags(): { flags: string[]; stop: () => void } {
  const flags: string[] = [];
  const stop = observeV8Flags((flag) => flags.push(flag));
  return { flags, stop };
}

test('no program started before: the first one during the work leaves size tuning off until the work ends', async () => {
  const { flags, stop } = watchFlags();
  try {
    const during = await computeAtFullSpeed(async () => {
      assert.equal((await execProgram('true', [])).exitCode, 0);
      return [...flags];
    });
    assert.deepEqual(during, ['--semi-space-growth-factor=1'], 'not tuned for size while computing');
    assert.deepEqual(flags, ['--semi-space-growth-factor=1', '--optimize-for-size'], 'tuned once the work is done');
  } finally {
    stop();
  }
});

test('programs started before: off for the work, nested work included, and on again after, even when the work fails', async () => {
  const { flags, stop } = watchFlags();
  try {
    await computeAtFullSpeed(async () => {
      await computeAtFullSpeed(async () => undefined);
      assert.deepEqual(flags, ['--no-optimize-for-size'], 'the inner call changes nothing');
    });
    assert.deepEqual(flags, ['--no-optimize-for-size', '--optimize-for-size']);
    await assert.rejects(
      computeAtFullSpeed(async () => {
        throw new Error('render failed');
      }),
      /render failed/,
    );
    assert.deepEqual(flags.slice(2), ['--no-optimize-for-size', '--optimize-for-size'], 'restored after a failure');
    await execProgram('true', []);
    assert.equal(flags.length, 4, 'a later program sets nothing again');
  } finally {
    stop();
  }
});
