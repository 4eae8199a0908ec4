// The one-pass tar check against archives GNU tar really writes, whole and damaged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ArchiveChecker, ArchiveFormatError } from '../../src/registry/archive-check.js';
import { tempDir } from '../support/temp-dirs.js';

function check(bytes: Uint8Array, chunks: readonly number[] = []): ReturnType<ArchiveChecker['finish']> {
  const checker = new ArchiveChecker();
  let at = 0;
  for (const size of chunks) {
    checker.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
    at = Math.min(bytes.length, at + size);
  }
  checker.push(bytes.subarray(at));
  return checker.finish();
}

describe('tar archive check', () => {
  let gnu: Buffer;
  let pax: Buffer;
  let empty: Buffer;
  const members = 9; // ., dir/, dir/a.txt, empty, long name, its dir, symlink, hard link, big.bin
  before(() => {
    const root = tempDir('ccci-archive-');
    const src = path.join(root, 'src');
    mkdirSync(path.join(src, 'dir'), { recursive: true });
    writeFileSync(path.join(src, 'dir', 'a.txt'), 'hello\n');
    writeFileSync(path.join(src, 'empty'), '');
    const longDir = path.join(src, 'd'.repeat(120));
    mkdirSync(longDir);
    writeFileSync(path.join(longDir, 'n'.repeat(120)), 'long name');
    symlinkSync('dir/a.txt', path.join(src, 'link'));
    linkSync(path.join(src, 'empty'), path.join(src, 'hard'));
    writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(70_000, 1));
    const tar = (format: string, out: string) => {
      execFileSync('tar', ['--create', `--format=${format}`, '--file', out, '--directory', src, '.']);
      return readFileSync(out);
    };
    gnu = tar('gnu', path.join(root, 'gnu.tar'));
    pax = tar('pax', path.join(root, 'pax.tar'));
    const emptyDir = path.join(root, 'nothing');
    mkdirSync(emptyDir);
    execFileSync('tar', ['--create', '--file', path.join(root, 'empty.tar'), '--directory', emptyDir, '.']);
    empty = readFileSync(path.join(root, 'empty.tar'));
  });

  test('whole archives pass and their members are counted (GNU and pax formats, long names, links)', () => {
    assert.deepEqual(check(gnu), { entries: members, bytes: gnu.length });
    assert.equal(check(pax).entries, members);
    assert.equal(check(empty).entries, 1, 'an empty volume is one member: "."');
  });

  test('however the bytes arrive in chunks (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 40 }), (chunks) => {
        assert.deepEqual(check(gnu, chunks), { entries: members, bytes: gnu.length });
      }),
    );
  });

  const damaged: [string, () => Buffer, RegExp][] = [
    ['cut off inside a member', () => gnu.subarray(0, 1024 + 100), /cut off/],
    ['cut off at a block boundary before the end marker', () => gnu.subarray(0, 1536), /cut off|end-of-archive/],
    [
      'no end marker at all',
      () => {
        let last = gnu.length - 1;
        while (last > 0 && gnu[last] === 0) last -= 1;
        return gnu.subarray(0, Math.ceil((last + 1) / 512) * 512);
      },
      /end-of-archive/,
    ],
    ['garbage after the end', () => Buffer.concat([gnu, Buffer.from('garbage')]), /after the end|cut off/],
    [
      'a flipped byte in a header',
      () => {
        const copy = Buffer.from(gnu);
        copy[600] = (copy[600] as number) ^ 0xff;
        return copy;
      },
      /checksum|header/,
    ],
    ['not tar at all', () => Buffer.alloc(10240, 7), /no tar header/],
  ];
  for (const [name, bytes, pattern] of damaged) {
    test(`damaged: ${name}`, () => {
      assert.throws(() => check(bytes()), (error: unknown) => error instanceof ArchiveFormatError && pattern.test(error.message));
    });
  }

  test('nothing at all is not an archive', () => {
    assert.throws(() => check(Buffer.alloc(0)), ArchiveFormatError);
  });
});
