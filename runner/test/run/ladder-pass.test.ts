// Runs where every rung that applies passes (or is skipped for a stated reason), with the
// level and verdict DESIGN.md gives those combinations.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readRunResult } from '../../src/run/result.js';
import { assertTornDown, createWorld, defineRecipe, publishRecipe, reasonOf, runOnTag, statusOf, type World } from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('run-pass');
});
after(async () => world.stop());

describe('a green cold run', () => {
  test('all five rungs pass: level 5, green, base = newest older release, torn down', async () => {
    const recipe = await publishRecipe(world, 'good', [{ version: '1.0.0+1.0' }, { version: '1.1.0+1.1' }]);
    const definition = await defineRecipe(world, recipe.name, {
      backup: { capable: true },
      functional: [{ name: 'home page names the version', path: '/', status: 200, bodyContains: '1.1.0+1.1' }],
    });
    const result = await runOnTag(world, recipe, '1.1.0+1.1', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'pass', backup: 'pass', functional: 'pass', lint: 'pass' });
    assert.equal(result.level, 5);
    assert.equal(result.verdict, 'green');
    assert.equal(result.version, '1.1.0+1.1');
    assert.match(result.commit, /^[0-9a-f]{40}$/);
    assert.deepEqual(result.base, {
      version: '1.0.0+1.0',
      rule: 'newest-older',
      reason: result.base.reason,
    });
    assert.match(reasonOf(result, 'upgrade'), /1\.0\.0\+1\.0 -> 1\.1\.0\+1\.1/);
    assert.match(result.domain, new RegExp(`^${recipe.name.slice(0, 4)}-[0-9a-f]{6}\\.${world.sandbox.domain.replace(/\./g, '\\.')}$`));
    assert.equal(result.mode, 'cold');
    assert.equal(result.fellBackToCold, null);
    await assertTornDown(world, result);
    assert.deepEqual(await readRunResult(result.runDir), result, 'results.json holds the result');
  });

  test('one release: no upgrade target (skip), backup not capable (skip), no functional checks (skip): level 5, green', async () => {
    const recipe = await publishRecipe(world, 'single', [{ version: '2.0.0+x' }], { backupCapable: false });
    const definition = await defineRecipe(world, recipe.name);
    const result = await runOnTag(world, recipe, '2.0.0+x', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'skip', backup: 'skip', functional: 'skip', lint: 'pass' });
    assert.match(reasonOf(result, 'upgrade'), /no upgrade target/);
    assert.match(reasonOf(result, 'backup'), /not backup-capable/);
    assert.match(reasonOf(result, 'functional'), /no functional checks/);
    assert.equal(result.base.rule, 'none');
    assert.equal(result.level, 5);
    assert.equal(result.verdict, 'green');
    await assertTornDown(world, result);
  });

  test('functional executables get the domain and base URL; notApplicable skips with its reason', async () => {
    const recipe = await publishRecipe(world, 'exe', [{ version: '1.0.0+a' }, { version: '1.0.1+a' }]);
    const definition = await defineRecipe(world, recipe.name, {
      notApplicable: [{ rung: 'backup', reason: 'stateless app' }],
    });
    const dir = path.join(world.configRepo, 'recipes', recipe.name, 'functional');
    await mkdir(dir, { recursive: true });
    const script = path.join(dir, '10-home.sh');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        'set -eu',
        'test -n "$CCCI_DOMAIN"',
        'case "$CCCI_BASE_URL" in http://127.0.0.1:*) ;; *) echo "bad base url $CCCI_BASE_URL"; exit 1;; esac',
        'echo "$CCCI_DOMAIN $CCCI_VERSION" > "$CCCI_RUN_DIR/functional-saw"',
        '',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    await writeFile(path.join(dir, 'README'), 'not executable: not a test\n');
    const result = await runOnTag(world, recipe, '1.0.1+a', definition);
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'pass', backup: 'skip', functional: 'pass', lint: 'pass' });
    assert.equal(reasonOf(result, 'backup'), 'recipe.yaml notApplicable: stateless app');
    assert.match(reasonOf(result, 'functional'), /0 HTTP check\(s\) and 1 executable/);
    const { readFile } = await import('node:fs/promises');
    assert.equal(await readFile(path.join(result.runDir, 'functional-saw'), 'utf8'), `${result.domain} 1.0.1+a\n`);
    assert.equal(result.level, 5);
    await assertTornDown(world, result);
  });

  test('an untagged head is deployed by chaos and proven by the chaos label', async () => {
    const recipe = await publishRecipe(world, 'chaos', [{ version: '1.0.0+a' }]);
    const { commitUntagged, publishTo } = await import('../../src/demo/fixtures.js');
    const commit = await commitUntagged(recipe.work, { version: '1.1.0+a' });
    await publishTo(recipe.work, recipe.url);
    const definition = await defineRecipe(world, recipe.name, { backup: { capable: true } });
    const result = await runOnTag(world, recipe, 'main', definition);
    assert.equal(result.commit, commit);
    assert.equal(result.version, '1.1.0+a');
    assert.deepEqual(statusOf(result), { install: 'pass', upgrade: 'pass', backup: 'pass', functional: 'skip', lint: 'pass' });
    assert.match(reasonOf(result, 'upgrade'), new RegExp(`chaos, label ${commit.slice(0, 8)}`));
    assert.equal(result.verdict, 'green');
    await assertTornDown(world, result);
  });
});
