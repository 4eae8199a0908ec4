// Every .nix file of the repository parses (nix-instantiate --parse). CI installs
// Debian's nix-bin, so this always runs there; without nix-instantiate the test
// says so and skips.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { execProgram } from '../../src/effects/exec.js';
import { nixFiles, nixInstantiateInstalled, repoRoot, storeArguments } from './nix-tools.js';

const root = repoRoot();

describe('nix files', () => {
  test('the repository has the flake, the package, the module and the checks', () => {
    const files = nixFiles(root);
    for (const expected of [
      'flake.nix',
      'pkgs/ccci.nix',
      'pkgs/runtime-tools.nix',
      'modules/cc-ci.nix',
      'checks/vm-test.nix',
      'checks/vm-test-engine.nix',
      'checks/vm-test-engine-eval.nix',
      'checks/vm-test-eval.nix',
      'checks/vm-pkgs-stand-ins.nix',
      'checks/engine/fixture-image.nix',
      'checks/engine/fixture-recipe.nix',
      'checks/module-eval.nix',
      'checks/module-eval-lib.nix',
      'checks/nixos-stand-ins.nix',
    ]) {
      assert.ok(files.includes(expected), `${expected} is missing (found ${files.join(', ')})`);
    }
  });

  test('every .nix file parses', async (t) => {
    if (!(await nixInstantiateInstalled())) {
      t.skip('nix-instantiate not installed');
      return;
    }
    const problems: string[] = [];
    for (const file of nixFiles(root)) {
      const result = await execProgram('nix-instantiate', [...storeArguments(), '--parse', path.join(root, file)]);
      if (result.exitCode !== 0) problems.push(`${file}: ${result.stderr.trim()}`);
    }
    assert.deepEqual(problems, []);
  });
});

describe('nix-instantiate store arguments', () => {
  test('no store of its own: the dummy store, read-only', () => {
    assert.deepEqual(storeArguments({}), ['--store', 'dummy://', '--readonly-mode']);
  });
  test('a private store set up by the caller (pkgs/runner-tests.nix) is used as it is', () => {
    assert.deepEqual(storeArguments({ NIX_STORE_DIR: '/build/nix-test-root/store' }), []);
  });
});
