// The dashboard's file creator: new files made on a thread while the caller goes on.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FileCreator } from '../../src/dashboard/file-creator.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'ccci-file-creator-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = path.join(root, String((n += 1)));
  writeFileSync(`${dir}.keep`, '');
  return mkdtempSync(`${dir}-`);
};

for (const thread of [true, false]) {
  describe(`FileCreator (${thread ? 'on its thread' : 'without a thread'})`, () => {
    test('creates every file with its content, the mode exact whatever the umask', async () => {
      const dir = fresh();
      const old = process.umask(0o077);
      const creator = new FileCreator(0o644, { thread, inlineFirst: thread ? 1 : 0 });
      try {
        for (let i = 0; i < 50; i += 1) creator.create(path.join(dir, `f${i}`), i % 2 === 0 ? `text ${i} é` : new Uint8Array([i, 0, 255]));
        await creator.finish();
      } finally {
        process.umask(old);
        await creator.close();
      }
      assert.equal(creator.paths.length, 50);
      assert.equal(readFileSync(path.join(dir, 'f10'), 'utf8'), 'text 10 é');
      assert.deepEqual([...readFileSync(path.join(dir, 'f11'))], [11, 0, 255]);
      for (const file of creator.paths) assert.equal(statSync(file).mode & 0o777, 0o644);
    });

    test('never replaces a file: finish names the first that could not be made, and nothing after it is made', async () => {
      const dir = fresh();
      writeFileSync(path.join(dir, 'taken'), 'someone else');
      const creator = new FileCreator(0o644, { thread, inlineFirst: thread ? 1 : 0 });
      try {
        creator.create(path.join(dir, 'before'), 'b');
        if (thread) {
          creator.create(path.join(dir, 'taken'), 'mine');
          creator.create(path.join(dir, 'after'), 'a');
          await assert.rejects(creator.finish(), (error: Error) => error.message.includes(path.join(dir, 'taken')) && /EEXIST/.test(error.message));
        } else {
          assert.throws(() => creator.create(path.join(dir, 'taken'), 'mine'), /EEXIST/);
        }
      } finally {
        await creator.close();
      }
      assert.equal(readFileSync(path.join(dir, 'taken'), 'utf8'), 'someone else');
      assert.equal(readFileSync(path.join(dir, 'before'), 'utf8'), 'b');
      assert.equal(existsSync(path.join(dir, 'after')), false);
    });
  });
}

test('FileCreator on its thread: a failure in one batch of files stops the later batches too', async () => {
  const dir = fresh();
  writeFileSync(path.join(dir, 'f5'), 'someone else');
  const creator = new FileCreator(0o644, { inlineFirst: 1 });
  try {
    // Big enough that the files go in several messages, some by count, some by size.
    for (let i = 0; i < 60; i += 1) creator.create(path.join(dir, `f${i}`), i % 7 === 0 ? 'x'.repeat(200 * 1024) : `page ${i}`);
    await assert.rejects(creator.finish(), (error: Error) => error.message.includes(path.join(dir, 'f5')) && /EEXIST/.test(error.message));
  } finally {
    await creator.close();
  }
  assert.equal(readFileSync(path.join(dir, 'f5'), 'utf8'), 'someone else');
  assert.equal(readFileSync(path.join(dir, 'f4'), 'utf8'), 'page 4');
  for (const i of [6, 20, 40, 59]) assert.equal(existsSync(path.join(dir, `f${i}`)), false, `f${i} made after the failure`);
});

test('FileCreator on its thread: every file of every batch is made, in full, by finish', async () => {
  const dir = fresh();
  const creator = new FileCreator(0o644, { inlineFirst: 0 });
  try {
    for (let i = 0; i < 123; i += 1) creator.create(path.join(dir, `f${i}`), i % 10 === 0 ? 'y'.repeat(300 * 1024) : `page ${i}`);
    await creator.finish();
  } finally {
    await creator.close();
  }
  for (let i = 0; i < 123; i += 1) assert.equal(statSync(path.join(dir, `f${i}`)).size, i % 10 === 0 ? 300 * 1024 : `page ${i}`.length);
});
