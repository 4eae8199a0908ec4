// A run refused before it starts (another holds its app domain, a ref that does not
// exist, a compose.yml that is missing or does not parse) or stopped by a signal before
// its first rung leaves the runs directory as it found it: no run directory, no lock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain, type MainOutput } from '../support/main-output.js';
import { InputError, InterruptedError } from '../../src/config/errors.js';
import { execChecked } from '../../src/effects/exec.js';
import type { CanonicalRecord } from '../../src/registry/canonical.js';
import { ComposeFileError } from '../../src/run/compose.js';
import { DomainBusyError, lockDomain } from '../../src/run/domain-lock.js';
import { createWorld, defineRecipe, publishRecipe, runOnTag, writeWorldConfig, type PublishedRecipe, type World } from './helpers.js';

let world: World;
let configFile: string;
before(async () => {
  world = await createWorld('run-refused');
  configFile = path.join(world.root, 'config.json');
  await writeWorldConfig(world, configFile);
});
after(async () => world.stop());

/** Every path under the runs directory (directories with a trailing /), sorted. */
function runsDirListing(): string[] {
  const root = world.config.runsDir;
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full);
      if (statSync(full).isDirectory()) {
        found.push(`${relative}/`);
        walk(full);
      } else found.push(relative);
    }
  };
  walk(root);
  return found.sort();
}

function ccci(argv: string[]): Promise<MainOutput> {
  return runMain([...argv, '--config', configFile], { ...process.env });
}

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_CONFIG_GLOBAL: '/dev/null' };

/** Commits `change` to the recipe's work tree as release `tag` and pushes it upstream. */
async function releaseBroken(recipe: PublishedRecipe, tag: string, change: () => Promise<void>): Promise<void> {
  await change();
  await execChecked('git', ['add', '--all'], { cwd: recipe.work, env: GIT_ENV });
  await execChecked('git', ['commit', '--quiet', '--message=broken compose.yml'], { cwd: recipe.work, env: GIT_ENV });
  await execChecked('git', ['tag', tag], { cwd: recipe.work, env: GIT_ENV });
  await execChecked('git', ['push', '--quiet', recipe.url, 'HEAD:refs/heads/main', `refs/tags/${tag}`], { cwd: recipe.work, env: GIT_ENV });
}

