// The hard deadline and SIGTERM: the running rung turns unver, nothing after it runs,
// the hung abra is killed, and teardown still removes everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readRunResult } from '../../src/run/result.js';
import { assertTornDown, createWorld, writeWorldConfig, defineRecipe, publishRecipe, reasonOf, runOnTag, statusOf, type World } from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('run-interrupt');
});
after(async () => world.stop());

/** pids of fake abra invocations whose argv contains `word`. */
function fakePids(word: string): number[] {
  const log = path.join(world.sandbox.fakeSwarmDir, 'log.jsonl');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { program: string; argv: string[]; pid: number })
    .filter((entry) => entry.program === 'abra' && entry.argv.includes(word))
    .map((entry) => entry.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('deadline', () => {
  test('a hanging deploy: install unver at the deadline, the rest not run, abra killed, torn down', async () => {
    const recipe = await publishRecipe(world, 'hang', [{ version: '1.0.0+a', fake: { deploy: 'hang' } }, { version: '1.1.0+a' }]);
    const definition = await defineRecipe(world, recipe.name, { runTimeoutSeconds: 3, deployTimeoutSeconds: 600 });
    const before = new Set(fakePids('deploy'));
    const result = await runOnTag(world, recipe, '1.1.0+a', definition);
    // backup does not apply (recipe.yaml says not capable): a static skip stays a skip.
    assert.deepEqual(statusOf(result), { install: 'unver', upgrade: 'unver', backup: 'skip', functional: 'unver', lint: 'unver' });
    assert.match(reasonOf(result, 'install'), /run deadline of 3 s reached during install/);
    assert.match(reasonOf(result, 'lint'), /not run: run deadline/);
    assert.equal(result.interrupted, 'run deadline of 3 s reached');
    assert.equal(result.level, 0);
    assert.equal(result.verdict, 'red');
    assert.equal(result.outcome, 'red', "the run's own deadline is a red run, not an interrupted one");
    const deploys = fakePids('deploy').filter((pid) => !before.has(pid));
    assert.equal(deploys.length, 1);
    await waitFor('the hung abra to be gone', () => !alive(deploys[0] as number), 10_000);
    await assertTornDown(world, result);
  });

  test('the deadline during a health wait (not an abra call) is unver too', async () => {
    const recipe = await publishRecipe(world, 'slow', [{ version: '1.0.0+a', fake: { health: 'fail' } }]);
    const definition = await defineRecipe(world, recipe.name, { runTimeoutSeconds: 3, deployTimeoutSeconds: 600 });
    const result = await runOnTag(world, recipe, '1.0.0+a', definition);
    assert.equal(statusOf(result).install, 'unver');
    assert.match(reasonOf(result, 'install'), /deadline/);
    await assertTornDown(world, result);
  });
});

describe('SIGTERM', () => {
  test('ccci run stops on SIGTERM, tears down, writes results.json and exits red', async () => {
    const recipe = await publishRecipe(world, 'term', [{ version: '1.0.0+a', fake: { deploy: 'hang' } }, { version: '1.1.0+a' }]);
    await defineRecipe(world, recipe.name, { deployTimeoutSeconds: 600 });
    const configFile = path.join(world.root, `config-${recipe.name}.json`);
    await writeWorldConfig(world, configFile);
    const runModule = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/commands/run.js');
    const script = `
      const { runCommand } = await import(${JSON.stringify(runModule)});
      const code = await runCommand.run(['${recipe.name}', '--tag', '1.1.0+a', '--json'], {
        configFile: ${JSON.stringify(configFile)}, env: process.env,
        stdout: process.stdout, stderr: process.stderr, stdin: process.stdin,
      });
      process.exitCode = code;`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...world.sandbox.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stacksDir = path.join(world.sandbox.fakeSwarmDir, 'stacks');
    await waitFor('the hanging deploy to start', async () => {
      if (!existsSync(stacksDir)) return false;
      for (const name of await readdir(stacksDir)) {
        // The double records the stack before its deploy hangs.
        const stack = JSON.parse(await readFile(path.join(stacksDir, name), 'utf8')) as { recipe: string };
        if (stack.recipe === recipe.name) return true;
      }
      return false;
    });
    child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 1, `exit code (stderr: ${stderr})`);
    const result = JSON.parse(stdout) as { runDir: string };
    const saved = await readRunResult(result.runDir);
    assert.equal(saved.rungs[0]?.status, 'unver');
    assert.match(saved.rungs[0]?.reason ?? '', /interrupted \(SIGTERM\) during install/);
    assert.equal(saved.outcome, 'interrupted', 'a signal is not a verdict on the recipe');
    assert.match(stderr, /SIGTERM: stopping, tearing down/);
    await assertTornDown(world, saved);
  });
});
