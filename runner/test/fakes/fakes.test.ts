// The abra/docker test doubles: strict where real abra is strict, faithful in what they
// do to ABRA_DIR and the fake swarm, and steered by the recipe's x-ccci-fake mapping.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execProgram } from '../../src/effects/exec.js';
import { cloneRepo } from '../../src/effects/git.js';
import { createFixtureRecipe, releaseVersion, commitUntagged } from '../../src/demo/fixtures.js';
import { createSandbox, type Sandbox } from '../../src/demo/sandbox.js';
import { httpGet } from '../../src/effects/http.js';
import {
  deployedVersion,
  deployedChaosVersion,
  listStackSecrets,
  listStackVolumes,
  stackContainers,
  volumeMountpoint,
  waitStackGone,
} from '../../src/effects/docker.js';
import { parseLintTable } from '../../src/run/lint-table.js';

let root: string;
let sandbox: Sandbox;
let recipeCounter = 0;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ccci-fakes-'));
  sandbox = await createSandbox(root);
});
after(async () => {
  await sandbox.stop();
  await rm(root, { recursive: true, force: true });
});

async function abra(args: string[], env: Record<string, string> = {}) {
  return execProgram('abra', args, { env: { ABRA_DIR: sandbox.abraDir, ...env } });
}
async function docker(args: string[]) {
  return execProgram('docker', args);
}
/** abra under a terminal (script(1)), as the commands that insist on one need it. */
async function abraPty(args: string[], env: Record<string, string> = {}) {
  return execProgram('script', ['-qec', ['abra', ...args].join(' '), '/dev/null'], { env: { ABRA_DIR: sandbox.abraDir, ...env } });
}
async function undeployAndWait(domain: string, stack: string) {
  await abra(['app', 'undeploy', domain, '-n']);
  await waitStackGone(stack, { timeoutMs: 10_000, pollMs: 50 });
}

/** A recipe checked out in the operator ABRA_DIR (as `abra` expects), with tags 1.0.0+a and 1.1.0+a. */
async function stageRecipe(fake: Parameters<typeof releaseVersion>[2] = {}) {
  recipeCounter += 1;
  const name = `fix${recipeCounter}`;
  const upstream = path.join(root, 'upstream', name);
  await createFixtureRecipe(upstream, name, { version: '1.0.0+a' });
  await releaseVersion(upstream, '1.1.0+a', fake);
  await cloneRepo(upstream, path.join(sandbox.abraDir, 'recipes', name));
  const domain = `${name}.${sandbox.domain}`;
  return { name, upstream, domain, stack: domain.replace(/\./g, '_') };
}

async function newApp(name: string, domain: string, version?: string) {
  const args = ['app', 'new', name, ...(version ? [version] : []), '--server', sandbox.server, '--domain', domain, '--secrets', '-n'];
  const result = await abra(args);
  assert.equal(result.exitCode, 0, result.stdout);
}

