// The enrolled recipe definitions: exactly the 21 of REFERENCE.md, each parsed by
// the runner's own loader, with the settings the slow starters need.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadRecipeDefinition, type RecipeDefinition } from '../../src/config/recipe-definition.js';
import { repoRoot } from './nix-tools.js';

const root = repoRoot();

/** REFERENCE.md, "Enrolled set (21)". */
const ENROLLED = [
  'bluesky-pds',
  'cryptpad',
  'custom-html',
  'custom-html-tiny',
  'discourse',
  'drone',
  'ghost',
  'gitea',
  'hedgedoc',
  'immich',
  'keycloak',
  'lasuite-docs',
  'lasuite-drive',
  'lasuite-meet',
  'mailu',
  'matrix-synapse',
  'mattermost-lts',
  'mumble',
  'n8n',
  'plausible',
  'uptime-kuma',
];

/** Known to take minutes to converge on a cold host. */
const SLOW_STARTERS = [
  'bluesky-pds',
  'discourse',
  'immich',
  'keycloak',
  'lasuite-docs',
  'lasuite-drive',
  'lasuite-meet',
  'mailu',
  'matrix-synapse',
  'mattermost-lts',
];

async function loadAll(): Promise<Map<string, RecipeDefinition>> {
  const definitions = new Map<string, RecipeDefinition>();
  for (const name of ENROLLED) definitions.set(name, await loadRecipeDefinition(root, name));
  return definitions;
}

describe('enrolled recipe definitions', () => {
  test('recipes/ holds exactly the enrolled set, and no fixture', () => {
    const present = readdirSync(path.join(root, 'recipes'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    assert.deepEqual(present, [...ENROLLED].sort());
  });

  test('every recipes/*/recipe.yaml parses through loadRecipeDefinition', async () => {
    const definitions = await loadAll();
    assert.equal(definitions.size, 21);
  });

  test('slow starters get a longer deploy timeout', async () => {
    const definitions = await loadAll();
    for (const name of SLOW_STARTERS) {
      const deploy = definitions.get(name)!.deployTimeoutSeconds;
      assert.ok(deploy >= 600, `${name}: deployTimeoutSeconds ${deploy}`);
    }
  });

  test('a recipe that is not backup-capable says why the rung does not apply', async () => {
    for (const [name, definition] of await loadAll()) {
      const backupNotApplicable = definition.notApplicable.some((entry) => entry.rung === 'backup');
      assert.equal(backupNotApplicable, !definition.backup.capable, `${name}: backup.capable vs notApplicable`);
    }
  });

  test('dependencies are enrolled recipes', async () => {
    for (const [name, definition] of await loadAll()) {
      for (const dependency of definition.dependsOn) {
        assert.ok(ENROLLED.includes(dependency), `${name} depends on ${dependency}, which is not enrolled`);
      }
    }
    for (const name of ['lasuite-docs', 'lasuite-drive', 'lasuite-meet']) {
      assert.deepEqual((await loadAll()).get(name)!.dependsOn, ['keycloak']);
    }
  });

  test('mumble has no HTTP: a TCP ready probe and no functional rung', async () => {
    const mumble = (await loadAll()).get('mumble')!;
    assert.deepEqual(mumble.readyProbe, { tcp: { port: 64738, stableChecks: 3 } });
    assert.ok(mumble.notApplicable.some((entry) => entry.rung === 'functional'));
  });

  test("the VM test's fixture definitions parse and are not enrolled", async () => {
    const vmRepo = path.join(root, 'checks', 'vm-repo');
    const fixture = await loadRecipeDefinition(vmRepo, 'vmfix');
    assert.equal(fixture.backup.capable, true);
    // vmfresh's first release deploys forever to hold the sweep lock: its deploy
    // timeout must outlast that step of the VM test.
    const fresh = await loadRecipeDefinition(vmRepo, 'vmfresh');
    assert.ok(fresh.deployTimeoutSeconds >= 3600, String(fresh.deployTimeoutSeconds));
    for (const name of ['vmfix', 'vmfresh']) assert.ok(!ENROLLED.includes(name), name);
  });
});
