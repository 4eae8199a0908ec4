// A snapshot directory that agrees with a hand-written canonical record as far as the
// start-of-sweep check looks (meta.json, archive sizes): for tests that write records
// without running a promote. The archives hold zeros, not tar data: verifySnapshot
// (checksums, tar --list) would refuse them, which is what a test of that needs.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CanonicalRecord } from '../../src/registry/canonical.js';
import { snapshotDir } from '../../src/registry/snapshot.js';

export function writeSnapshotFixture(stateDir: string, record: CanonicalRecord): string {
  const dir = snapshotDir(stateDir, record.recipe, record.snapshot.id);
  mkdirSync(path.join(dir, 'volumes'), { recursive: true });
  const names = record.snapshot.volumes;
  const volumes = names.map((name, index) => {
    // The record's bytes shared out, the first volume taking the remainder.
    const share = Math.floor(record.snapshot.bytes / names.length);
    const bytes = index === 0 ? record.snapshot.bytes - share * (names.length - 1) : share;
    const content = Buffer.alloc(bytes);
    const archive = `volumes/${name}.tar`;
    writeFileSync(path.join(dir, archive), content);
    return { name, archive, bytes, sha256: createHash('sha256').update(content).digest('hex') };
  });
  const meta = {
    schema: 1,
    id: record.snapshot.id,
    recipe: record.recipe,
    version: record.version,
    commit: record.commit,
    stack: record.domain.replace(/\./g, '_'),
    createdAt: record.promotedAt,
    volumes,
  };
  writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return dir;
}

/** A hand-written canonical record (custom-html 1.0.0+1.0 unless `overrides` say otherwise) of a snapshot of two volumes. */
export function canonicalFixture(overrides: Partial<CanonicalRecord> = {}): CanonicalRecord {
  const recipe = overrides.recipe ?? 'custom-html';
  return {
    schema: 1,
    recipe,
    domain: `warm-${recipe}.ci.example.org`,
    version: '1.0.0+1.0',
    commit: 'c'.repeat(40),
    status: 'idle',
    promotedAt: '2026-06-17T06:50:27.000Z',
    updatedAt: '2026-06-17T06:50:27.000Z',
    runId: 'run-1',
    level: 5,
    snapshot: { id: 'run-1-abc', volumes: ['content', 'db'], bytes: 3000 },
    ...overrides,
  };
}
