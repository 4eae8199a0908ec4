// The README's main command: `ccci demo` tells the sweep's story and checks it itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

test('ccci demo: promote, skip, untagged, red, known red, new green promote; exit 0', () => {
  const result = spawnSync(process.execPath, [CLI, 'demo'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const steps = result.stdout.split('\n').filter((line) => line.startsWith('ok: as expected'));
  assert.equal(steps.length, 6, result.stdout);
  assert.doesNotMatch(result.stdout, /NOT AS EXPECTED/);
  assert.match(result.stdout, /demo: every step went as announced/);
  assert.match(result.stdout, /custom-html\s+1\.2\.0\+1\.29\.0\s+[0-9a-f]{8}\s+idle/);
  assert.doesNotMatch(result.stdout + result.stderr, /demo-token-never-printed/, 'the mirror token is never printed');
});
