// What each command loads, seen from a real `ccci` process through a module resolve
// hook (and what CommonJS compiles): `--help` loads no command and no package, `status` no package at all, and a
// no-op sweep only zx's core (to start git), never zod, the YAML parser, the run or the
// promote. Start-up is paid per module, so this is what keeps them cheap; a module that
// imports zod (or the sweep's heavy parts) statically on these paths fails here, with
// the chain to look at in the list it prints.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { commandHelp, commandLoaders } from '../../src/cli/commands/index.js';
import { createScenario, CLI, type Scenario } from '../sweep/scenario.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ccci-loads-'));
const resolveHook = path.join(dir, 'resolve.mjs');
const registerHook = path.join(dir, 'register.mjs');
writeFileSync(
  resolveHook,
  `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`,
);
// And what is loaded by require (zx's core is: see effects/exec.ts), which the ES module
// hook does not see: every file CommonJS compiles, logged as a file URL too.
writeFileSync(
  registerHook,
  `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const log = process.env.CCCI_TEST_LOAD_LOG;
register(${JSON.stringify(pathToFileURL(resolveHook).href)}, import.meta.url, { data: { log } });
const compile = Module.prototype._compile;
Module.prototype._compile = function (...args) {
  appendFileSync(log, pathToFileURL(this.filename).href + '\\n');
  return compile.apply(this, args);
};
`,
);
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Runs ccci with the hook; returns its exit code and every module URL it resolved. */
function loads(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; modules: string[]; stderr: string }> {
  const log = path.join(dir, `log-${(counter += 1)}`);
  writeFileSync(log, '');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', registerHook, CLI, ...args], {
      env: { ...process.env, ...env, CCCI_TEST_LOAD_LOG: log },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      const modules = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
      resolve({ code, modules, stderr });
    });
  });
}

const packages = (modules: readonly string[]) =>
  [...new Set(modules.filter((m) => m.includes('/node_modules/')).map((m) => (m.split('/node_modules/')[1] as string).split('/')[0] as string))].sort();
const ours = (modules: readonly string[], folder: string) => modules.filter((m) => m.includes(`/dist/src/${folder}/`));

describe('what a command loads', () => {
  test('--help: the command table only, no command and no package', async () => {
    const { code, modules } = await loads(['--help']);
    assert.equal(code, 0);
    assert.deepEqual(packages(modules), []);
    assert.deepEqual(
      ours(modules, 'cli/commands').map((m) => path.basename(m)),
      ['index.js'],
    );
  });

  test('the help table is each command as its file declares it', async () => {
    const commands = await Promise.all(Object.values(commandLoaders).map((load) => load()));
    assert.deepEqual(
      commandHelp.map((h) => ({ ...h })),
      commands.map((c) => ({ name: c.name, usage: c.usage, summary: c.summary })),
    );
  });

  describe('on a recipe with a canonical and nothing new', () => {
    let s: Scenario;
    before(async () => {
      s = await createScenario();
      await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
      const first = await s.sweep();
      assert.equal(first.kind === 'done' && first.report.recipes[0]?.outcome, 'promoted');
      // The definitions must be older than the cache's two-second window, as on a server.
      const definition = path.join(s.config.repo, 'recipes', 'custom-html', 'recipe.yaml');
      const { utimesSync } = await import('node:fs');
      utimesSync(definition, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      // One sweep that parses the definition and writes the cache, as any first night.
      await loads(['--config', s.configFile, 'sweep'], s.sandbox.env);
    });
    after(async () => s.close());

    test('status: no package at all', async () => {
      const { code, modules, stderr } = await loads(['--config', s.configFile, 'status'], s.sandbox.env);
      assert.equal(code, 0, stderr);
      assert.deepEqual(packages(modules), []);
    });

    test('a no-op sweep: zx core to start git, and nothing of zod, yaml, the run or the promote', async () => {
      const { code, modules, stderr } = await loads(['--config', s.configFile, 'sweep'], s.sandbox.env);
      assert.equal(code, 0, stderr);
      assert.deepEqual(packages(modules), ['zx']);
      assert.ok(!modules.some((m) => m.endsWith('/zx/build/index.js')), "zx's scripting globals are not loaded");
      assert.deepEqual(ours(modules, 'run'), []);
      assert.ok(!modules.some((m) => m.endsWith('/sweep/promote.js')));
      assert.ok(!modules.some((m) => m.endsWith('/mirror/full-sync.js')), 'the fast path needs no full sync');
    });
  });
});