describe('abra double: refuses what real abra refuses', () => {
  test('an unknown flag, with the message on stdout', async () => {
    const { name, domain } = await stageRecipe();
    const result = await abra(['app', 'new', name, '--server', sandbox.server, '--domain', domain, '--bogus', '-n']);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stdout, /FATA unknown flag: --bogus/);
  });

  test('an unknown short flag and an unknown subcommand', async () => {
    const short = await abra(['app', 'deploy', 'x.example.org', '-Z', '-n']);
    assert.notEqual(short.exitCode, 0);
    assert.match(short.stdout, /unknown shorthand flag: 'Z'/);
    const sub = await abra(['app', 'depoly', 'x.example.org']);
    assert.notEqual(sub.exitCode, 0);
    assert.match(sub.stdout, /unknown command "depoly" for "abra app"/);
  });

  test('wrong order: flags before the command words', async () => {
    const result = await abra(['--no-input', 'app', 'ps', 'x.example.org']);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stdout, /subcommand is required/);
  });

  test('a missing domain for app new, and a missing argument for deploy', async () => {
    const { name } = await stageRecipe();
    const noDomain = await abra(['app', 'new', name, '--server', sandbox.server, '-n']);
    assert.notEqual(noDomain.exitCode, 0);
    assert.match(noDomain.stdout, /no domain provided/);
    const noArg = await abra(['app', 'deploy', '-n']);
    assert.notEqual(noArg.exitCode, 0);
    assert.match(noArg.stdout, /missing argument/);
  });

  test('deploying an app that was never created', async () => {
    const { domain } = await stageRecipe();
    const result = await abra(['app', 'deploy', domain, '-n']);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stdout, /cannot find app with name/);
  });

  test('a second deploy without --force, and redeploy with it', async () => {
    const { name, domain } = await stageRecipe();
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '1.0.0+a', '-n'])).exitCode, 0);
    const second = await abra(['app', 'deploy', domain, '1.0.0+a', '-n']);
    assert.notEqual(second.exitCode, 0);
    assert.match(second.stdout, /already deployed/);
    assert.equal((await abra(['app', 'deploy', domain, '1.0.0+a', '--force', '-n'])).exitCode, 0);
    await abra(['app', 'undeploy', domain, '-n']);
  });

  test('prompting without --no-input and without a terminal', async () => {
    const { name, domain } = await stageRecipe();
    await newApp(name, domain);
    const result = await abra(['app', 'deploy', domain]);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stdout, /not a terminal/);
  });

  test('removing a deployed app, and recipe lint without a terminal', async () => {
    const { name, domain } = await stageRecipe();
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '-n'])).exitCode, 0);
    const remove = await abra(['app', 'remove', domain, '-n']);
    assert.notEqual(remove.exitCode, 0);
    assert.match(remove.stdout, /still deployed/);
    const lint = await abra(['recipe', 'lint', name, '-n']);
    assert.notEqual(lint.exitCode, 0);
    assert.match(lint.stdout, /inappropriate ioctl for device/);
    await abra(['app', 'undeploy', domain, '-n']);
  });

  test('an unknown version, and upgrading to a version that is not newer', async () => {
    const { name, domain } = await stageRecipe();
    await newApp(name, domain);
    const unknown = await abra(['app', 'deploy', domain, '9.9.9+z', '-n']);
    assert.match(unknown.stdout, /not a known version/);
    assert.equal((await abra(['app', 'deploy', domain, '1.1.0+a', '-n'])).exitCode, 0);
    const down = await abra(['app', 'upgrade', domain, '1.0.0+a', '-n']);
    assert.notEqual(down.exitCode, 0);
    assert.match(down.stdout, /not an upgrade/);
    await abra(['app', 'undeploy', domain, '-n']);
  });

  test('FAKE_SWARM_DIR unset is an error', async () => {
    const result = await execProgram('abra', ['app', 'ps', 'x'], { env: { FAKE_SWARM_DIR: undefined } });
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /FAKE_SWARM_DIR is not set/);
  });
});

