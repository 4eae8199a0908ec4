import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import {
  canonicalPath,
  loadCanonical,
  readCanonical,
  RegistryError,
  writeCanonical,
  writeCanonicalStatus,
  type CanonicalRecord,
} from '../../src/registry/canonical.js';
import { tempDir } from '../support/temp-dirs.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function stateDir(): string {
  return tempDir('ccci-state-');
}

function record(overrides: Partial<CanonicalRecord> = {}): CanonicalRecord {
  return {
    schema: 1,
    recipe: 'custom-html',
    domain: 'warm-custom-html.ci.example.org',
    version: '1.13.0+1.31.1',
    commit: 'df2e273'.padEnd(40, '0'),
    status: 'idle',
    promotedAt: '2026-06-17T06:50:27.000Z',
    updatedAt: '2026-06-17T06:50:27.000Z',
    runId: 'run-1',
    level: 5,
    snapshot: { id: 'run-1', volumes: ['content'], bytes: 10240 },
    ...overrides,
  };
}

describe('canonical registry record', () => {
  test('absent when there is no file', async () => {
    assert.deepEqual(await readCanonical(stateDir(), 'custom-html'), { state: 'absent' });
    assert.equal(await loadCanonical(stateDir(), 'custom-html'), null);
  });

  test('write then read returns the same record', async () => {
    const dir = stateDir();
    await writeCanonical(dir, record());
    assert.deepEqual(await readCanonical(dir, 'custom-html'), { state: 'present', record: record() });
  });

  test('a status write moves updatedAt and never promotedAt', async () => {
    const dir = stateDir();
    await writeCanonical(dir, record());
    const next = await writeCanonicalStatus(dir, 'custom-html', 'in-use', new Date('2026-07-01T00:00:00Z'));
    assert.equal(next.status, 'in-use');
    assert.equal(next.updatedAt, '2026-07-01T00:00:00.000Z');
    assert.equal(next.promotedAt, record().promotedAt);
    const reread = await loadCanonical(dir, 'custom-html');
    assert.deepEqual(reread, next);
  });

  test('a status write with no canonical is an error', async () => {
    await assert.rejects(writeCanonicalStatus(stateDir(), 'custom-html', 'idle'), RegistryError);
  });

  const invalid: [string, string, RegExp][] = [
    ['not JSON', '{"schema":', /not valid JSON/],
    ['short commit', JSON.stringify(record({ commit: 'df2e273' })), /commit: a 40-hex commit id/],
    ['missing promotedAt', JSON.stringify({ ...record(), promotedAt: undefined }), /promotedAt/],
    ['unknown schema', JSON.stringify({ ...record(), schema: 2 }), /schema/],
    ['unknown key', JSON.stringify({ ...record(), extra: 1 }), /extra/],
    ['another recipe', JSON.stringify(record({ recipe: 'ghost' })), /names recipe ghost/],
  ];
  for (const [name, content, pattern] of invalid) {
    test(`invalid record (${name}) is reported and the file left alone`, async () => {
      const dir = stateDir();
      mkdirSync(path.join(dir, 'custom-html'), { recursive: true });
      writeFileSync(canonicalPath(dir, 'custom-html'), content);
      const read = await readCanonical(dir, 'custom-html');
      assert.equal(read.state, 'invalid');
      assert.match((read as { problem: string }).problem, pattern);
      await assert.rejects(loadCanonical(dir, 'custom-html'), RegistryError);
      assert.equal(readFileSync(canonicalPath(dir, 'custom-html'), 'utf8'), content);
    });
  }

  test('an invalid record is refused on write and nothing is written', async () => {
    const dir = stateDir();
    await assert.rejects(writeCanonical(dir, record({ level: 9 })));
    assert.deepEqual(await readCanonical(dir, 'custom-html'), { state: 'absent' });
  });

  test('a crash between the temp write and the rename leaves the old record byte-identical', async () => {
    const dir = stateDir();
    await writeCanonical(dir, record());
    const before = readFileSync(canonicalPath(dir, 'custom-html'));
    const child = spawnSync(
      process.execPath,
      [path.join(here, 'crash-writer.js'), dir, JSON.stringify(record({ version: '1.14.0+1.32.0' }))],
      { encoding: 'utf8' },
    );
    assert.equal(child.signal, 'SIGKILL', `the writer should have died: ${child.stderr}`);
    assert.deepEqual(readFileSync(canonicalPath(dir, 'custom-html')), before);
    assert.equal((await loadCanonical(dir, 'custom-html'))?.version, '1.13.0+1.31.1');
    // The durable temp file is left beside it, never under the record's name.
    assert.ok(readdirSync(path.join(dir, 'custom-html')).some((n) => n.endsWith('.tmp')));
  });
});

describe('snapshot ids name one directory entry, never a path', () => {
  for (const id of ['.', '..', '../other', 'a/b', '.hidden', '', '-x', 'a\nb']) {
    test(`${JSON.stringify(id)} makes the record invalid, and writing it is refused`, async () => {
      const dir = stateDir();
      const file = canonicalPath(dir, 'custom-html');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(record({ snapshot: { id, volumes: ['content'], bytes: 1 } })));
      const read = await readCanonical(dir, 'custom-html');
      assert.equal(read.state, 'invalid');
      assert.match(read.state === 'invalid' ? read.problem : '', /snapshot\.id: a snapshot directory name/);
      await assert.rejects(writeCanonical(dir, record({ snapshot: { id, volumes: ['content'], bytes: 1 } })));
    });
  }
  test('volume names are checked too', async () => {
    await assert.rejects(writeCanonical(stateDir(), record({ snapshot: { id: 'ok', volumes: ['../x'], bytes: 1 } })));
  });
});
