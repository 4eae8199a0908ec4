// The scenario of the NixOS VM test (checks/vm-test.nix), step for step, on this
// machine: the same fakes (checks/fakes), the same fixture shape (src/demo/fixtures.ts),
// the same recipe definition (checks/vm-repo), upstream and mirror as bare repositories,
// a file mirror with a token, and `ccci sweep` / `ccci sweep --retry-red` standing in
// for `systemctl start cc-ci-sweep-nightly` / `cc-ci-sweep-weekly`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { bareCloneOf, commitUntagged, createFixtureRecipe, publishTo, releaseVersion } from '../../src/demo/fixtures.js';
import { createSandbox, type Sandbox } from '../../src/demo/sandbox.js';
import { execChecked } from '../../src/effects/exec.js';
import { headCommit } from '../../src/effects/git.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../../../..');
const CLI = path.resolve(here, '../../src/cli/main.js');
const RECIPE = 'vmfix';

describe('the VM test scenario, on the test doubles', () => {
  let root: string;
  let sandbox: Sandbox;
  let work: string;
  let upstream: string;
  let mirror: string;
  let configFile: string;
  let canonical: string;

  const sweep = (weekly = false) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'sweep', ...(weekly ? ['--retry-red'] : [])], {
        env: { ...process.env, ...sandbox.env, CCCI_CONFIG: configFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
  const digest = () => createHash('sha256').update(readFileSync(canonical)).digest('hex');
  const refs = async (repo: string) =>
    (await execChecked('git', ['--git-dir', repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'])).stdout;
  const assertMirrorEqualsUpstream = async () => assert.equal(await refs(mirror), await refs(upstream));

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ccci-vm-scenario-'));
    sandbox = await createSandbox(root, { server: 'default', domain: 'ci.example.org' });
    work = path.join(root, 'work', RECIPE);
    upstream = path.join(root, 'git', 'upstream', `${RECIPE}.git`);
    mirror = path.join(root, 'git', 'mirror', `${RECIPE}.git`);
    canonical = path.join(sandbox.stateDir, RECIPE, 'canonical.json');
    const tokenFile = path.join(root, 'etc', 'mirror-token');
    mkdirSync(path.dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, 'vm-test-token', { mode: 0o400 });
    configFile = path.join(root, 'etc', 'config.json');
    // What services.cc-ci writes for the VM test's configuration.
    writeFileSync(
      configFile,
      JSON.stringify({
        repo: path.join(projectRoot, 'checks', 'vm-repo'),
        stateDir: sandbox.stateDir,
        runsDir: sandbox.runsDir,
        cacheDir: sandbox.cacheDir,
        abraDir: sandbox.abraDir,
        server: 'default',
        domain: 'ci.example.org',
        ingress: sandbox.ingress,
        upstream: `file://${path.dirname(upstream)}`,
        mirror: { url: `file://${path.dirname(mirror)}`, api: null, owner: 'cc-ci', tokenFile },
        recipes: { [RECIPE]: {} },
        maxConcurrentRuns: 1,
        minFreeDiskPercent: 0,
        metricsFile: null,
      }),
    );
  });
  after(async () => {
    await sandbox.stop();
    rmSync(root, { recursive: true, force: true });
  });

  let tagged = '';
  test('upstream: a tag, and main ahead of it untagged', async () => {
    await createFixtureRecipe(work, RECIPE, { version: '1.0.0+1.0' });
    tagged = await headCommit(work);
    const head = await commitUntagged(work, { version: '1.0.1+1.0', message: 'unreleased work on main' });
    await bareCloneOf(work, upstream);
    await bareCloneOf(work, mirror);
    assert.notEqual(tagged, head);
  });

  test("a new tag is promoted with the tag's commit, not main's head", async () => {
    const result = await sweep();
    assert.equal(result.code, 0, result.output);
    const record = JSON.parse(readFileSync(canonical, 'utf8')) as Record<string, string>;
    assert.equal(record.recipe, RECIPE);
    assert.equal(record.version, '1.0.0+1.0');
    assert.equal(record.commit, tagged);
    assert.ok(existsSync(path.join(sandbox.stateDir, RECIPE, 'snapshot', 'meta.json')));
    await assertMirrorEqualsUpstream();
  });

  test('nothing new: the sweep skips and the canonical is byte-identical', async () => {
    const before = digest();
    const result = await sweep();
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /no-new-version/);
    assert.equal(digest(), before);
  });

  test('an untagged head is not promoted', async () => {
    const before = digest();
    await commitUntagged(work, { version: '1.0.2+1.0', message: 'more unreleased work' });
    await publishTo(work, upstream);
    const result = await sweep();
    assert.equal(result.code, 0, result.output);
    assert.equal(digest(), before);
    await assertMirrorEqualsUpstream();
  });

  test('a red tag is not promoted and the sweep fails', async () => {
    const before = digest();
    await releaseVersion(work, '1.1.0+1.0', { deploy: 'fail' });
    await publishTo(work, upstream);
    const result = await sweep();
    assert.equal(result.code, 1, result.output);
    assert.equal(digest(), before);
    assert.equal((JSON.parse(readFileSync(canonical, 'utf8')) as { version: string }).version, '1.0.0+1.0');
    await assertMirrorEqualsUpstream();
  });

  test('the nightly sweep skips the known red tag, the weekly one runs it again', async () => {
    const before = digest();
    const nightly = await sweep();
    assert.equal(nightly.code, 0, nightly.output);
    assert.match(nightly.output, /known-red/);
    const weekly = await sweep(true);
    assert.equal(weekly.code, 1, weekly.output);
    assert.equal(digest(), before);
  });
});