describe('abra double: the app lifecycle', () => {
  test('new writes the .env from .env.sample and checks out the version, as abra does', async () => {
    const { name, domain } = await stageRecipe();
    await newApp(name, domain, '1.0.0+a');
    const env = await readFile(path.join(sandbox.abraDir, 'servers', sandbox.server, `${domain}.env`), 'utf8');
    assert.match(env, new RegExp(`^TYPE=${name}:1\\.0\\.0\\+a$`, 'm'));
    assert.match(env, new RegExp(`^DOMAIN=${domain.replace(/\./g, '\\.')}$`, 'm'));
    const compose = await readFile(path.join(sandbox.abraDir, 'recipes', name, 'compose.yml'), 'utf8');
    assert.match(compose, /version=1\.0\.0\+a/);
  });

  test('deploy, upgrade, labels, volumes, ingress, undeploy keeps volumes, remove deletes them', async () => {
    const { name, domain, stack } = await stageRecipe();
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '1.0.0+a', '-n'])).exitCode, 0);
    assert.equal(await deployedVersion(stack), '1.0.0+a');
    const volumes = await listStackVolumes(stack);
    assert.deepEqual(volumes, [`${stack}_content`]);
    const answer = await httpGet({ domain, ingress: sandbox.ingress }, '/', 5000);
    assert.ok(answer.ok);
    assert.equal(answer.answer.status, 200);
    assert.match(answer.answer.body, /1\.0\.0\+a/);
    assert.equal((await abra(['app', 'upgrade', domain, '1.1.0+a', '-n'])).exitCode, 0);
    assert.equal(await deployedVersion(stack), '1.1.0+a');
    assert.equal((await abra(['app', 'undeploy', domain, '-n'])).exitCode, 0);
    assert.equal(await deployedVersion(stack), null);
    assert.deepEqual(await listStackVolumes(stack), volumes);
    const gone = await httpGet({ domain, ingress: sandbox.ingress }, '/', 5000);
    assert.ok(gone.ok);
    assert.equal(gone.answer.status, 503);
    await waitStackGone(stack, { timeoutMs: 10_000, pollMs: 50 });
    assert.deepEqual(await listStackSecrets(stack), [`${stack}_db_password_v1`]);
    assert.equal((await abra(['app', 'remove', domain, '-n'])).exitCode, 0);
    assert.deepEqual(await listStackVolumes(stack), []);
    assert.deepEqual(await listStackSecrets(stack), [], 'abra app remove removes the secrets');
    assert.equal(existsSync(path.join(sandbox.abraDir, 'servers', sandbox.server, `${domain}.env`)), false);
  });

  test('a chaos deploy sets the chaos-version label to the short head commit, +U when dirty', async () => {
    const { name, domain, stack } = await stageRecipe();
    await newApp(name, domain);
    const checkout = path.join(sandbox.abraDir, 'recipes', name);
    const head = (await execProgram('git', ['rev-parse', 'HEAD'], { cwd: checkout })).stdout.trim();
    assert.equal((await abra(['app', 'deploy', domain, '--chaos', '-n'])).exitCode, 0);
    assert.equal(await deployedChaosVersion(stack), head.slice(0, 8));
    await writeFile(path.join(checkout, 'README.md'), 'changed\n');
    assert.equal((await abra(['app', 'deploy', domain, '-C', '-f', '-n'])).exitCode, 0);
    assert.equal(await deployedChaosVersion(stack), `${head.slice(0, 8)}+U`);
    const versioned = await abra(['app', 'deploy', domain, '1.0.0+a', '-f', '-n']);
    assert.match(versioned.stdout, /unstaged changes/);
    await abra(['app', 'undeploy', domain, '-n']);
  });

  test('backup and restore round-trip the volume data; corrupt restore does not', async () => {
    for (const restore of ['ok', 'corrupt'] as const) {
      const { name, domain, stack } = await stageRecipe({ restore });
      await newApp(name, domain);
      assert.equal((await abra(['app', 'deploy', domain, '1.1.0+a', '-n'])).exitCode, 0);
      const mountpoint = await volumeMountpoint(`${stack}_content`);
      await writeFile(path.join(mountpoint, 'marker'), 'before backup');
      const backup = await abraPty(['app', 'backup', 'create', domain, '-n']);
      assert.equal(backup.exitCode, 0, backup.stdout);
      await writeFile(path.join(mountpoint, 'marker'), 'changed after backup');
      assert.equal((await abraPty(['app', 'restore', domain, '-n'])).exitCode, 0);
      const restored = existsSync(path.join(mountpoint, 'marker')) ? await readFile(path.join(mountpoint, 'marker'), 'utf8') : null;
      assert.equal(restored === 'before backup', restore === 'ok');
      await abra(['app', 'undeploy', domain, '-n']);
    }
  });

  test('x-ccci-fake: deploy fail, health fail, http status, backup fail', async () => {
    const failing = await stageRecipe({ deploy: 'fail' });
    await newApp(failing.name, failing.domain);
    const deploy = await abra(['app', 'deploy', failing.domain, '1.1.0+a', '-n']);
    assert.notEqual(deploy.exitCode, 0);
    assert.match(deploy.stdout, /FATA .*deploy failed/);

    const tasks = await docker(['service', 'ps', `${failing.stack}_app`, '--filter', 'desired-state=shutdown', '--format', '{{.CurrentState}}|{{.Error}}']);
    assert.match(tasks.stdout, /^Failed.*\|"task: non-zero exit \(1\)"$/m, 'the failed tasks show in docker service ps, their error quoted as docker quotes it');
    const withoutChecks = await abra(['app', 'deploy', failing.domain, '1.1.0+a', '--force', '--no-converge-checks', '-n']);
    assert.equal(withoutChecks.exitCode, 0, 'with --no-converge-checks abra does not wait to see the tasks fail');
    await abra(['app', 'undeploy', failing.domain, '-n']);

    const sick = await stageRecipe({ health: 'fail', backup: 'fail' });
    await newApp(sick.name, sick.domain);
    assert.equal((await abra(['app', 'deploy', sick.domain, '1.1.0+a', '-c', '-n'])).exitCode, 0);
    const answer = await httpGet({ domain: sick.domain, ingress: sandbox.ingress }, '/', 5000);
    assert.ok(answer.ok && answer.answer.status === 503);
    const replicas = await docker(['service', 'ls', '--filter', `label=com.docker.stack.namespace=${sick.stack}`, '--format', '{{.Name}} {{.Replicas}}']);
    assert.match(replicas.stdout, /_app 0\/1/);
    await abra(['app', 'undeploy', sick.domain, '-n']);

    const teapot = await stageRecipe({ http: 418, backup: 'fail' });
    await newApp(teapot.name, teapot.domain);
    assert.equal((await abra(['app', 'deploy', teapot.domain, '1.1.0+a', '-n'])).exitCode, 0);
    const tea = await httpGet({ domain: teapot.domain, ingress: sandbox.ingress }, '/', 5000);
    assert.ok(tea.ok && tea.answer.status === 418);
    const backup = await abraPty(['app', 'backup', 'create', teapot.domain, '-n']);
    assert.notEqual(backup.exitCode, 0);
    assert.match(backup.stdout, /FATA .*backup failed/);
    await abra(['app', 'undeploy', teapot.domain, '-n']);
  });

  test("recipe lint under a PTY prints abra's table: '-' cells, the failing rule ids, a skipped rule", async () => {
    const { name } = await stageRecipe({ lint: ['R014', 'R006'] });
    const result = await abraPty(['recipe', 'lint', name, '-n']);
    assert.equal(result.exitCode, 0, result.stdout);
    const r006 = result.stdout.split('\n').find((line) => line.includes('R006')) ?? '';
    assert.deepEqual(r006.split('│').map((c) => c.trim()).slice(4, 6), ['❌', '-'], 'SATISFIED ❌, SKIPPED -');
    const r013 = result.stdout.split('\n').find((line) => line.includes('R013')) ?? '';
    assert.deepEqual(r013.split('│').map((c) => c.trim()).slice(4, 6), ['-', '✅'], 'a skipped rule: SATISFIED -, SKIPPED ✅');
    const table = parseLintTable(result.stdout.replace(/\r/g, ''));
    assert.ok(table.ok, table.ok ? '' : table.problem);
    assert.deepEqual(table.failing, ['R006', 'R014']);
  });

  test('untagged commits deploy only by chaos or commit id', async () => {
    const { name, upstream, domain, stack } = await stageRecipe();
    await commitUntagged(upstream, { version: '1.2.0+a' });
    const checkout = path.join(sandbox.abraDir, 'recipes', name);
    await execProgram('git', ['pull', '--quiet', 'origin', 'main'], { cwd: checkout });
    await newApp(name, domain);
    const commit = (await execProgram('git', ['rev-parse', 'origin/main'], { cwd: checkout })).stdout.trim();
    assert.equal((await abra(['app', 'deploy', domain, commit, '-n'])).exitCode, 0);
    assert.equal(await deployedVersion(stack), '1.2.0+a');
    await abra(['app', 'undeploy', domain, '-n']);
  });
});

