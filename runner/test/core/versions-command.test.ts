import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { versionsCommand } from '../../src/cli/commands/versions.js';
import { InputError } from '../../src/config/errors.js';

async function run(argv: string[], stdinText: string | null = null, stdinEncoding: BufferEncoding | null = null) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  if (stdinEncoding !== null) stdin.setEncoding(stdinEncoding);
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
  if (stdinText === null) stdin.end();
  else {
    // in two pieces, split inside a line, as a pipe may deliver it
    const middle = Math.floor(stdinText.length / 2);
    stdin.write(stdinText.slice(0, middle));
    stdin.end(stdinText.slice(middle));
  }
  const code = await versionsCommand.run(argv, { configFile: undefined, env: {}, stdout, stderr, stdin });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('ccci versions', () => {
  test('is named versions', () => {
    assert.equal(versionsCommand.name, 'versions');
    assert.match(versionsCommand.usage, /^versions sort\|latest \[TAG\.\.\.\]$/);
  });

  test('sort: arguments ascending on stdout, rejected tags with reasons on stderr', async () => {
    const result = await run(['sort', '6.0.0+28.0.0-fpm', '5.0.3+27.0.1-fpm', 'latest', '1.13.0+1.31.1', '1.13.0+1.9.0', 'v1.2.3']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '1.13.0+1.9.0\n1.13.0+1.31.1\n5.0.3+27.0.1-fpm\n6.0.0+28.0.0-fpm\n');
    assert.equal(
      result.stderr,
      'rejected "latest": "latest" has 1 dot-separated part, a release needs <major>.<minor>.<patch>[-<prerelease>][+<app version>]\n' +
        'rejected "v1.2.3": leading \'v\': Co-op Cloud release tags have none\n',
    );
  });

  test('sort: prereleases are versions and are sorted too; duplicates once', async () => {
    const result = await run(['sort', '2.0.0+x', '2.0.0-rc.1+x', '2.0.0+x']);
    assert.equal(result.stdout, '2.0.0-rc.1+x\n2.0.0+x\n');
    assert.equal(result.stderr, '');
  });

  test('sort: one tag a line on stdin when no tags are given (CRLF and blank lines tolerated)', async () => {
    const result = await run(['sort'], '1.13.4_2\r\n1.13.4+1.0\n\n1.13.4_1\n1.13.5\n1.13.4\n1.2 \n');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '1.13.4\n1.13.4+1.0\n1.13.4_1\n1.13.4_2\n1.13.5\n');
    assert.equal(result.stderr, 'rejected "1.2 ": contains whitespace\n');
  });

  test('sort: stdin that yields strings (an encoding was set) works as well', async () => {
    const result = await run(['sort'], '2.0.0\n1.0.0\n', 'utf8');
    assert.deepEqual(result, { code: 0, stdout: '1.0.0\n2.0.0\n', stderr: '' });
  });

  test('sort: empty stdin prints nothing', async () => {
    const result = await run(['sort'], '');
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
  });

  test('a tag that looks like an option is taken after --, and rejected', async () => {
    const result = await run(['sort', '--', '--upload-pack=x', '1.0.0']);
    assert.equal(result.stdout, '1.0.0\n');
    assert.equal(result.stderr, 'rejected "--upload-pack=x": starts with \'-\' (could be read as an option)\n');
    await assert.rejects(run(['sort', '--upload-pack=x']), InputError);
  });

  test('latest: the newest release, prereleases excluded', async () => {
    const result = await run(['latest', '2.0.0-rc.1+x', '1.13.0+1.9.0', '1.13.0+1.31.1', 'latest']);
    assert.deepEqual(result, { code: 0, stdout: '1.13.0+1.31.1\n', stderr: '' });
  });

  test('latest: from stdin', async () => {
    const result = await run(['latest'], '5.0.0+27.0.0-fpm\n6.0.0+28.0.0-fpm\n5.0.3+27.0.1-fpm\n');
    assert.deepEqual(result, { code: 0, stdout: '6.0.0+28.0.0-fpm\n', stderr: '' });
  });

  test('latest: no release exits 1 and says so', async () => {
    assert.deepEqual(await run(['latest', 'latest', '2.0.0-rc.1']), {
      code: 1,
      stdout: '',
      stderr: 'no release among 2 tags\n',
    });
    assert.deepEqual(await run(['latest'], ''), { code: 1, stdout: '', stderr: 'no release among 0 tags\n' });
    assert.deepEqual(await run(['latest', 'v1']), { code: 1, stdout: '', stderr: 'no release among 1 tag\n' });
  });

  test('missing or unknown mode is an InputError', async () => {
    await assert.rejects(run([]), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, 'missing mode: expected one of sort, latest');
      return true;
    });
    await assert.rejects(run(['newest', '1.0.0']), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, 'unknown mode "newest": expected one of sort, latest');
      return true;
    });
  });
});
