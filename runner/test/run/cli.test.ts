// ccci run: exit 0 green / 1 red / bad input refused (InputError: exit 2 in main),
// --src with uncommitted changes is what gets tested, --json prints the result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runCommand } from '../../src/cli/commands/run.js';
import { InputError } from '../../src/config/errors.js';
import { fixtureComposeText } from '../../src/demo/fixtures.js';
import type { RunResult } from '../../src/run/result.js';
import { assertTornDown, createWorld, writeWorldConfig, defineRecipe, publishRecipe, statusOf, type World } from './helpers.js';

let world: World;
let configFile: string;
before(async () => {
  world = await createWorld('run-cli');
  configFile = path.join(world.root, 'config.json');
  await writeWorldConfig(world, configFile);
});
after(async () => world.stop());

async function ccciRun(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCommand.run(argv, { configFile, env: { ...process.env }, stdout, stderr, stdin: process.stdin });
  return { code, stdout: out, stderr: err };
}

describe('ccci run', () => {
  test('its log output gone away (EPIPE on every write to stderr): the run goes on to its verdict and tears down', async () => {
    const recipe = await publishRecipe(world, 'gone', [{ version: '1.0.0+a' }], { backupCapable: false });
    await defineRecipe(world, recipe.name);
    // A stream that fails every write as a closed pipe does: each log line of the run.
    let failedWrites = 0;
    const stderr = new Writable({
      write: (_chunk, _encoding, callback) => {
        failedWrites += 1;
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await runCommand.run([recipe.name, '--tag', '1.0.0+a', '--json'], { configFile, env: { ...process.env }, stdout, stderr, stdin: process.stdin });
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(failedWrites >= 1, 'the log output failed');
    assert.equal(code, 0, 'the verdict, green, not a crash');
    const result = JSON.parse(out) as RunResult;
    assert.equal(result.verdict, 'green');
    await assertTornDown(world, result);
  });

  test('--tag: green exits 0 with a readable summary', async () => {
    const recipe = await publishRecipe(world, 'cli', [{ version: '1.0.0+a' }, { version: '1.1.0+a' }], { backupCapable: false });
    await defineRecipe(world, recipe.name);
    const { code, stdout } = await ccciRun([recipe.name, '--tag', '1.1.0+a']);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /L1 install +pass/);
    assert.match(stdout, /level 5, green/);
  });

  test('--src with uncommitted changes: the work tree is deployed (chaos, +U) and a red head exits 1', async () => {
    const recipe = await publishRecipe(world, 'src', [{ version: '1.0.0+a' }], { backupCapable: false });
    await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 2 });
    await writeFile(path.join(recipe.work, 'compose.yml'), fixtureComposeText('1.1.0+a', { backupCapable: false }, { health: 'fail' }));
    const { code, stdout } = await ccciRun([recipe.name, '--src', recipe.work, '--json']);
    assert.equal(code, 1);
    const result = JSON.parse(stdout) as RunResult;
    assert.equal(result.version, '1.1.0+a');
    assert.deepEqual(result.source, { kind: 'dir', dir: recipe.work, dirty: true });
    assert.equal(statusOf(result).install, 'pass', 'base 1.0.0+a is fine');
    assert.equal(statusOf(result).upgrade, 'fail', 'the uncommitted head is what was deployed');
    await assertTornDown(world, result);
  });

  test('bad input is an InputError (exit 2): unknown ref, two sources, unknown recipe, bad ref name', async () => {
    const recipe = await publishRecipe(world, 'bad', [{ version: '1.0.0+a' }]);
    await defineRecipe(world, recipe.name);
    await assert.rejects(ccciRun([recipe.name, '--tag', '9.9.9+z']), (e: Error) => e instanceof InputError && /does not exist/.test(e.message));
    await assert.rejects(ccciRun([recipe.name, '--tag', '1.0.0+a', '--src', recipe.work]), InputError);
    await assert.rejects(ccciRun(['nosuchrecipe']), (e: Error) => e instanceof InputError && /no definition/.test(e.message));
    await assert.rejects(ccciRun([recipe.name, '--ref', '-rf']), InputError);
    await assert.rejects(ccciRun([]), InputError);
  });
});
