import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig, repoUrl, required } from '../../src/config/config.js';
import { InputError } from '../../src/config/errors.js';
import { readConfig } from '../../src/config/read-config.js';
import { tempDir } from '../support/temp-dirs.js';

function configFile(content: unknown): string {
  const dir = tempDir('ccci-config-');
  const file = path.join(dir, 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

describe('configuration', () => {
  test('defaults when there is no file and no environment', () => {
    const config = loadConfig({ env: { HOME: '/home/op' } });
    assert.equal(config.stateDir, '/var/lib/ci-warm');
    assert.equal(config.runsDir, '/var/lib/cc-ci-runs');
    assert.equal(config.abraDir, '/home/op/.abra');
    assert.equal(config.upstream, 'https://git.coopcloud.tech/coop-cloud');
    assert.equal(config.mirror, null);
    assert.deepEqual(config.recipes, {});
    assert.equal(config.maxConcurrentRuns, 1);
    assert.equal(config.minFreeDiskPercent, 10);
  });

  test('environment fills what the file leaves out; the file wins where it sets a key', () => {
    const file = configFile({ stateDir: '/srv/state' });
    const config = loadConfig({
      configFile: file,
      env: { CCCI_REPO: '/etc/cc-ci', CCCI_STATE_DIR: '/ignored', CCCI_RUNS_DIR: '/srv/runs', ABRA_DIR: '/srv/abra' },
    });
    assert.equal(config.repo, '/etc/cc-ci');
    assert.equal(config.stateDir, '/srv/state');
    assert.equal(config.runsDir, '/srv/runs');
    assert.equal(config.abraDir, '/srv/abra');
  });

  test('CCCI_CONFIG names the file when --config is not given', () => {
    const file = configFile({ domain: 'ci.example.org', recipes: { 'custom-html': {} } });
    const config = loadConfig({ env: { CCCI_CONFIG: file } });
    assert.equal(config.domain, 'ci.example.org');
    assert.deepEqual(Object.keys(config.recipes), ['custom-html']);
    assert.equal(config.source, file);
  });

  test('a full configuration as the NixOS module writes it', () => {
    const file = configFile({
      repo: '/nix/store/abc-source',
      stateDir: '/var/lib/ci-warm',
      runsDir: '/var/lib/cc-ci-runs',
      cacheDir: '/var/cache/cc-ci',
      abraDir: '/var/lib/cc-ci/abra',
      server: 'default',
      domain: 'ci.example.org',
      ingress: '127.0.0.1:8080',
      upstream: 'https://git.coopcloud.tech/coop-cloud/',
      mirror: { url: 'https://git.example.org/mirror', api: 'https://git.example.org/api/v1', owner: 'mirror', tokenFile: '/run/credentials/x/token' },
      recipes: { plausible: { deployTimeoutSeconds: 900, upgradeBase: '3.0.1+v2.0.0' } },
      maxConcurrentRuns: 2,
      minFreeDiskPercent: 15,
      metricsFile: '/var/lib/prometheus-node-exporter/ccci.prom',
    });
    const config = loadConfig({ configFile: file, env: {} });
    assert.equal(config.upstream, 'https://git.coopcloud.tech/coop-cloud', 'a trailing slash is dropped');
    assert.equal(repoUrl(config.upstream, 'plausible'), 'https://git.coopcloud.tech/coop-cloud/plausible.git');
    assert.equal(config.mirror?.owner, 'mirror');
    assert.equal(config.recipes.plausible?.deployTimeoutSeconds, 900);
  });

  test('an ingress in plain HTTP (host:port, http://) or TLS (https://)', () => {
    for (const ingress of ['127.0.0.1:80', '[::1]:8080', 'http://127.0.0.1:80', 'https://127.0.0.1:443']) {
      assert.equal(loadConfig({ configFile: configFile({ ingress }), env: {} }).ingress, ingress);
    }
  });

  test('file:// upstreams are accepted', () => {
    const config = loadConfig({ configFile: configFile({ upstream: 'file:///srv/upstream' }), env: {} });
    assert.equal(repoUrl(config.upstream, 'x'), 'file:///srv/upstream/x.git');
  });

  describe('errors name the file, the key and what was expected', () => {
    const cases: [string, unknown, RegExp][] = [
      ['unknown key', { stateDirr: '/x' }, /stateDirr: unknown key/],
      ['relative path', { stateDir: 'relative' }, /stateDir: an absolute path/],
      ['wrong type', { maxConcurrentRuns: 'two' }, /maxConcurrentRuns: .*number/i],
      ['zero concurrency', { maxConcurrentRuns: 0 }, /maxConcurrentRuns/],
      ['disk percent out of range', { minFreeDiskPercent: 100 }, /minFreeDiskPercent/],
      ['bad url', { upstream: 'git.coopcloud.tech' }, /upstream: a URL/],
      ['bad ingress', { ingress: 'localhost' }, /ingress: host:port/],
      ['ingress of another scheme', { ingress: 'ftp://127.0.0.1:21' }, /ingress: host:port, http:\/\/host:port or https:\/\/host:port/],
      ['bad domain', { domain: 'Not A Domain' }, /domain: a DNS domain name/],
      ['mirror without token file', { mirror: { url: 'https://m.example', owner: 'o' } }, /mirror\.tokenFile/],
      ['mirror with unknown key', { mirror: { url: 'https://m.example', owner: 'o', tokenFile: '/t', token: 's' } }, /mirror\.token: unknown key/],
      ['hostile recipe name', { recipes: { '../etc': {} } }, /recipes\.\.\.\/etc: recipe name/],
      ['unknown recipe override', { recipes: { ghost: { deployTimeout: 5 } } }, /recipes\.ghost\.deployTimeout: unknown key/],
      ['recipe override of the wrong type', { recipes: { ghost: { allowPrereleases: 'yes' } } }, /recipes\.ghost\.allowPrereleases/],
      ['top level not an object', [], /\(top level\)/],
    ];
    for (const [name, content, pattern] of cases) {
      test(name, () => {
        const file = configFile(content);
        rejects(() => loadConfig({ configFile: file, env: {} }), new RegExp(file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), pattern);
      });
    }

    test('not JSON', () => {
      const file = configFile('{ nope');
      rejects(() => loadConfig({ configFile: file, env: {} }), /not valid JSON/);
    });

    test('missing file', () => {
      rejects(() => loadConfig({ configFile: '/nonexistent/ccci.json', env: {} }), /\/nonexistent\/ccci\.json: cannot read/);
    });

    test('relative path in the environment', () => {
      rejects(() => loadConfig({ env: { CCCI_STATE_DIR: 'state' } }), /CCCI_STATE_DIR: expected an absolute path/);
    });

    test('a key a command needs', () => {
      const config = loadConfig({ env: {} });
      rejects(() => required(config, 'domain'), /domain: required/);
    });
  });
});

describe('hostile configuration values', () => {
  for (const server of ['..', '-rf', '$()', '$(touch /tmp/pwned)', 'a/b', '.', '', 'a b']) {
    test(`server ${JSON.stringify(server)} is refused, naming the key`, () => {
      const file = configFile({ server });
      rejects(() => loadConfig({ configFile: file, env: {} }), new RegExp(`${file.replace(/[.]/g, '\\.')}: server: server name`));
    });
  }
  test('a host name is a server name', () => {
    assert.equal(loadConfig({ configFile: configFile({ server: 'ci.example.org' }), env: {} }).server, 'ci.example.org');
  });

  test('a __proto__ recipe key is refused, not silently dropped', () => {
    const file = configFile('{"recipes": {"custom-html": {}, "__proto__": {"deployTimeoutSeconds": 1}}}');
    rejects(() => loadConfig({ configFile: file, env: {} }), /recipes\.__proto__: a key named __proto__ is not allowed/);
    const nested = configFile('{"recipes": {"custom-html": {"env": {"__proto__": "x"}}}}');
    rejects(() => loadConfig({ configFile: nested, env: {} }), /recipes\.custom-html\.env\.__proto__/);
  });
});

describe('readConfig (the commands\' reader, zod only for a file that is not plain) answers as loadConfig does', () => {
  const files: unknown[] = [
    {},
    { stateDir: '/srv/state', upstream: 'https://git.coopcloud.tech/coop-cloud/' },
    {
      repo: '/nix/store/abc-source',
      server: 'default',
      domain: 'ci.example.org',
      ingress: '127.0.0.1:8080',
      mirror: { url: 'https://git.example.org/mirror/', owner: 'mirror', tokenFile: '/run/credentials/x/token' },
      recipes: { plausible: { upgradeBase: '3.0.1+v2.0.0', deployTimeoutSeconds: 900, env: { A_B: 'c' } }, ghost: {} },
      maxConcurrentRuns: 2,
      minFreeDiskPercent: 12.5,
      metricsFile: null,
    },
    // Valid for the schema though not plain (a host name as server name): the schema's answer.
    { server: 'ci.example.org' },
  ];
  for (const [i, content] of files.entries()) {
    test(`the same configuration (${i + 1})`, async () => {
      const file = configFile(content);
      const env = { CCCI_RUNS_DIR: '/srv/runs', HOME: '/home/op' };
      assert.deepEqual(await readConfig({ configFile: file, env }), loadConfig({ configFile: file, env }));
    });
  }
  const bad: unknown[] = [
    { stateDirr: '/x' },
    { maxConcurrentRuns: 0 },
    { recipes: { '../etc': {} } },
    [],
    '{ nope',
    // Hostile values the reliability work refuses: the plain check must leave them to the schema.
    { server: '..' },
    { server: '$(touch /tmp/pwned)' },
    '{"recipes": {"custom-html": {}, "__proto__": {}}}',
    '{"recipes": {"custom-html": {"env": {"__proto__": "x"}}}}',
  ];
  for (const [i, content] of bad.entries()) {
    test(`the same error (${i + 1})`, async () => {
      const file = configFile(content);
      let expected = '';
      try {
        loadConfig({ configFile: file, env: {} });
      } catch (error) {
        expected = (error as Error).message;
      }
      assert.notEqual(expected, '');
      await assert.rejects(readConfig({ configFile: file, env: {} }), (error: unknown) => error instanceof InputError && error.message === expected);
    });
  }
  test('no file: defaults and environment', async () => {
    assert.deepEqual(await readConfig({ env: { HOME: '/home/op' } }), loadConfig({ env: { HOME: '/home/op' } }));
  });
});
