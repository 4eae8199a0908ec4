// writeFileAtomic: an explicit mode is the file's mode whatever the umask; without
// one the umask applies as to any new file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { tempFileWriter, tempPathFor, writeFileAtomic } from '../../src/effects/atomic-file.js';
import { tempDir } from '../support/temp-dirs.js';

async function withUmask<T>(mask: number, body: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await body();
  } finally {
    process.umask(previous);
  }
}

test('an explicit mode holds whatever the umask, for a new file and a replaced one', async () => {
  const dir = tempDir('ccci-atomic-mode-');
  const file = path.join(dir, 'metrics.prom');
  await withUmask(0o077, () => writeFileAtomic(file, 'one\n', { mode: 0o644 }));
  assert.equal(statSync(file).mode & 0o777, 0o644);
  await withUmask(0o077, () => writeFileAtomic(file, 'two\n', { mode: 0o644 }));
  assert.equal(statSync(file).mode & 0o777, 0o644);
  assert.equal(readFileSync(file, 'utf8'), 'two\n');
  await withUmask(0o022, () => writeFileAtomic(file, 'three\n', { mode: 0o600 }));
  assert.equal(statSync(file).mode & 0o777, 0o600, 'a private file stays private under a lax umask');
  assert.deepEqual(readdirSync(dir), ['metrics.prom'], 'no temp file is left behind');
});

test('without a mode the umask applies', async () => {
  const dir = tempDir('ccci-atomic-umask-');
  const file = path.join(dir, 'state.json');
  await withUmask(0o077, () => writeFileAtomic(file, '{}\n'));
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test("a temp file's writer is the pid in its name, whatever its target's name and its hex (even one of only digits)", () => {
  const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4_194_304 }), fc.integer({ min: 0, max: 0xffffffff }), (parts, pid, hex) => {
      const hexText = hex.toString(16).padStart(8, '0');
      const name = `.${parts.join('.')}.${pid}.${hexText}.tmp`;
      return tempFileWriter(name) === pid;
    }),
    { numRuns: 5000 },
  );
  // The hexes the regression was about: only digits.
  assert.equal(tempFileWriter('.listings.28572.04213352.tmp'), 28572);
  assert.equal(tempFileWriter('.attempts.state.json.7.12345678.tmp'), 7);
  // What tempPathFor makes, and the short form of the snapshot link.
  assert.equal(tempFileWriter(path.basename(tempPathFor('/x/canonical.json'))), process.pid);
  assert.equal(tempFileWriter('.snapshot.4242.tmp'), 4242);
  assert.equal(tempFileWriter('.snapshot.12345678.tmp'), 12345678);
  for (const name of ['canonical.json', '.canonical.json', '.x.tmp', '.x.abc.tmp', 'x.1.tmp']) assert.equal(tempFileWriter(name), null, name);
});
