// The Nix build sandbox, where `nix flake check` runs these tests (pkgs/runner-tests.nix),
// has no /usr/bin/env, and the test doubles of checks/fakes begin with
// `#!/usr/bin/env node`. Here /usr/bin/env is put out of reach the same way: where it
// exists, a private mount namespace lays over /usr/bin a directory of links to
// everything in it but env, so that /usr/bin/env is simply absent (ENOENT, as in the
// sandbox). There `ccci demo` (the sweep story on the doubles, self-checking) must pass,
// and a control shows that a `#!/usr/bin/env node` script really cannot start.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { execProgram } from '../../src/effects/exec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const ENV = '/usr/bin/env';

// Runs in the new mount namespace: /usr/bin bound to `orig` (so the links reach it),
// then the link farm bound over /usr/bin; then the command.
const HIDE_ENV = [
  'set -eu',
  'orig=$1 farm=$2',
  'shift 2',
  'mount --bind /usr/bin "$orig"',
  'mount --bind "$farm" /usr/bin',
  'exec "$@"',
].join('\n');

describe('the test doubles without /usr/bin/env (as in the Nix build sandbox)', () => {
  let scratch: string;
  /** How to run a command with /usr/bin/env out of reach, or why it cannot be done here. */
  let prefix: string[] | string;

  before(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'ccci-no-env-'));
    if (!existsSync(ENV)) {
      prefix = [];
      return;
    }
    const orig = path.join(scratch, 'usr-bin');
    const farm = path.join(scratch, 'farm');
    mkdirSync(orig);
    mkdirSync(farm);
    for (const name of readdirSync('/usr/bin')) {
      if (name !== 'env') symlinkSync(path.join(orig, name), path.join(farm, name));
    }
    prefix = ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', HIDE_ENV, 'hide-env', orig, farm];
    const probe = await execProgram(prefix[0] as string, [...prefix.slice(1), '/bin/sh', '-c', `test ! -e ${ENV}`]);
    if (probe.exitCode !== 0) prefix = `cannot hide ${ENV} here (unshare --mount needs root): ${probe.stderr.trim()}`;
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const run = async (t: TestContext, command: string[], timeoutMs = 60_000) => {
    if (typeof prefix === 'string') {
      t.skip(prefix);
      return null;
    }
    const [program, ...args] = [...prefix, ...command];
    return execProgram(program as string, args, { timeoutMs });
  };

  test('control: a script whose first line is `#!/usr/bin/env node` cannot start there', async (t) => {
    // What checks/fakes/bin/* begin with. A script of its own: the check's copy of the
    // doubles is already patched (pkgs/runner-tests.nix), this one never is.
    const script = path.join(scratch, 'env-node-script');
    writeFileSync(script, '#!/usr/bin/env node\nconsole.log("started");\n', { mode: 0o755 });
    const result = await run(t, ['/bin/sh', '-c', `test ! -e ${ENV} && exec "$0"`, script]);
    if (!result) return;
    assert.notEqual(result.exitCode, 0, `the script started although ${ENV} was out of reach`);
    assert.doesNotMatch(result.stdout, /started/);
    assert.match(result.stderr, /No such file|not found/i, result.stderr);
  });

  test('ccci demo passes on the doubles', async (t) => {
    const result = await run(t, ['/bin/sh', '-c', `test ! -e ${ENV} && exec "$@"`, 'demo', process.execPath, CLI, 'demo'], 180_000);
    if (!result) return;
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /demo: every step went as announced/);
  });
});
