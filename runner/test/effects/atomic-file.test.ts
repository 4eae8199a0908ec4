// writeFileAtomic: an explicit mode is the file's mode whatever the umask; without
// one the umask applies as to any new file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../src/effects/atomic-file.js';
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