describe('abra double: what the real tools do that the old doubles hid', () => {
  test('undeploy returns while the containers still stop: listed, volumes in use, then "stopped" in the data', async () => {
    const env = { FAKE_LINGER_MS: '1500' };
    const { name, domain, stack } = await stageRecipe();
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '1.1.0+a', '-n'])).exitCode, 0);
    assert.equal((await abra(['app', 'undeploy', domain, '-n'], env)).exitCode, 0);
    assert.equal((await stackContainers(stack)).length, 1, 'the container is still there');
    const early = await abra(['app', 'remove', domain, '-n'], env);
    assert.notEqual(early.exitCode, 0);
    assert.match(early.stdout, /volume is in use/);
    const log = path.join(await volumeMountpoint(`${stack}_content`), 'fake-app.log');
    assert.doesNotMatch(await readFile(log, 'utf8'), /stopped/);
    await waitStackGone(stack, { timeoutMs: 10_000, pollMs: 50 });
    assert.match(await readFile(log, 'utf8'), /stopped 1\.1\.0\+a\n$/, 'the app wrote its last words on the way out');
    assert.equal((await abra(['app', 'remove', domain, '-n'])).exitCode, 0);
  });

  test('secrets: app new --secrets prints their values, deploy needs them, remove deletes them', async () => {
    const { name, domain, stack } = await stageRecipe();
    const created = await abra(['app', 'new', name, '--server', sandbox.server, '--domain', domain, '--secrets', '-n']);
    assert.equal(created.exitCode, 0, created.stdout);
    const secret = JSON.parse(await readFile(path.join(sandbox.fakeSwarmDir, 'secrets', `${stack}_db_password_v1.json`), 'utf8'));
    assert.ok(created.stdout.includes(secret.value), 'real abra prints the generated values: whoever logs this output leaks them');

    const other = await stageRecipe();
    await abra(['app', 'new', other.name, '--server', sandbox.server, '--domain', other.domain, '-n']);
    const noSecrets = await abra(['app', 'deploy', other.domain, '-n']);
    assert.notEqual(noSecrets.exitCode, 0);
    assert.match(noSecrets.stdout, /secret not found: .*_db_password_v1/);
    const generated = await abra(['app', 'secret', 'generate', other.domain, '--all', '-n']);
    assert.equal(generated.exitCode, 0, generated.stdout);
    assert.deepEqual(await listStackSecrets(other.stack), [`${other.stack}_db_password_v1`]);
    assert.equal((await abra(['app', 'deploy', other.domain, '-n'])).exitCode, 0);
    await undeployAndWait(other.domain, other.stack);
    assert.equal((await abra(['app', 'remove', other.domain, '-n'])).exitCode, 0);
    assert.deepEqual(await listStackSecrets(other.stack), []);
  });

  test("abra's converge checks fail a slow starter that converges later; --no-converge-checks does not wait", async () => {
    const slow = await stageRecipe({ startSeconds: 2 });
    await newApp(slow.name, slow.domain);
    const checked = await abra(['app', 'deploy', slow.domain, '1.1.0+a', '-n'], { FAKE_ABRA_CONVERGE_TIMEOUT_MS: '500' });
    assert.notEqual(checked.exitCode, 0);
    assert.match(checked.stdout, /FATA .*did not converge within 0\.5 s/);
    const replicas = () => docker(['service', 'ls', '--filter', `label=com.docker.stack.namespace=${slow.stack}`, '--format', '{{.Replicas}}']);
    const unchecked = await abra(['app', 'deploy', slow.domain, '1.1.0+a', '--force', '-c', '-n']);
    assert.equal(unchecked.exitCode, 0, unchecked.stdout);
    assert.equal((await replicas()).stdout.trim(), '0/1', 'still starting when abra returns');
    await new Promise((resolve) => setTimeout(resolve, 2200));
    assert.equal((await replicas()).stdout.trim(), '1/1', 'and converged later');
    await undeployAndWait(slow.domain, slow.stack);
  });

  test('backup create and restore need a terminal, like recipe lint', async () => {
    const { name, domain, stack } = await stageRecipe();
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '-n'])).exitCode, 0);
    for (const command of [['app', 'backup', 'create', domain, '-n'], ['app', 'restore', domain, '-n']]) {
      const bare = await abra(command);
      assert.notEqual(bare.exitCode, 0);
      assert.match(bare.stdout, /FATA inappropriate ioctl for device/);
    }
    assert.equal((await abraPty(['app', 'backup', 'create', domain, '-n'])).exitCode, 0);
    await undeployAndWait(domain, stack);
  });

  test('stack names are cut at 45 characters, as abra does', async () => {
    const { name } = await stageRecipe();
    const domain = `warm-${name}.a-rather-long-ci-subdomain.example.org`;
    const stack = domain.replace(/\./g, '_').slice(0, 45);
    assert.ok(domain.length > 45);
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '1.1.0+a', '-n'])).exitCode, 0);
    assert.deepEqual(await listStackVolumes(stack), [`${stack}_content`]);
    assert.equal(await deployedVersion(stack), '1.1.0+a');
    await undeployAndWait(domain, stack);
  });

  test('server add --local registers the local engine as "default"', async () => {
    const abraDir = path.join(root, 'operator-abra');
    const added = await execProgram('abra', ['server', 'add', '--local', '-n'], { env: { ABRA_DIR: abraDir } });
    assert.equal(added.exitCode, 0, added.stdout);
    assert.ok(existsSync(path.join(abraDir, 'servers', 'default')));
    const again = await execProgram('abra', ['server', 'add', '--local', '-n'], { env: { ABRA_DIR: abraDir } });
    assert.notEqual(again.exitCode, 0);
  });
});

