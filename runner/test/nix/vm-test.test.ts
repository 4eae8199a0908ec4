// The NixOS VM test on the test doubles (checks/vm-test.nix) cannot run here (it needs
// Nix and KVM). Its scenario runs as a node test (test/sweep/vm-scenario.test.ts); what
// the driver would refuse before it boots anything is checked here: the test,
// evaluated against nixpkgs' lib with stand-in packages (checks/vm-test-eval.nix),
// declares its one machine, and its script, every interpolation resolved, compiles as
// Python, runs no shell pipeline and passes pyflakes as the driver runs it (a
// $NIXPKGS_LIB, or nixpkgs on NIX_PATH; python3 and pyflakes for the script). Each part
// says why it skips when it cannot run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateAgainstLib, outcome, testScriptLikeTheDriver } from './vm-script.js';

interface Evaluation {
  name: string;
  testScript: string;
  nodes: string[];
}

const evaluateVmTest = () => evaluateAgainstLib<Evaluation>('vm-test-eval.nix');

describe('the VM test on the doubles, evaluated against nixpkgs lib', () => {
  test('one machine, `machine`, which the script drives, with the store paths of the doubles', async (t) => {
    const e = await outcome(t, evaluateVmTest());
    if (!e) return;
    assert.equal(e.name, 'cc-ci');
    assert.deepEqual(e.nodes, ['machine']);
    assert.match(e.testScript, /\bmachine\.succeed\(/);
    // The store paths of the stand-ins the script names (the store is the caller's:
    // runner-tests has one of its own): the doubles and the compose files it commits.
    assert.match(e.testScript, /\/0{32}-ccci-vm-fakes\/bin\/abra version/);
    assert.match(e.testScript, /\/0{32}-compose-1\.0\.0\+1\.0\.yml/);
  });

  testScriptLikeTheDriver(evaluateVmTest);
});
