// The copy of checks/fakes a sandbox puts on PATH: bin/ scripts name the interpreter
// they are given, lib/ comes along, and an interpreter no `#!` line can hold is refused.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launchableFakes, shebangFor, withShebang } from '../../src/demo/launchable-fakes.js';
import { tempDir } from '../support/temp-dirs.js';

test('shebangFor: an absolute path without blanks that fits in 255 bytes', () => {
  assert.equal(shebangFor('/nix/store/abc-nodejs-20/bin/node'), '#!/nix/store/abc-nodejs-20/bin/node');
  assert.equal(shebangFor('/opt/my node/bin/node'), null, 'a blank would split the line');
  assert.equal(shebangFor('bin/node'), null, 'a relative interpreter');
  assert.equal(shebangFor(`/${'x'.repeat(253)}`), null, 'longer than the kernel reads');
  assert.equal(shebangFor(`/${'x'.repeat(252)}`), `#!/${'x'.repeat(252)}`);
});

test('withShebang replaces the first line, or adds one', () => {
  assert.equal(withShebang('#!/usr/bin/env node\nimport x;\n', '#!/n'), '#!/n\nimport x;\n');
  assert.equal(withShebang('import x;\n', '#!/n'), '#!/n\nimport x;\n');
  assert.equal(withShebang('#!/usr/bin/env node', '#!/n'), '#!/n\n');
});

test('launchableFakes copies bin/ and lib/ and points every script at the interpreter', () => {
  const root = tempDir('ccci-launchable-');
  const source = path.join(root, 'fakes');
  mkdirSync(path.join(source, 'bin'), { recursive: true });
  mkdirSync(path.join(source, 'lib'));
  writeFileSync(path.join(source, 'bin', 'abra'), "#!/usr/bin/env node\nimport '../lib/x.mjs';\n", { mode: 0o644 });
  writeFileSync(path.join(source, 'lib', 'x.mjs'), 'export {};\n');
  const bin = launchableFakes(source, path.join(root, 'copy'), '/opt/node/bin/node');
  assert.equal(bin, path.join(root, 'copy', 'bin'));
  assert.equal(readFileSync(path.join(bin, 'abra'), 'utf8'), "#!/opt/node/bin/node\nimport '../lib/x.mjs';\n");
  assert.equal(statSync(path.join(bin, 'abra')).mode & 0o777, 0o755);
  assert.equal(readFileSync(path.join(root, 'copy', 'lib', 'x.mjs'), 'utf8'), 'export {};\n');
  assert.match(readFileSync(path.join(source, 'bin', 'abra'), 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the source is left alone');
});