describe('docker double', () => {
  test('refuses unknown commands, flags and templates', async () => {
    assert.notEqual((await docker(['image', 'ls'])).exitCode, 0);
    const flag = await docker(['volume', 'ls', '--bogus']);
    assert.notEqual(flag.exitCode, 0);
    assert.match(flag.stderr, /unknown flag: --bogus/);
    const template = await docker(['volume', 'ls', '--format', '{{range .}}x{{end}}']);
    assert.notEqual(template.exitCode, 0);
  });

  test('volume create/inspect/rm, and rm of a volume in use fails', async () => {
    const created = await docker(['volume', 'create', '--label', 'com.docker.stack.namespace=manual', 'manual_data']);
    assert.equal(created.exitCode, 0);
    assert.deepEqual(await listStackVolumes('manual'), ['manual_data']);
    assert.equal((await docker(['volume', 'rm', 'manual_data'])).exitCode, 0);
    const missing = await docker(['volume', 'inspect', 'manual_data']);
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /no such volume/);

    const { name, domain, stack } = await stageRecipe();
    await newApp(name, domain);
    assert.equal((await abra(['app', 'deploy', domain, '-n'])).exitCode, 0);
    const inUse = await docker(['volume', 'rm', `${stack}_content`]);
    assert.notEqual(inUse.exitCode, 0);
    assert.match(inUse.stderr, /volume is in use/);
    await abra(['app', 'undeploy', domain, '-n']);
  });
});

describe('fake-ingress', () => {
  test('refuses a missing --port', async () => {
    const result = await execProgram(process.execPath, [path.join(sandbox.fakesDir, 'bin', 'fake-ingress')]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /--port N is required/);
  });

  test('answers 503 for an unknown host', async () => {
    const answer = await httpGet({ domain: 'nobody.example.org', ingress: sandbox.ingress }, '/', 5000);
    assert.ok(answer.ok);
    assert.equal(answer.answer.status, 503);
  });
});
