// The disk guard's figure against what GNU tar really writes, for trees of every shape:
// many small files, long names and link targets, empty files, block-edge sizes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { archiveBytesOf } from '../../src/effects/tar-size.js';
import { archiveDirectory } from '../../src/effects/tar.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccci-tar-size-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

async function actualTarBytes(dir: string): Promise<number> {
  const archive = path.join(scratch, `archive-${(counter += 1)}.tar`);
  await archiveDirectory(dir, archive);
  const size = statSync(archive).size;
  rmSync(archive);
  return size;
}

function freshDir(): string {
  const dir = path.join(scratch, `tree-${(counter += 1)}`);
  mkdirSync(dir);
  return dir;
}

describe('archiveBytesOf: what tar writes', () => {
  test('2,500 one-byte files: the figure is the archive size, some 2.5 MB, where their contents are 2,500 bytes', async () => {
    const dir = freshDir();
    for (let i = 0; i < 2500; i += 1) writeFileSync(path.join(dir, `f${i}`), 'x');
    const estimate = await archiveBytesOf(dir);
    assert.equal(estimate, await actualTarBytes(dir));
    assert.ok(estimate > 2_500_000);
  });

  test('property: exactly the size of the archive tar makes, for random trees', async () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,60}$/);
    const node = fc.record({
      dirs: fc.array(segment, { maxLength: 3 }),
      name: segment,
      kind: fc.constantFrom('file', 'symlink', 'dir'),
      size: fc.oneof(fc.constantFrom(0, 1, 511, 512, 513, 10240), fc.nat({ max: 30_000 })),
      target: fc.stringMatching(/^[a-z./]{1,150}$/),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(node, { maxLength: 25 }), async (nodes) => {
        const dir = freshDir();
        for (const n of nodes) {
          const parent = path.join(dir, ...n.dirs);
          const target = path.join(parent, n.name);
          try {
            mkdirSync(parent, { recursive: true });
            if (n.kind === 'file') writeFileSync(target, Buffer.alloc(n.size, 7));
            else if (n.kind === 'symlink') symlinkSync(n.target, target);
            else mkdirSync(target, { recursive: true });
          } catch {
            // A name (or a parent directory's) already taken by another kind of node: this tree has one node fewer.
          }
        }
        assert.equal(await archiveBytesOf(dir), await actualTarBytes(dir));
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 25 },
    );
  });
});
