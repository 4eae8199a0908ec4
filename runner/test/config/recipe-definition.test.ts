import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InputError } from '../../src/config/errors.js';
import { applyOverrides, loadRecipeDefinition, parseRecipeDefinition } from '../../src/config/recipe-definition.js';
import { tempDir } from '../support/temp-dirs.js';

function repoWith(recipe: string, yaml: string): string {
  const repo = tempDir('ccci-recipes-');
  mkdirSync(path.join(repo, 'recipes', recipe), { recursive: true });
  writeFileSync(path.join(repo, 'recipes', recipe, 'recipe.yaml'), yaml);
  return repo;
}

async function rejectsWith(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputError, String(error));
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

describe('recipe definitions', () => {
  test('an empty definition gets the defaults', async () => {
    const d = await parseRecipeDefinition('', 'r.yaml');
    assert.equal(d.deployTimeoutSeconds, 300);
    assert.deepEqual(d.readyProbe, { http: { path: '/', statuses: [200, 301, 302] } });
    assert.deepEqual(d.backup, { capable: false });
    assert.equal(d.upgradeBase, null);
    assert.equal(d.allowPrereleases, false);
  });

  test('every key', async () => {
    const repo = repoWith(
      'plausible',
      [
        'description: analytics',
        'deployTimeoutSeconds: 900',
        'httpTimeoutSeconds: 60',
        'runTimeoutSeconds: 7200',
        'readyProbe: { tcp: { port: 8000, stableChecks: 5 } }',
        'env: { DISABLE_REGISTRATION: "true" }',
        'upgradeEnv: { FOO: bar }',
        'backup: { capable: true, verify: { service: db, path: /var/lib/postgresql/data } }',
        'notApplicable: [ { rung: lint, reason: upstream lint rule R014 is known to fail } ]',
        'upgradeBase: 3.0.1+v2.0.0',
        'allowPrereleases: true',
        'functional: [ { path: /api/health, status: 200, bodyContains: ok } ]',
        'dependsOn: [keycloak]',
      ].join('\n'),
    );
    const d = await loadRecipeDefinition(repo, 'plausible');
    assert.deepEqual(d.readyProbe, { tcp: { port: 8000, stableChecks: 5 } });
    assert.equal(d.backup.verify?.service, 'db');
    assert.equal(d.notApplicable[0]?.rung, 'lint');
    assert.equal(d.functional[0]?.bodyContains, 'ok');
    assert.equal(d.upgradeBase, '3.0.1+v2.0.0');
  });

  test('configuration overrides win, env maps merge', async () => {
    const repo = repoWith('ghost', 'deployTimeoutSeconds: 300\nenv: { A: "1", B: "2" }\n');
    const d = await loadRecipeDefinition(repo, 'ghost', { deployTimeoutSeconds: 600, env: { B: '3' }, upgradeBase: null });
    assert.equal(d.deployTimeoutSeconds, 600);
    assert.deepEqual(d.env, { A: '1', B: '3' });
    assert.equal(applyOverrides(d, {}).deployTimeoutSeconds, 600);
  });

  describe('errors name the file and the key', () => {
    const cases: [string, string, RegExp][] = [
      ['unknown top-level key', 'deployTimeout: 5\n', /deployTimeout: unknown key/],
      ['unknown nested key', 'readyProbe: { http: { path: /, code: 200 } }\n', /readyProbe\.http\.code: unknown key/],
      ['negative timeout', 'deployTimeoutSeconds: -1\n', /deployTimeoutSeconds/],
      ['probe path without slash', 'readyProbe: { http: { path: health } }\n', /readyProbe\.http\.path: .*must start with "\/"/],
      ['tcp port out of range', 'readyProbe: { tcp: { port: 70000 } }\n', /readyProbe\.tcp\.port: .*<=65535/],
      ['tcp port not a number', 'readyProbe: { tcp: { port: web } }\n', /readyProbe\.tcp\.port: .*expected number/],
      [
        'a probe of neither form',
        'readyProbe: { foo: 1 }\n',
        /readyProbe: expected exactly one of \{http: \{path, statuses\}\} and \{tcp: \{port, stableChecks\}\}/,
      ],
      ['both forms at once', 'readyProbe: { http: { path: / }, tcp: { port: 1 } }\n', /readyProbe: expected exactly one of/],
      ['unknown rung', 'notApplicable: [ { rung: smoke, reason: x } ]\n', /notApplicable\.0\.rung/],
      ['rung without reason', 'notApplicable: [ { rung: lint } ]\n', /notApplicable\.0\.reason/],
      ['bad env name', 'env: { "1BAD": x }\n', /env/],
      ['env value not a string', 'env: { A: 1 }\n', /env\.A/],
      ['functional status not a number', 'functional: [ { path: /, status: ok } ]\n', /functional\.0\.status/],
      ['backup without capable', 'backup: {}\n', /backup\.capable/],
      ['not YAML', 'a: [\n', /not valid YAML/],
    ];
    for (const [name, yaml, pattern] of cases) {
      test(name, async () => {
        const repo = repoWith('ghost', yaml);
        await rejectsWith(loadRecipeDefinition(repo, 'ghost'), /recipes\/ghost\/recipe\.yaml/, pattern);
      });
    }

    test('missing definition says which file and why it matters', async () => {
      const repo = repoWith('ghost', '');
      await rejectsWith(loadRecipeDefinition(repo, 'gitea'), /recipe gitea has no definition: .*recipes\/gitea\/recipe\.yaml does not exist/, /CCCI_REPO/);
    });

    for (const name of ['../etc', 'a/b', '', '-rf', 'UPPER', '.hidden']) {
      test(`recipe name ${JSON.stringify(name)} is refused before any file is read`, async () => {
        await rejectsWith(loadRecipeDefinition('/nonexistent', name), /recipe name/);
      });
    }
  });
});

describe('hostile recipe definitions', () => {
  test('a __proto__ key is refused, naming the file and where', async () => {
    await assert.rejects(parseRecipeDefinition('env:\n  __proto__: x\n', '/r/recipe.yaml'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /\/r\/recipe\.yaml: env\.__proto__: a key named __proto__ is not allowed/);
      return true;
    });
  });
});
