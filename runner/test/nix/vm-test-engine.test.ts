// The NixOS VM test on the real engine (checks/vm-test-engine.nix) cannot run here (it
// needs Nix and KVM); what can be checked without it is checked here:
// - its fixture recipe (checks/engine/fixture-recipe.nix) is, commit for commit, the one
//   runner/src/demo/fixtures.ts writes (nix-instantiate alone);
// - the test itself, evaluated against nixpkgs' lib with stand-in packages
//   (checks/vm-test-engine-eval.nix): the machine's services.cc-ci with no failed
//   assertion, the real abra and Docker client on the sweeps' PATH, the fake ingress in
//   its engine mode where the configuration's ingress points, the fixture image as the
//   fixture app needs it, and the test script compiled and linted as Python, with no
//   shell pipeline in it (a $NIXPKGS_LIB, or nixpkgs on NIX_PATH; python3 for the script).
// Each part says why it skips when it cannot run.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { configFileSchema } from '../../src/config/config.js';
import { loadRecipeDefinition } from '../../src/config/recipe-definition.js';
import { createFixtureRecipe, FIXTURE_IMAGE, fixtureComposeText, type FakeBehaviour } from '../../src/demo/fixtures.js';
import { execProgram } from '../../src/effects/exec.js';
import { nixInstantiateInstalled, repoRoot, storeArguments } from './nix-tools.js';
import { evaluateAgainstLib, nixEval, outcome, testScriptLikeTheDriver } from './vm-script.js';

const root = repoRoot();

interface Commit {
  version: string;
  fake: FakeBehaviour;
  compose: string;
}
interface FixtureRecipe {
  recipe: string;
  commits: Record<string, Commit>;
  envSample: string;
  readme: string;
}

interface Evaluation {
  name: string;
  testScript: string;
  nodes: string[];
  loadsTheFixtureImage: boolean;
  composeFiles: Record<string, boolean>;
  failedAssertions: string[];
  warnings: string[];
  configuration: Record<string, unknown> & { recipes: Record<string, unknown>; repo: string; ingress: string };
  abra: { name: string; version: string };
  docker: string;
  sweepPath: string[];
  virtualisation: { docker: { enable: boolean; liveRestore: boolean } };
  dockerEnvironment: Record<string, string>;
  tmpfiles: string[];
  fakeIngress: {
    wantedBy: string[];
    environment: Record<string, string>;
    ExecStart: string;
    DynamicUser: boolean;
    StateDirectory: string;
  };
  fakesSource: string;
  image: { name: string; tag: string; config: { Entrypoint: string[]; Env: string[] }; extraCommands: string; rootScript: string };
  fixtureApp: string;
}

// Every commit with its compose.yml as Nix writes it, and the other files of the recipe.
const FIXTURE_EXPRESSION = `{ file }:
let fixture = import file;
in {
  inherit (fixture) recipe;
  commits = builtins.mapAttrs (_: commit: commit // { compose = fixture.compose commit.version commit.fake; }) fixture.commits;
  envSample = fixture.envSample fixture.recipe;
  readme = fixture.readme fixture.recipe;
}`;

let fixtureRecipe: Promise<FixtureRecipe | string> | undefined;
function evaluateFixtureRecipe(): Promise<FixtureRecipe | string> {
  fixtureRecipe ??= (async () => {
    if (!(await nixInstantiateInstalled())) return 'nix-instantiate not installed';
    return nixEval<FixtureRecipe>([
      '--expr',
      FIXTURE_EXPRESSION,
      '--argstr',
      'file',
      path.join(root, 'checks', 'engine', 'fixture-recipe.nix'),
    ]);
  })();
  return fixtureRecipe;
}

const evaluateVmTest = () => evaluateAgainstLib<Evaluation>('vm-test-engine-eval.nix');

/** What checks/engine/fixture-app and its healthcheck run, besides sh. */
const FIXTURE_APP_COMMANDS = ['httpd', 'md5sum', 'cut', 'test', 'touch', 'sleep', 'cp', 'kill', 'mkdir', 'printf', 'echo'];

