// services.cc-ci evaluated against nixpkgs' lib (checks/module-eval-lib.nix):
// defaults, the generated units, environment and timers, the configuration file
// (which must pass the runner's own schema), and the message of each assertion.
// Runs when a lib is at hand ($NIXPKGS_LIB or <nixpkgs/lib>); otherwise it says
// so and skips. The same cases run in `nix flake check` through a full NixOS
// evaluation (checks/module-eval.nix).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { configFileSchema } from '../../src/config/config.js';
import { execProgram } from '../../src/effects/exec.js';
import { findNixpkgsLib, nixInstantiateInstalled, repoRoot, storeArguments } from './nix-tools.js';

interface Unit {
  description: string;
  after: string[];
  wants: string[];
  onFailure: string[];
  restartIfChanged: boolean;
  environment: Record<string, string>;
  serviceConfig: Record<string, unknown>;
  path: string[];
}
interface Timer {
  description: string;
  wantedBy: string[];
  timerConfig: { OnCalendar: string; Persistent: boolean; RandomizedDelaySec: string };
}
interface CaseResult {
  failedAssertions: string[];
  warnings: string[];
  configuration: Record<string, unknown> & { recipes: Record<string, Record<string, unknown>>; repo: string };
  configFile: string;
  services: { nightly: Unit; weekly: Unit };
  timers: { nightly: Timer; weekly: Timer };
  systemPackages: string[];
  tmpfiles: string[];
  abra: { name: string; version: string | null };
  packageWrapperArgs: string[];
  packageRuntimeTools: string[];
  wrapperTools: string[];
}
/** The cases of checks/module-eval-cases.nix. */
type CaseName =
  | 'defaults'
  | 'configured'
  | 'nothingEnrolled'
  | 'everyRecipeDisabled'
  | 'missingDefinition'
  | 'pathRepoMissing'
  | 'pathRepoComplete'
  | 'stringRepo'
  | 'mirrorWithoutToken'
  | 'badNames'
  | 'stateDirRoot'
  | 'runsDirTopLevel'
  | 'stateDirVarLib'
  | 'cacheDirVarCache'
  | 'runsDirNotPlain'
  | 'metricsInStateDir'
  | 'metricsInSystemDir'
  | 'metricsDefault'
  | 'ownTools';
interface Evaluation {
  shipped: string[];
  failures: string[];
  results: Record<CaseName, CaseResult> & {
    disabled: { servicesDefined: string[] };
    importedTwice: { evaluates: boolean; sameAsDefaults: boolean };
    onFailureNotAUnit: { refused: boolean };
    declaredIn: string[];
  };
  /** Only in the evaluation against the lib: the abra default against a stand-in nixpkgs. */
  abra: Record<'withoutNixpkgsAbra' | 'nixpkgsHasThePin' | 'nixpkgsHasAnother', { name: string; version: string; fromNixpkgs: boolean }>;
}

const root = repoRoot();

