// ccci mirror-sync: arguments, exit statuses and output.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { mirrorSyncCommand } from '../../src/cli/commands/mirror-sync.js';
import { EXIT } from '../../src/cli/command.js';
import { InputError } from '../../src/config/errors.js';
import { mirrorSyncReportSchema } from '../../src/mirror/report.js';
import { makeWorld, type World } from './fixtures.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function run(world: World, argv: string[], fileOverrides: Record<string, unknown> = {}) {
  const file = path.join(world.root, 'config.json');
  await writeFile(
    file,
    JSON.stringify({
      cacheDir: world.cacheDir,
      stateDir: path.join(world.root, 'state'),
      upstream: `file://${world.upstreamBase}`,
      mirror: { url: `file://${world.mirrorBase}`, owner: 'ci', tokenFile: world.tokenFile },
      recipes: { [world.recipe]: {} },
      ...fileOverrides,
    }),
  );
  const out = sink();
  const err = sink();
  const code = await mirrorSyncCommand.run(argv, { configFile: file, env: {}, stdout: out.stream, stderr: err.stream, stdin: process.stdin });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('ccci mirror-sync', () => {
  test('readable report, then JSON with nothing to push', async () => {
    const world = await makeWorld();
    try {
      await world.commit('first');
      await world.tag('1.0.0+1.0');
      await world.publish();
      const dry = await run(world, [world.recipe, '--dry-run']);
      assert.equal(dry.code, EXIT.ok);
      assert.match(dry.stdout, /dry run/);
      assert.match(dry.stdout, /would push/);
      assert.match(dry.stdout, /refs\/tags\/1\.0\.0\+1\.0/);
      assert.equal(await world.refs(world.mirrorDir), '');

      const real = await run(world, [world.recipe]);
      assert.equal(real.code, EXIT.ok, real.stderr);
      assert.match(real.stdout, /pushed \(atomically\)/);
      assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));

      const again = await run(world, [world.recipe, '--json']);
      assert.equal(again.code, EXIT.ok);
      const report = mirrorSyncReportSchema.parse(JSON.parse(again.stdout));
      assert.deepEqual(report.pushed, []);
      assert.equal(again.stderr, '', 'JSON mode prints no progress lines');
    } finally {
      await world.cleanup();
    }
  });

  test('a sync failure exits 1 naming the recipe and the step', async () => {
    const world = await makeWorld();
    try {
      const result = await run(world, [world.recipe], { upstream: `file://${world.root}/nowhere` });
      assert.equal(result.code, EXIT.failed);
      assert.match(result.stderr, /mirror sync of custom-html failed at fetch-upstream/);
    } finally {
      await world.cleanup();
    }
  });

  test('bad input is an InputError (exit 2): unenrolled, hostile name, wrong argument count', async () => {
    const world = await makeWorld();
    try {
      await assert.rejects(run(world, ['ghost']), (e: unknown) => e instanceof InputError && /ghost is not enrolled/.test(e.message));
      await assert.rejects(run(world, ['../../etc']), InputError);
      await assert.rejects(run(world, []), InputError);
      await assert.rejects(run(world, ['a', 'b']), InputError);
      await assert.rejects(run(world, [world.recipe, '--force']), InputError);
      assert.equal(await world.refs(world.mirrorDir), '');
    } finally {
      await world.cleanup();
    }
  });
});
