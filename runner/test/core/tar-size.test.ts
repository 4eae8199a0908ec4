// The archive size the disk guard counts: headers, long names and padding, as GNU tar
// writes them (test/effects/tar-size.test.ts holds the figure against real tar output).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { TAR_BLOCK, TAR_RECORD, tarArchiveBytes, tarMemberBytes, tarMemberName, type TarEntry } from '../../src/core/tar-size.js';

const root: TarEntry = { kind: 'directory', path: '', size: 0 };
const file = (p: string, size: number): TarEntry => ({ kind: 'file', path: p, size });

describe('tar member sizes', () => {
  test('names as tar gives them with --directory DIR .', () => {
    assert.equal(tarMemberName(root), './');
    assert.equal(tarMemberName(file('a', 1)), './a');
    assert.equal(tarMemberName({ kind: 'directory', path: 'd/e' }), './d/e/');
  });

  test('a header block, then the content in whole blocks', () => {
    assert.equal(tarMemberBytes(file('a', 0)), 512);
    assert.equal(tarMemberBytes(file('a', 1)), 1024);
    assert.equal(tarMemberBytes(file('a', 512)), 1024);
    assert.equal(tarMemberBytes(file('a', 513)), 1536);
    assert.equal(tarMemberBytes({ kind: 'directory', path: 'd', size: 4096 }), 512, 'a directory has no content');
    assert.equal(tarMemberBytes({ kind: 'symlink', path: 'l', size: 0, linkTarget: 'x' }), 512);
  });

  test('a name or link target of 100 bytes or more takes a long-name member', () => {
    assert.equal(tarMemberBytes(file('n'.repeat(97), 0)), 512, './ + 97 = 99 bytes fits the field');
    assert.equal(tarMemberBytes(file('n'.repeat(98), 0)), 512 + 512 + 512);
    assert.equal(tarMemberBytes(file('n'.repeat(600), 0)), 512 + 512 + 1024);
    assert.equal(tarMemberBytes({ kind: 'symlink', path: 'l', size: 0, linkTarget: 't'.repeat(100) }), 512 + 1024);
  });
});

describe('archive sizes', () => {
  test('an empty directory: its header and the end blocks, in one record', () => {
    assert.equal(tarArchiveBytes([root]), TAR_RECORD);
  });

  test('2,500 one-byte files take 2.5 MB, not 2,500 bytes', () => {
    const entries = [root, ...Array.from({ length: 2500 }, (_, i) => file(`f${i}`, 1))];
    const bytes = tarArchiveBytes(entries);
    assert.equal(bytes, Math.ceil((512 + 2500 * 1024 + 1024) / TAR_RECORD) * TAR_RECORD);
    assert.ok(bytes > 1000 * 2500);
  });

  test('property: whole records, never less than the content, grows with every member', () => {
    const entry = fc.record({
      kind: fc.constantFrom<TarEntry['kind']>('file', 'directory', 'symlink', 'other'),
      path: fc.string({ minLength: 1, maxLength: 300 }),
      size: fc.nat({ max: 1 << 20 }),
      linkTarget: fc.string({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), entry, (entries, extra) => {
        const bytes = tarArchiveBytes(entries);
        assert.equal(bytes % TAR_RECORD, 0);
        const content = entries.filter((e) => e.kind === 'file').reduce((sum, e) => sum + e.size, 0);
        assert.ok(bytes >= content + (entries.length + 2) * TAR_BLOCK);
        assert.ok(tarArchiveBytes([...entries, extra]) >= bytes);
      }),
      { numRuns: 300 },
    );
  });
});
