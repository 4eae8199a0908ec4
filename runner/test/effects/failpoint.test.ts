// Failpoints do nothing unless CCCI_FAILPOINTS names them; a malformed value is an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, test } from 'node:test';
import { InputError } from '../../src/config/errors.js';
import { failpoint, FailpointError, FAILPOINTS, parseFailpoints } from '../../src/effects/failpoint.js';

const failpointModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/effects/failpoint.js');

describe('failpoints', () => {
  afterEach(() => {
    delete process.env.CCCI_FAILPOINTS;
  });

  test('off unless the variable names the point (and its subject, when given)', () => {
    failpoint('promote:record', 'r');
    process.env.CCCI_FAILPOINTS = 'promote:deploy=error,atomic-write:renamed@canonical.json=error';
    failpoint('promote:record', 'r');
    failpoint('atomic-write:renamed', 'meta.json');
    assert.throws(() => failpoint('promote:deploy', 'anything'), FailpointError);
    assert.throws(() => failpoint('atomic-write:renamed', 'canonical.json'), /failpoint atomic-write:renamed@canonical\.json: injected failure/);
  });

  test('enospc throws what a full disk throws', () => {
    process.env.CCCI_FAILPOINTS = 'lock:temp-written=enospc';
    assert.throws(() => failpoint('lock:temp-written'), (error: NodeJS.ErrnoException) => error.code === 'ENOSPC');
  });

  test('a typo is refused, never a point silently left off', () => {
    assert.throws(() => parseFailpoints('promote:deplyo=kill'), InputError);
    assert.throws(() => parseFailpoints('promote:deploy=explode'), /unknown action/);
    assert.throws(() => parseFailpoints('promote:deploy'), /is not <point>\[@<subject>\]=<action>/);
    assert.equal(parseFailpoints(' promote:deploy=kill , ').length, 1);
  });

  test('kill: the process dies by SIGKILL, saying where, and runs no further', () => {
    const script = `const { failpoint } = await import(${JSON.stringify(failpointModule)}); failpoint('promote:record', 'r'); console.log('ran on');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, CCCI_FAILPOINTS: 'promote:record=kill' },
      encoding: 'utf8',
    });
    assert.equal(child.signal, 'SIGKILL');
    assert.equal(child.stdout, '');
    assert.match(child.stderr, /ccci: failpoint promote:record@r: kill/);
  });

  test('every point says what has and has not happened when it fires', () => {
    for (const [point, description] of Object.entries(FAILPOINTS)) assert.ok(description.length > 20, point);
  });
});
