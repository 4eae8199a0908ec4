// What the tests of the two NixOS VM tests share: evaluating a check file against
// nixpkgs' lib (nix-instantiate), a visible skip when that cannot be had here, and
// the test script compiled and linted as Python the way the NixOS test driver lints it
// before it boots anything (nixos/lib/testing/driver.nix runs pyflakes on it, and a
// warning fails the build).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { execProgram } from '../../src/effects/exec.js';
import { findNixpkgsLib, nixInstantiateInstalled, repoRoot, storeArguments } from './nix-tools.js';

export async function nixEval<T>(args: string[]): Promise<T> {
  const result = await execProgram('nix-instantiate', ['--eval', '--strict', '--json', ...storeArguments(), ...args], {
    timeoutMs: 120_000,
  });
  if (result.exitCode !== 0) throw new Error(`nix-instantiate ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const evaluations = new Map<string, Promise<unknown>>();

/** checks/<file> evaluated with a nixpkgs lib (once per file), or why it cannot be here. */
export function evaluateAgainstLib<T>(file: string): Promise<T | string> {
  let evaluation = evaluations.get(file);
  if (!evaluation) {
    evaluation = (async () => {
      if (!(await nixInstantiateInstalled())) return 'nix-instantiate not installed';
      const lib = await findNixpkgsLib();
      if (!lib) return 'no nixpkgs lib: set NIXPKGS_LIB to a nixpkgs lib directory (or put nixpkgs on NIX_PATH)';
      return nixEval<T>([...(lib.kind === 'path' ? ['--argstr', 'libPath', lib.path] : []), path.join(repoRoot(), 'checks', file)]);
    })();
    evaluations.set(file, evaluation);
  }
  return evaluation as Promise<T | string>;
}

/** The outcome, or a visible skip when it cannot be had here. */
export async function outcome<T>(t: TestContext, evaluation: Promise<T | string>): Promise<T | null> {
  const value = await evaluation;
  if (typeof value === 'string') {
    t.skip(value);
    return null;
  }
  return value;
}

/** Runs a Python program on the test script (stdin), or says why it cannot. */
async function python(program: string, script: string, env: Record<string, string> = {}): Promise<string | { skip: string }> {
  const result = await execProgram('python3', ['-c', program], { input: script, env, timeoutMs: 60_000 });
  if (result.exitCode === 127 || /No module named/.test(result.stderr)) {
    return { skip: `python3 cannot run it here: ${result.stderr.trim().split('\n').pop() || 'not installed'}` };
  }
  assert.equal(result.exitCode, 0, `${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** String literals of the script (f-string parts included) that hold a shell pipeline. */
const PIPELINES = `
import ast, json, sys
tree = ast.parse(sys.stdin.read(), "testScript")
found = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str) and " | " in node.value}
print(json.dumps(sorted(found)))
`;

/** The script compiled as Python (a syntax error fails), and its string literals that hold a shell pipeline. */
async function shellPipelines(script: string): Promise<string[] | { skip: string }> {
  const found = await python(PIPELINES, script);
  return typeof found === 'string' ? (JSON.parse(found) as string[]) : found;
}

/**
 * The driver's own names that a script may use besides its machines' (the driver makes
 * them builtins for pyflakes; these are the ones the two scripts may use).
 */
const DRIVER_NAMES = ['start_all', 'subtest'];
const PYFLAKES = `
import sys
from pyflakes.api import check
from pyflakes.reporter import Reporter
sys.exit(1 if check(sys.stdin.read(), "testScript", Reporter(sys.stdout, sys.stdout)) else 0)
`;

/** pyflakes' report on the script (empty: clean), from python3's module or a pyflakes executable. */
async function pyflakes(script: string, machines: readonly string[]): Promise<string | { skip: string }> {
  const env = { PYFLAKES_BUILTINS: [...machines, ...DRIVER_NAMES].join(',') };
  const fromModule = await python(PYFLAKES, script, env);
  if (typeof fromModule === 'string') return fromModule;
  for (const program of ['pyflakes3', 'pyflakes']) {
    const result = await execProgram(program, [], { input: script, env, timeoutMs: 60_000 });
    if (result.exitCode === 127) continue;
    return result.stdout + result.stderr;
  }
  return { skip: `pyflakes not installed (${fromModule.skip})` };
}

/**
 * The two tests every VM test's script gets: it compiles with no shell pipeline, and it
 * passes pyflakes with its machines' names as builtins. `evaluate` gives the evaluated
 * test (or why it cannot be had here).
 */
export function testScriptLikeTheDriver(evaluate: () => Promise<{ testScript: string; nodes: string[] } | string>): void {
  test('the test script compiles as Python and runs no shell pipeline', async (t) => {
    const e = await outcome(t, evaluate());
    if (!e) return;
    const pipelines = await shellPipelines(e.testScript);
    if (!Array.isArray(pipelines)) {
      t.skip(pipelines.skip);
      return;
    }
    assert.deepEqual(pipelines, [], "a pipeline can die of SIGPIPE under the driver's set -euo pipefail");
  });

  test('the test script passes pyflakes, as the driver lints it', async (t) => {
    const e = await outcome(t, evaluate());
    if (!e) return;
    const lint = await pyflakes(e.testScript, e.nodes);
    if (typeof lint !== 'string') {
      t.skip(lint.skip);
      return;
    }
    assert.equal(lint, '');
  });
}
