// The ccci command line: help, version, exit codes, status and decide.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runMain } from '../support/main-output.js';
import { canonicalPath, writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { writeSnapshotFixture } from '../registry/snapshot-fixture.js';
import { createScenario, type Scenario } from '../sweep/scenario.js';
import { tempDir } from '../support/temp-dirs.js';

function ccci(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return runMain(argv, { HOME: '/nonexistent', ...env });
}

describe('ccci', () => {
  test('--help lists every command and the exit codes', async () => {
    const result = await ccci(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['sweep', 'run', 'status', 'decide', 'mirror-sync', 'versions', 'demo']) {
      assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
    }
    assert.match(result.stdout, /75 another sweep holds the lock/);
  });

  test('no command: usage on stderr, exit 2', async () => {
    const result = await ccci([]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: ccci/);
  });

  test('--version prints the package version', async () => {
    const result = await ccci(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^ccci \d+\.\d+\.\d+\n$/);
  });

  test('an unknown command or option is a usage error (exit 2)', async () => {
    assert.equal((await ccci(['frobnicate'])).code, 2);
    const result = await ccci(['status', '--colour']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ccci status: .*--colour/);
  });

  test('a bad configuration file is exit 2 naming the file and key', async () => {
    const file = path.join(tempDir('ccci-bad-config-'), 'config.json');
    writeFileSync(file, '{"stateDir": "relative"}');
    const result = await ccci(['--config', file, 'status']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}: stateDir: an absolute path`));
  });

  test('subcommand --help', async () => {
    const result = await ccci(['sweep', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: ccci sweep \[--recipe R\]\.\.\. \[--dry-run\] \[--retry-red\] \[--json\]/);
  });
});

describe('ccci status and ccci decide', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('custom-html', { version: '1.0.0+1.0' });
    await s.addRecipe('ghost', { version: '5.0.0+5.0' });
    await s.addRecipe('gitea');
    // custom-html gets a canonical, ghost a broken record, gitea nothing.
    const record: CanonicalRecord = {
      schema: 1,
      recipe: 'custom-html',
      domain: 'warm-custom-html.ci.example.org',
      version: '1.0.0+1.0',
      commit: 'c'.repeat(40),
      status: 'idle',
      promotedAt: '2026-11-01T02:00:00.000Z',
      updatedAt: '2026-11-02T02:00:00.000Z',
      runId: 'run-1',
      level: 5,
      snapshot: { id: 'run-1', volumes: ['content'], bytes: 2048 },
    };
    await writeCanonical(s.config.stateDir, record);
    writeSnapshotFixture(s.config.stateDir, record);
    mkdirSync(path.dirname(canonicalPath(s.config.stateDir, 'ghost')), { recursive: true });
    writeFileSync(canonicalPath(s.config.stateDir, 'ghost'), 'not json');
  });
  after(async () => s.close());

  test('status marks a canonical, an invalid record and no canonical', async () => {
    const result = await ccci(['status'], { CCCI_CONFIG: s.configFile });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /custom-html\s+1\.0\.0\+1\.0\s+cccccccc\s+idle\s+2026-11-01T02:00:00\.000Z\s+2\.0 KiB/);
    assert.match(result.stdout, /ghost\s+INVALID RECORD/);
    assert.match(result.stdout, /ghost: .*canonical\.json: not valid JSON/);
    assert.match(result.stdout, /gitea\s+\(no canonical\)/);
    assert.match(result.stdout, /state .*: .* free \(\d+\.\d%\)/);
  });

  test('status --json', async () => {
    const result = await ccci(['status', '--json'], { CCCI_CONFIG: s.configFile });
    const report = JSON.parse(result.stdout) as { recipes: { recipe: string; canonical: { state: string } }[]; disk: unknown };
    assert.deepEqual(
      report.recipes.map((r) => [r.recipe, r.canonical.state]),
      [['custom-html', 'present'], ['ghost', 'invalid'], ['gitea', 'absent']],
    );
    assert.ok(report.disk);
  });

  test('decide explains and changes nothing', async () => {
    const run = await ccci(['decide', 'ghost'], { CCCI_CONFIG: s.configFile });
    assert.equal(run.code, 1, 'an invalid registry record is an error');
    assert.match(run.stdout, /ghost: error:registry/);
    const never = await ccci(['decide', 'gitea', '--json'], { CCCI_CONFIG: s.configFile });
    assert.equal(never.code, 0, never.stderr);
    assert.equal((JSON.parse(never.stdout) as { code: string }).code, 'skip:never-released');
    const skip = await ccci(['decide', 'custom-html'], { CCCI_CONFIG: s.configFile });
    assert.match(skip.stdout, /custom-html: skip:no-new-version/);
    const unknown = await ccci(['decide', 'plausible'], { CCCI_CONFIG: s.configFile });
    assert.equal(unknown.code, 2);
    // Named as it was given: an argument, not a --recipe option decide does not have.
    assert.match(unknown.stderr, /^ccci decide: recipe plausible: not enrolled in /);
  });
});