let evaluation: Promise<Evaluation | string> | undefined;
/** The evaluation, or why it cannot run here. */
function evaluate(): Promise<Evaluation | string> {
  evaluation ??= (async () => {
    if (!(await nixInstantiateInstalled())) return 'nix-instantiate not installed';
    const lib = await findNixpkgsLib();
    if (!lib) return 'no nixpkgs lib: set NIXPKGS_LIB to a nixpkgs lib directory (or put nixpkgs on NIX_PATH)';
    const result = await execProgram(
      'nix-instantiate',
      [
        '--eval',
        '--strict',
        '--json',
        // Without a store of the caller's, a path repo's store path is computed, never written.
        ...storeArguments(),
        ...(lib.kind === 'path' ? ['--argstr', 'libPath', lib.path] : []),
        path.join(root, 'checks', 'module-eval-lib.nix'),
      ],
      { timeoutMs: 120_000 },
    );
    if (result.exitCode !== 0) throw new Error(`module evaluation failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as Evaluation;
  })();
  return evaluation;
}

/** The evaluation, or a visible skip when it cannot run here. */
async function evaluated(t: TestContext): Promise<Evaluation | null> {
  const outcome = await evaluate();
  if (typeof outcome === 'string') {
    t.skip(outcome);
    return null;
  }
  return outcome;
}

describe('services.cc-ci evaluated against nixpkgs lib', () => {
  test('every expectation of checks/module-eval-cases.nix holds', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    assert.deepEqual(e.failures, []);
  });

  test('defaults: every recipe of recipes/ enrolled, no failed assertion, the documented paths', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const d = e.results.defaults;
    const shipped = readdirSync(path.join(root, 'recipes'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    assert.deepEqual([...e.shipped].sort(), shipped.sort());
    assert.deepEqual(d.failedAssertions, []);
    assert.deepEqual(Object.keys(d.configuration.recipes).sort(), [...e.shipped].sort());
    assert.equal(d.configuration.repo, root, 'the default repo is the flake (this checkout)');
    assert.equal(d.configuration.stateDir, '/var/lib/ci-warm');
    assert.equal(d.configuration.runsDir, '/var/lib/cc-ci-runs');
    assert.equal(d.configuration.mirror, null);
    assert.equal(d.warnings.length, 2, d.warnings.join('\n'));
    assert.match(d.warnings.join('\n'), /services\.cc-ci\.server is not set/);
    assert.match(d.warnings.join('\n'), /services\.cc-ci\.domain is not set/);
  });

  test('the generated configuration passes the runner schema, key for key', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const keys = Object.keys(configFileSchema.shape).sort();
    for (const name of ['defaults', 'configured', 'pathRepoComplete', 'stringRepo'] as const) {
      const configuration: Record<string, unknown> = e.results[name].configuration;
      assert.deepEqual(Object.keys(configuration).sort(), keys, `${name}: the configuration's keys`);
      const parsed = configFileSchema.safeParse(configuration);
      assert.ok(parsed.success, `${name}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
    }
  });

  test('units: one oneshot per sweep, the configured ccci, CCCI_REPO and CCCI_CONFIG set', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const d = e.results.defaults;
    for (const [which, argv] of [
      ['nightly', 'sweep'],
      ['weekly', 'sweep --retry-red'],
    ] as const) {
      const unit = d.services[which];
      assert.equal(unit.serviceConfig.Type, 'oneshot');
      assert.match(String(unit.serviceConfig.ExecStart), new RegExp(`-ccci-configured/bin/ccci ${argv}$`));
      assert.equal(unit.environment.CCCI_REPO, d.configuration.repo);
      assert.equal(unit.environment.CCCI_CONFIG, d.configFile);
      assert.equal(unit.environment.CCCI_STATE_DIR, '/var/lib/ci-warm');
      assert.equal(unit.restartIfChanged, false);
      assert.equal(unit.serviceConfig.MemoryDenyWriteExecute, undefined, 'Node.js needs W^X memory');
      assert.deepEqual(unit.serviceConfig.StateDirectory, ['ci-warm', 'cc-ci-runs']);
      for (const tool of ['git-', 'abra-', 'docker-client-', 'util-linux-', 'gnutar-', 'bash-', 'openssh-']) {
        assert.ok(
          unit.path.some((p) => p.startsWith(tool)),
          `${which}: ${tool} on the unit's path: ${unit.path.join(' ')}`,
        );
      }
    }
    assert.deepEqual(d.systemPackages, ['ccci-configured'], 'the system PATH gets the same configured ccci');
    assert.deepEqual(d.services.nightly.path, d.services.weekly.path);
  });

  test('timers: nightly and weekly with OnCalendar, Persistent and RandomizedDelaySec', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const d = e.results.defaults;
    assert.deepEqual(d.timers.nightly.timerConfig, {
      OnCalendar: '*-*-* 02:00:00',
      Persistent: true,
      RandomizedDelaySec: '30min',
    });
    assert.equal(d.timers.weekly.timerConfig.OnCalendar, 'Sun *-*-* 12:00:00');
    assert.deepEqual(d.timers.weekly.wantedBy, ['timers.target']);
    const c = e.results.configured;
    assert.deepEqual(c.timers.nightly.timerConfig, {
      OnCalendar: '*-*-* 03:17:00',
      Persistent: true,
      RandomizedDelaySec: '0',
    });
    assert.equal(c.timers.weekly.timerConfig.Persistent, false);
  });

  test('configured: overrides, mirror token as a credential, directories, onFailure', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const c = e.results.configured;
    assert.deepEqual(c.failedAssertions, []);
    assert.deepEqual(c.configuration.recipes.ghost, {
      deployTimeoutSeconds: 900,
      env: { SMTP_HOST: 'mail.example.org' },
    });
    assert.deepEqual(c.configuration.recipes.plausible, { allowPrereleases: false });
    assert.equal(c.configuration.recipes.mumble, undefined, 'a disabled recipe is not enrolled');
    assert.deepEqual(c.services.nightly.serviceConfig.LoadCredential, [
      'mirror-token:/run/secrets/cc-ci-mirror-token',
    ]);
    assert.deepEqual(c.services.nightly.serviceConfig.StateDirectory, ['cc-ci-runs']);
    assert.deepEqual(c.tmpfiles, ['d /srv/cc-ci/warm 0700 root root - -', 'd /var/lib/metrics 0755 root root - -']);
    assert.deepEqual(c.services.weekly.onFailure, ['notify-admins@%n.service']);
  });

  test('each hollow configuration fails evaluation with its message', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const failed = (name: CaseName) => e.results[name].failedAssertions;
    assert.equal(failed('nothingEnrolled').length, 1);
    assert.match(failed('nothingEnrolled')[0]!, /no recipe is enrolled/);
    assert.match(failed('everyRecipeDisabled')[0]!, /no recipe is enrolled/);
    assert.equal(failed('missingDefinition').length, 1);
    assert.match(failed('missingDefinition')[0]!, /enrolled recipes without a definition .*\n?.*no-such-recipe/s);
    assert.match(failed('pathRepoMissing')[0]!, /without a definition[\s\S]*custom-html/);
    assert.deepEqual(failed('pathRepoComplete'), []);
    assert.deepEqual(failed('stringRepo'), [], 'a checkout on the machine is checked at run time');
    assert.match(e.results.stringRepo.warnings.join('\n'), /can only be checked when a sweep runs/);
    assert.equal(failed('mirrorWithoutToken').length, 1);
    assert.match(failed('mirrorWithoutToken')[0]!, /services\.cc-ci\.mirror\.tokenFile is not set/);
    assert.equal(failed('badNames').length, 2);
    assert.deepEqual(e.results.disabled.servicesDefined, []);
  });

  test('exit 75 (another sweep holds the lock) is a success of both units, so OnFailure= stays quiet', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    for (const name of ['defaults', 'configured'] as const) {
      for (const which of ['nightly', 'weekly'] as const) {
        assert.deepEqual(e.results[name].services[which].serviceConfig.SuccessExitStatus, [75], `${name}: ${which}`);
      }
    }
    assert.deepEqual(e.results.configured.services.nightly.onFailure, ['notify-admins@%n.service']);
    assert.equal(e.results.onFailureNotAUnit.refused, true, 'onFailure takes unit names (unitNameType)');
  });

  test('stateDir, runsDir and cacheDir are never /, a top-level or a system directory', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const only = (name: CaseName, pattern: RegExp) => {
      const failed = e.results[name].failedAssertions;
      assert.equal(failed.length, 1, `${name}: ${failed.join('\n')}`);
      assert.match(failed[0]!, pattern);
    };
    only('stateDirRoot', /services\.cc-ci\.stateDir is \/: \/ or a top-level directory/);
    only('runsDirTopLevel', /services\.cc-ci\.runsDir is \/srv: \/ or a top-level directory/);
    only('stateDirVarLib', /services\.cc-ci\.stateDir is \/var\/lib: a system directory/);
    only('cacheDirVarCache', /services\.cc-ci\.cacheDir is \/var\/cache: a system directory/);
    only('runsDirNotPlain', /services\.cc-ci\.runsDir is \/var\/lib\/cc-ci-runs\/: not written plainly/);
    only('metricsInStateDir', /metricsFile .* inside services\.cc-ci\.stateDir/s);
    only('metricsInSystemDir', /metricsFile is \/var\/lib\/cc-ci\.prom: in \/var\/lib, which is a system directory/);
    assert.deepEqual(e.results.metricsDefault.failedAssertions, []);
    assert.deepEqual(e.results.metricsDefault.tmpfiles, ['d /var/lib/prometheus-node-exporter/textfile 0755 root root - -']);
  });

  test('one tool set: the package has none of its own, the units and the system PATH ccci share the module\'s', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    for (const name of ['defaults', 'ownTools'] as const) {
      const r: CaseResult = e.results[name];
      assert.deepEqual(r.packageRuntimeTools, [], `${name}: the package's own tools`);
      assert.ok(!r.packageWrapperArgs.includes('PATH'), `${name}: the package's wrapper: ${r.packageWrapperArgs.join(' ')}`);
      assert.ok(r.wrapperTools.length > 0, `${name}: the system PATH ccci has tools`);
      assert.deepEqual(r.services.nightly.path.slice(0, r.wrapperTools.length), r.wrapperTools, name);
    }
    const own = e.results.ownTools.services.nightly.path;
    assert.deepEqual(own.filter((p) => p.startsWith('abra')), ['abra-double']);
    assert.deepEqual(own.filter((p) => p.startsWith('docker')), ['docker-double']);
  });

  test('abra is the release pkgs/abra-pin.json names: nixpkgs\' only when it is that release', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    const pin = JSON.parse(readFileSync(path.join(root, 'pkgs', 'abra-pin.json'), 'utf8')) as { version: string };
    assert.equal(e.results.defaults.abra.version, pin.version);
    assert.deepEqual(e.abra.withoutNixpkgsAbra, { name: `abra-${pin.version}`, version: pin.version, fromNixpkgs: false });
    assert.equal(e.abra.nixpkgsHasThePin.fromNixpkgs, true);
    assert.deepEqual(e.abra.nixpkgsHasAnother, { name: `abra-${pin.version}`, version: pin.version, fromNixpkgs: false });
  });

  test('the module can be imported twice, and declares its options in modules/cc-ci.nix', async (t) => {
    const e = await evaluated(t);
    if (!e) return;
    assert.deepEqual(e.results.importedTwice, { evaluates: true, sameAsDefaults: true });
    assert.deepEqual(e.results.declaredIn, [path.join(root, 'modules', 'cc-ci.nix')]);
  });
});