describe('the VM test on the real engine: its fixture recipe is the one fixtures.ts writes', () => {
  test('every compose.yml the VM test commits is fixtureComposeText of its version and behaviour, byte for byte', async (t) => {
    const fixture = await outcome(t, evaluateFixtureRecipe());
    if (!fixture) return;
    assert.deepEqual(Object.keys(fixture.commits).sort(), ['aheadUntagged', 'moreUntagged', 'redTag', 'tagged']);
    for (const [name, commit] of Object.entries(fixture.commits)) {
      assert.equal(commit.compose, fixtureComposeText(commit.version, {}, commit.fake), `${name} (${commit.version})`);
      assert.match(commit.compose, new RegExp(`^    image: ${FIXTURE_IMAGE}$`, 'm'), name);
    }
    // The red release never becomes healthy; the others are plain.
    assert.deepEqual(fixture.commits.redTag?.fake, { health: 'fail' });
    assert.match(fixture.commits.redTag?.compose ?? '', /- FIXTURE_HEALTH=fail\n[\s\S]*\nx-ccci-fake:\n {2}health: fail\n$/);
    for (const name of ['tagged', 'aheadUntagged', 'moreUntagged']) assert.deepEqual(fixture.commits[name]?.fake, {}, name);
  });

  test('.env.sample, README.md and the first compose.yml are the files createFixtureRecipe writes', async (t) => {
    const fixture = await outcome(t, evaluateFixtureRecipe());
    if (!fixture) return;
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccci-vm-engine-fixture-'));
    try {
      const tagged = fixture.commits.tagged as Commit;
      const { dir } = await createFixtureRecipe(path.join(scratch, fixture.recipe), fixture.recipe, { version: tagged.version });
      assert.equal(fixture.envSample, readFileSync(path.join(dir, '.env.sample'), 'utf8'));
      assert.equal(fixture.readme, readFileSync(path.join(dir, 'README.md'), 'utf8'));
      assert.equal(tagged.compose, readFileSync(path.join(dir, 'compose.yml'), 'utf8'));
      assert.match(fixture.envSample, /^SECRET_DB_PASSWORD_VERSION=v1$/m, 'the secret version the compose file names');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('an unknown x-ccci-fake key is refused, not written', async (t) => {
    if (!(await nixInstantiateInstalled())) {
      t.skip('nix-instantiate not installed');
      return;
    }
    const file = path.join(root, 'checks', 'engine', 'fixture-recipe.nix');
    const result = await execProgram('nix-instantiate', [
      '--eval',
      '--strict',
      ...storeArguments(),
      '--expr',
      `(import ${JSON.stringify(file)}).compose "1.0.0+1" { helth = "fail"; }`,
    ]);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /x-ccci-fake has no key helth/);
  });
});

describe('the VM test on the real engine, evaluated against nixpkgs lib', () => {
  test('one machine; services.cc-ci evaluates with no failed assertion and a configuration the runner accepts', async (t) => {
    const e = await outcome(t, evaluateVmTest());
    if (!e) return;
    assert.equal(e.name, 'cc-ci-engine');
    assert.deepEqual(e.nodes, ['machine'], 'the script drives `machine`');
    assert.deepEqual(e.failedAssertions, []);
    assert.deepEqual(e.warnings, []);
    const parsed = configFileSchema.safeParse(e.configuration);
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
    assert.deepEqual(e.configuration.recipes, { vmengine: {} });
    assert.equal(e.configuration.server, 'default', 'the server `abra server add --local` registers');
    assert.equal(e.configuration.abraDir, '/root/.abra');
    assert.equal(e.configuration.upstream, 'file:///srv/git/upstream');
    assert.match(e.configuration.repo, /-vm-engine-repo$/);
    assert.deepEqual(e.configuration.mirror, {
      url: 'file:///srv/git/mirror',
      api: null,
      owner: 'cc-ci',
      tokenFile: '/etc/cc-ci/mirror-token',
    });
    assert.ok(
      e.tmpfiles.includes('d /root/.abra/catalogue 0700 root root - -') && e.tmpfiles.includes('d /root/.abra/recipes 0700 root root - -'),
      e.tmpfiles.join('\n'),
    );
  });

  test("the enrolled fixture's definition: no backup bot in the VM says why the backup rung is skipped; never enrolled elsewhere", async () => {
    const definition = await loadRecipeDefinition(path.join(root, 'checks', 'vm-engine-repo'), 'vmengine');
    assert.equal(definition.backup.capable, false);
    assert.match(definition.notApplicable.find((n) => n.rung === 'backup')?.reason ?? '', /^no backup bot in the VM/);
    assert.ok(definition.functional.some((check) => check.path === '/' && check.bodyContains === 'fixture'));
    // A red release waits this long for health before the upgrade rung fails.
    assert.ok(definition.deployTimeoutSeconds >= 60 && definition.deployTimeoutSeconds <= 300, String(definition.deployTimeoutSeconds));
    assert.throws(() => readFileSync(path.join(root, 'recipes', 'vmengine', 'recipe.yaml')), /ENOENT/);
  });

  test('the sweeps run the real abra of the pin and the real Docker client, and no double', async (t) => {
    const e = await outcome(t, evaluateVmTest());
    if (!e) return;
    const pin = JSON.parse(readFileSync(path.join(root, 'pkgs', 'abra-pin.json'), 'utf8')) as { version: string };
    assert.deepEqual(e.abra, { name: `abra-${pin.version}`, version: pin.version });
    assert.match(e.docker, /^docker-client-/);
    assert.ok(e.sweepPath.includes(e.abra.name) && e.sweepPath.includes(e.docker), e.sweepPath.join(' '));
    assert.deepEqual(e.sweepPath.filter((tool) => /fake/.test(tool)), []);
    assert.equal(e.virtualisation.docker.enable, true);
    assert.equal(e.virtualisation.docker.liveRestore, false, 'dockerd refuses swarm mode with live restore');
    assert.equal(e.dockerEnvironment.DOCKER_SERVICE_PREFER_OFFLINE_IMAGE, '1');
  });

  test("the fake ingress runs in its engine mode where the configuration's ingress points", async (t) => {
    const e = await outcome(t, evaluateVmTest());
    if (!e) return;
    const port = e.configuration.ingress.replace(/^127\.0\.0\.1:/, '');
    assert.match(port, /^\d+$/, e.configuration.ingress);
    assert.equal(e.fakeIngress.ExecStart, `${e.fakeIngress.ExecStart.split(' ')[0]} ${e.fakesSource}/bin/fake-ingress --port ${port}`);
    assert.match(e.fakeIngress.ExecStart, /-nodejs-[^/]+\/bin\/node /);
    assert.equal(e.fakeIngress.environment.FAKE_BACKEND, 'docker');
    assert.ok(path.isAbsolute(e.fakeIngress.environment.FAKE_SWARM_DIR ?? ''));
    assert.deepEqual(e.fakeIngress.wantedBy, ['multi-user.target']);
    // The fixture apps listen on 20000-39999 (checks/engine/fixture-app): never the ingress's port.
    assert.ok(Number(port) < 20000 || Number(port) > 39999, port);
  });

  test('the fixture image: ccci-fixture:1, every command of the fixture app in /bin, a sticky /tmp, loaded by the script', async (t) => {
    const e = await outcome(t, evaluateVmTest());
    if (!e) return;
    assert.equal(`${e.image.name}:${e.image.tag}`, FIXTURE_IMAGE);
    assert.deepEqual(e.image.config, { Entrypoint: ['/bin/sh', '/fixture-app'], Env: ['PATH=/bin'] });
    assert.match(e.image.extraCommands, /^mkdir -m 1777 tmp$/m);
    assert.ok(e.image.extraCommands.includes(`install -m 0755 ${e.fixtureApp} fixture-app`), e.image.extraCommands);
    const app = readFileSync(path.join(root, 'checks', 'engine', 'fixture-app'), 'utf8');
    // The build's own check: lib.escapeShellArgs of the names (quoted or not, by lib version).
    const required = (/for applet in ((?:'?[a-z0-9]+'? ?)+); do/.exec(e.image.rootScript)?.[1] ?? '')
      .trim()
      .split(' ')
      .map((word) => word.replace(/'/g, ''));
    for (const command of FIXTURE_APP_COMMANDS) {
      assert.match(app, new RegExp(`\\b${command}\\b`), `the fixture app runs ${command}`);
      assert.ok(required.includes(command), `the image build checks for ${command}: ${required.join(' ')}`);
    }
    assert.match(e.image.rootScript, /\/bin .*\/sbin; do/, 'applets of bin/ and sbin/ both go to /bin');
    assert.equal(e.loadsTheFixtureImage, true, 'the script loads this very image');
    assert.deepEqual(Object.values(e.composeFiles), [true, true, true, true], JSON.stringify(e.composeFiles));
  });

  testScriptLikeTheDriver(evaluateVmTest);
});