describe('a refused ccci run leaves the runs directory unchanged', () => {
  // First, so that the locks directory exists (a lock is held) before every later case.
  test('another holds the app domain: DomainBusyError naming the holder; no run directory, the holder keeps its lock', async () => {
    const recipe = await publishRecipe(world, 'busy', [{ version: '1.0.0+a' }]);
    const definition = await defineRecipe(world, recipe.name);
    const domain = `warm-${recipe.name}.${world.config.domain}`;
    const held = await lockDomain(world.config.runsDir, domain, 'a promote in a test');
    try {
      const listed = runsDirListing();
      assert.ok(listed.includes(`.locks/${domain}.lock`), 'the holder has its lock');
      // A quick run deploys on the canonical's (warm) domain: here it is taken.
      const canonical = { domain, version: '1.0.0+a' } as CanonicalRecord;
      await assert.rejects(
        runOnTag(world, recipe, '1.0.0+a', definition, { mode: 'quick', canonical }),
        (error: Error) => error instanceof DomainBusyError && /is in use by pid \d+ .*a promote in a test/.test(error.message),
      );
      assert.deepEqual(runsDirListing(), listed);
    } finally {
      await held.release();
    }
  });

  test('a ref that does not exist: exit 2 naming the ref; no run directory, no lock left', async () => {
    const recipe = await publishRecipe(world, 'noref', [{ version: '1.0.0+a' }]);
    await defineRecipe(world, recipe.name);
    const listed = runsDirListing();
    const result = await ccci(['run', recipe.name, '--tag', '9.9.9+z']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^ccci run: ref "refs\/tags\/9\.9\.9\+z" does not exist in \S+$/m);
    assert.deepEqual(runsDirListing(), listed);
  });

  test('a release without compose.yml: exit 2, "compose.yml: missing" with the recipe, tag and commit; no run directory', async () => {
    const recipe = await publishRecipe(world, 'nocompose', [{ version: '1.0.0+a' }]);
    await defineRecipe(world, recipe.name);
    await releaseBroken(recipe, '1.1.0+a', () => rm(path.join(recipe.work, 'compose.yml')));
    const listed = runsDirListing();
    const result = await ccci(['run', recipe.name, '--tag', '1.1.0+a']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^ccci run: ${recipe.name} at refs/tags/1\\.1\\.0\\+a \\(commit [0-9a-f]{40}\\): compose\\.yml: missing: the recipe has no compose\\.yml at its top level$`,
        'm',
      ),
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(runsDirListing(), listed);
  });

  test('a compose.yml that is not YAML: a ComposeFileError (an InputError) saying where the parser stopped; no run directory', async () => {
    const recipe = await publishRecipe(world, 'badyaml', [{ version: '1.0.0+a' }]);
    const definition = await defineRecipe(world, recipe.name);
    await releaseBroken(recipe, '1.1.0+a', () => writeFile(path.join(recipe.work, 'compose.yml'), 'services:\n  app: [unclosed\n'));
    const listed = runsDirListing();
    await assert.rejects(runOnTag(world, recipe, '1.1.0+a', definition), (error: Error) => {
      assert.ok(error instanceof ComposeFileError && error instanceof InputError, `${error.name}: ${error.message}`);
      assert.equal(error.file, 'compose.yml');
      assert.match(error.message, new RegExp(`^${recipe.name} at 1\\.1\\.0\\+a \\(commit [0-9a-f]{40}\\): compose\\.yml: not valid YAML: .* at line \\d+, column \\d+$`));
      return true;
    });
    assert.deepEqual(runsDirListing(), listed);
  });

  test('a compose.yml that is a list, not a mapping: exit 2 saying so', async () => {
    const recipe = await publishRecipe(world, 'listyaml', [{ version: '1.0.0+a' }]);
    await defineRecipe(world, recipe.name);
    await releaseBroken(recipe, '1.1.0+a', () => writeFile(path.join(recipe.work, 'compose.yml'), '- app\n- db\n'));
    const listed = runsDirListing();
    const result = await ccci(['run', recipe.name, '--tag', '1.1.0+a']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /: compose\.yml: not a compose file: expected a mapping \(services: …\), found a list$/m);
    assert.deepEqual(runsDirListing(), listed);
  });
});

describe('a run stopped by a signal before its first rung', () => {
  test('an already aborted signal: InterruptedError ("nothing was deployed"), no run directory, no lock left', async () => {
    const recipe = await publishRecipe(world, 'early', [{ version: '1.0.0+a' }]);
    const definition = await defineRecipe(world, recipe.name);
    const listed = runsDirListing();
    const controller = new AbortController();
    controller.abort('SIGTERM');
    await assert.rejects(runOnTag(world, recipe, '1.0.0+a', definition, { signal: controller.signal }), (error: Error) => {
      assert.ok(error instanceof InterruptedError, `${error.name}: ${error.message}`);
      assert.match(error.message, new RegExp(`^run interrupted \\(SIGTERM\\) while staging ${recipe.name} at 1\\.0\\.0\\+a, before its first rung: nothing was deployed$`));
      return true;
    });
    assert.deepEqual(runsDirListing(), listed);
  });

  test('ccci run sent SIGTERM as it starts staging: says interrupted, exits 1, leaves no run directory', async () => {
    const recipe = await publishRecipe(world, 'staging', [{ version: '1.0.0+a' }]);
    await defineRecipe(world, recipe.name);
    const listed = runsDirListing();
    const mainModule = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
    // The process signals itself when the run logs its ABRA_DIR, the line right before
    // the checkout is staged: the signal arrives while the clone runs.
    const script = `
      import { Writable } from 'node:stream';
      const { main } = await import(${JSON.stringify(mainModule)});
      let sent = false;
      const stderr = new Writable({
        write(chunk, _encoding, callback) {
          process.stderr.write(chunk);
          if (!sent && / ABRA_DIR /.test(chunk.toString())) {
            sent = true;
            process.kill(process.pid, 'SIGTERM');
          }
          callback();
        },
      });
      process.exitCode = await main(['run', '${recipe.name}', '--tag', '1.0.0+a', '--config', ${JSON.stringify(configFile)}], {
        env: process.env, stdout: process.stdout, stderr, stdin: process.stdin,
      });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...world.sandbox.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    assert.equal(code, 1, `exit code (stderr: ${stderr})`);
    assert.match(stderr, /ccci run: SIGTERM: stopping, tearing down/);
    assert.match(
      stderr,
      new RegExp(
        `^ccci run: run interrupted \\(SIGTERM\\) while staging ${recipe.name} at refs/tags/1\\.0\\.0\\+a, before its first rung: nothing was deployed$`,
        'm',
      ),
    );
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    assert.equal(stdout, '', 'no result: the run never started a rung');
    assert.deepEqual(runsDirListing(), listed);
  });
});
