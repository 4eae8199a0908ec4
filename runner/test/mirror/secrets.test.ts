// The mirror token: git gets it through environment config only, the API through its
// header only, and it shows up in no argv, log line, report or error.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { mirrorSyncCommand } from '../../src/cli/commands/mirror-sync.js';
import { execProgram, observeArgv } from '../../src/effects/exec.js';
import { gitAuthEnv, gitBaseEnv } from '../../src/effects/git.js';
import { MirrorSyncError } from '../../src/mirror/report.js';
import { readToken, scrub, tokenPath } from '../../src/mirror/secrets.js';
import { syncMirror } from '../../src/mirror/sync.js';
import { makeWorld } from './fixtures.js';
import { startGitHttpStandIn } from './git-http-stand-in.js';
import { startGiteaStandIn } from './gitea-stand-in.js';
import { tempDir } from '../support/temp-dirs.js';

function recordArgv(): { argvs: string[][]; stop: () => void } {
  const argvs: string[][] = [];
  const stop = observeArgv((argv) => argvs.push([...argv]));
  return { argvs, stop: () => void stop() };
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('the token in git environment config', () => {
  test('git reads the header from the environment for mirror URLs only, and no argv holds it', async () => {
    const token = 'tok-env-config-0123456789';
    const env = gitAuthEnv('https://git.example.org/ci', token);
    const { argvs, stop } = recordArgv();
    try {
      const mirror = await execProgram('git', ['config', '--get-urlmatch', 'http.extraHeader', 'https://git.example.org/ci/custom-html.git'], { env });
      assert.equal(mirror.exitCode, 0);
      assert.equal(mirror.stdout.trim(), `Authorization: token ${token}`);
      const upstream = await execProgram('git', ['config', '--get-urlmatch', 'http.extraHeader', 'https://git.coopcloud.tech/coop-cloud/custom-html.git'], { env });
      assert.equal(upstream.exitCode, 1, 'no header for another host');
      const sibling = await execProgram('git', ['config', '--get-urlmatch', 'http.extraHeader', 'https://git.example.org/cider/custom-html.git'], { env });
      assert.equal(sibling.exitCode, 1, 'no header for a path that merely starts the same');
      const base = await execProgram('git', ['config', '--get-urlmatch', 'http.extraHeader', 'https://git.example.org/ci/custom-html.git'], { env: gitBaseEnv() });
      assert.equal(base.exitCode, 1, 'the base environment carries no header');
    } finally {
      stop();
    }
    assert.ok(argvs.length > 0);
    assert.ok(argvs.every((argv) => argv.every((arg) => !arg.includes(token))));
  });

  test('a token that could break out of the header is refused', () => {
    assert.throws(() => gitAuthEnv('https://h/x', 'abc\nX-Evil: 1'));
    assert.throws(() => gitAuthEnv('https://h/x', 'abc def'));
  });

  test('readToken trims, and refuses empty, multi-word or missing token files without quoting them', async () => {
    const world = await makeWorld();
    try {
      assert.equal(await readToken(world.tokenFile), world.token);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(world.tokenFile, '  \n');
      await assert.rejects(readToken(world.tokenFile), /is empty/);
      await writeFile(world.tokenFile, 'secret-part-one secret-part-two\n');
      await assert.rejects(readToken(world.tokenFile), (error: Error) => !error.message.includes('secret-part'));
      await rm(world.tokenFile);
      await assert.rejects(readToken(world.tokenFile), /cannot read the mirror token file .*ENOENT/);
    } finally {
      await world.cleanup();
    }
  });

  test('scrub takes every occurrence out', () => {
    assert.equal(scrub('a SECRET b SECRET', ['SECRET']), 'a [redacted] b [redacted]');
    assert.equal(scrub('nothing', ['']), 'nothing');
  });
});

describe('end to end over HTTP', () => {
  test('the mirror gets the token as a header; upstream, argv, logs, report and output never see it', async () => {
    const world = await makeWorld();
    const http = await startGitHttpStandIn({ root: world.root, token: world.token });
    const api = await startGiteaStandIn({ token: world.token, owner: 'ci', repo: world.recipe });
    try {
      const c1 = await world.commit('first');
      await world.tag('1.0.0+1.0');
      await world.commit('second');
      await world.publish();
      const config = world.config({
        upstream: `${http.base}/upstream`,
        mirror: { url: `${http.base}/mirror`, api: api.api, owner: 'ci', tokenFile: world.tokenFile },
      });
      api.pulls.push({ number: 1, state: 'open', head: { sha: c1, ref: 'merged' }, title: 'merged' });
      const logs: string[] = [];
      const { argvs, stop } = recordArgv();
      let report;
      try {
        report = await syncMirror(config, world.recipe, { dryRun: false, canonicalVersion: null, log: (l) => logs.push(l) });
      } finally {
        stop();
      }
      assert.equal(await world.refs(world.mirrorDir), await world.refs(world.upstreamDir));
      assert.deepEqual(
        report.closedPrs.map((p) => p.number),
        [1],
      );

      const mirrorRequests = http.requests.filter((r) => r.path.startsWith('/mirror/'));
      const upstreamRequests = http.requests.filter((r) => r.path.startsWith('/upstream/'));
      assert.ok(mirrorRequests.some((r) => r.method === 'POST' && r.path.endsWith('git-receive-pack')), 'pushed over HTTP');
      assert.ok(mirrorRequests.every((r) => r.authorization === `token ${world.token}`));
      assert.ok(upstreamRequests.length > 0);
      assert.ok(upstreamRequests.every((r) => r.authorization === undefined), 'upstream never gets the token');
      assert.ok(api.requests.every((r) => r.authorization === `token ${world.token}`));

      assert.ok(argvs.length > 0);
      for (const argv of argvs) assert.ok(argv.every((arg) => !arg.includes(world.token)), JSON.stringify(argv));
      assert.ok(logs.length > 0);
      assert.ok(logs.every((line) => !line.includes(world.token)));
      assert.ok(!JSON.stringify(report).includes(world.token));

      // The command line, readable and JSON, and its failure path.
      for (const json of [false, true]) {
        const out = capture();
        const err = capture();
        const { argvs: cliArgv, stop: cliStop } = recordArgv();
        let code;
        try {
          const { writeFile } = await import('node:fs/promises');
          const file = `${world.root}/config.json`;
          await writeFile(
            file,
            JSON.stringify({
              cacheDir: config.cacheDir,
              stateDir: config.stateDir,
              upstream: config.upstream,
              mirror: config.mirror,
              recipes: config.recipes,
            }),
          );
          code = await mirrorSyncCommand.run([world.recipe, ...(json ? ['--json'] : [])], {
            configFile: file,
            env: {},
            stdout: out.stream,
            stderr: err.stream,
            stdin: process.stdin,
          });
        } finally {
          cliStop();
        }
        assert.equal(code, 0, err.text());
        assert.ok(!out.text().includes(world.token) && !err.text().includes(world.token));
        assert.ok(cliArgv.every((argv) => argv.every((arg) => !arg.includes(world.token))));
      }
      // The command-line syncs found nothing new (the sync record's fast path): their
      // listings, too, gave the token to the mirror only.
      assert.ok(http.requests.filter((r) => r.path.startsWith('/upstream/')).every((r) => r.authorization === undefined));
      assert.ok(http.requests.filter((r) => r.path.startsWith('/mirror/')).every((r) => r.authorization === `token ${world.token}`));
      assert.equal(http.requests.filter((r) => r.method === 'POST' && r.path.endsWith('git-receive-pack')).length, 1, 'one push in all');
    } finally {
      await api.close();
      await http.close();
      await world.cleanup();
    }
  });

  test('a token the mirror refuses fails at read-mirror without the token in the error', async () => {
    const world = await makeWorld();
    const http = await startGitHttpStandIn({ root: world.root, token: 'the-right-token' });
    try {
      await world.commit('first');
      await world.publish();
      const config = world.config({
        upstream: `${http.base}/upstream`,
        mirror: { url: `${http.base}/mirror`, api: null, owner: 'ci', tokenFile: world.tokenFile },
      });
      const { argvs, stop } = recordArgv();
      try {
        await assert.rejects(syncMirror(config, world.recipe, { dryRun: false, canonicalVersion: null }), (error: unknown) => {
          assert.ok(error instanceof MirrorSyncError);
          assert.equal(error.step, 'read-mirror');
          assert.ok(!error.message.includes(world.token));
          assert.ok(!(error.stack ?? '').includes(world.token));
          return true;
        });
      } finally {
        stop();
      }
      assert.ok(argvs.every((argv) => argv.every((arg) => !arg.includes(world.token))));
      assert.equal(await world.refs(world.mirrorDir), '');
    } finally {
      await http.close();
      await world.cleanup();
    }
  });

  test('a missing token file fails at the token step, naming the file', async () => {
    const world = await makeWorld();
    try {
      await world.commit('first');
      await world.publish();
      await rm(world.tokenFile);
      await assert.rejects(syncMirror(world.config(), world.recipe, { dryRun: false, canonicalVersion: null }), (error: unknown) => {
        assert.ok(error instanceof MirrorSyncError);
        assert.equal(error.step, 'token');
        assert.ok(error.message.includes(world.tokenFile));
        return true;
      });
    } finally {
      await world.cleanup();
    }
  });
});

describe('the token under systemd', () => {
  test('the unit credential is read when CREDENTIALS_DIRECTORY holds mirror-token', () => {
    const credentials = tempDir('ccci-credentials-');
    assert.equal(tokenPath('/etc/cc-ci/token', { CREDENTIALS_DIRECTORY: credentials }), '/etc/cc-ci/token');
    writeFileSync(path.join(credentials, 'mirror-token'), 'from-systemd');
    assert.equal(tokenPath('/etc/cc-ci/token', { CREDENTIALS_DIRECTORY: credentials }), path.join(credentials, 'mirror-token'));
    assert.equal(tokenPath('/etc/cc-ci/token', {}), '/etc/cc-ci/token');
  });
});
