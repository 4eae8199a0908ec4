// What `ccci status` shows of a canonical is what the sweep would make of it: both views
// read it through readTrustedCanonical, with the recipe's prerelease setting taken from
// its definition as the sweep takes it. A record whose snapshot is missing, or whose
// archives are not what meta.json and the record say, is shown as refused, with the
// reason, never as a good canonical.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config/config.js';
import { writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { readTrustedCanonical } from '../../src/registry/record-check.js';
import { snapshotDir, verifySnapshot } from '../../src/registry/snapshot.js';
import { collectRecipeDetail } from '../../src/status/recipe-detail.js';
import { renderRecipeDetail } from '../../src/status/render-detail.js';
import { renderStatus } from '../../src/status/render.js';
import { collectStatus } from '../../src/status/status.js';
import { canonicalFixture as record, writeSnapshotFixture } from '../registry/snapshot-fixture.js';
import { tempDir } from '../support/temp-dirs.js';

const RECIPE = 'custom-html';


/** A state with the recipe enrolled, its definition, and `r` as its canonical with a snapshot that agrees. */
async function setUp(
  r: CanonicalRecord = record(),
  options: { definition?: string | null; overrides?: Config['recipes'][string] } = {},
): Promise<Config> {
  const root = tempDir('ccci-status-trust-');
  const config: Config = {
    ...loadConfig({ env: {} }),
    repo: path.join(root, 'repo'),
    stateDir: path.join(root, 'state'),
    runsDir: path.join(root, 'runs'),
    cacheDir: path.join(root, 'cache'),
    domain: 'ci.example.org',
    recipes: { [RECIPE]: options.overrides ?? {} },
  };
  const definition = options.definition === undefined ? 'description: a test recipe\n' : options.definition;
  if (definition !== null) {
    mkdirSync(path.join(config.repo, 'recipes', RECIPE), { recursive: true });
    writeFileSync(path.join(config.repo, 'recipes', RECIPE, 'recipe.yaml'), definition);
  }
  writeSnapshotFixture(config.stateDir, r);
  await writeCanonical(config.stateDir, r);
  return config;
}

/** What the sweep reads (sweep.ts: the definition's setting, the configured domain). */
function sweepRead(config: Config, allowPrereleases = false) {
  return readTrustedCanonical(config.stateDir, RECIPE, config.domain, { allowPrereleases });
}

async function views(config: Config) {
  const detail = await collectRecipeDetail(config, RECIPE);
  const overview = await collectStatus(config);
  const row = overview.recipes.find((x) => x.recipe === RECIPE);
  assert.ok(row);
  return { detail, text: renderRecipeDetail(detail), row, table: renderStatus(overview) };
}

const archive = (config: Config, volume: string) =>
  path.join(snapshotDir(config.stateDir, RECIPE, record().snapshot.id), 'volumes', `${volume}.tar`);

describe('status of a canonical, as the sweep reads it', () => {
  test('a trusted canonical: shown in full in both views', async () => {
    const config = await setUp();
    assert.equal((await sweepRead(config)).state, 'present');
    const { detail, text, row, table } = await views(config);
    assert.equal(detail.canonical.state, 'present');
    assert.equal(detail.untrustedRecord, null);
    assert.match(text, /canonical:\n {2}version {5}1\.0\.0\+1\.0\n/);
    assert.match(text, /snapshot {4}run-1-abc: content, db, /);
    assert.doesNotMatch(text, /INVALID|MISSING|not trusted/);
    assert.equal(row.canonical.state, 'present');
    assert.match(table, /custom-html +1\.0\.0\+1\.0 +cccccccc +idle/);
  });

  test('a canonical whose snapshot is missing: refused with the reason, what it claims shown apart', async () => {
    const config = await setUp();
    rmSync(snapshotDir(config.stateDir, RECIPE, record().snapshot.id), { recursive: true });
    const sweep = await sweepRead(config);
    assert.equal(sweep.state, 'invalid');
    const { detail, text, row, table } = await views(config);
    assert.deepEqual(detail.canonical, sweep, 'the detail says what the sweep says');
    assert.deepEqual(row.canonical, sweep, 'and so does the overview');
    assert.match(text, /canonical:\n {2}INVALID RECORD \(the sweep refuses it: error:registry; left as it is\): \S+canonical\.json: snapshot run-1-abc \(\S+\) is missing or has no meta\.json\n/);
    assert.match(text, / {2}what it claims \(not trusted\):\n {2}version {5}1\.0\.0\+1\.0\n {2}commit {6}c{40}\n/);
    assert.doesNotMatch(text, /level {7}L5/, 'nothing of it is shown as the canonical');
    assert.equal(detail.untrustedRecord?.version, '1.0.0+1.0');
    assert.match(table, /custom-html +INVALID RECORD/);
    assert.match(table, /custom-html: \S+canonical\.json: snapshot run-1-abc .* is missing/);
  });

  test('archives that are not what meta.json records (another size, a digest that is none): refused, as the sweep does', async () => {
    const config = await setUp();
    appendFileSync(archive(config, 'db'), 'tampered');
    const grown = await sweepRead(config);
    assert.match(grown.state === 'invalid' ? grown.problem : '', /db\.tar has 1508 bytes, meta\.json says 1500/);
    let { detail, text, row } = await views(config);
    assert.deepEqual(detail.canonical, grown);
    assert.deepEqual(row.canonical, grown);
    assert.match(text, /INVALID RECORD .*db\.tar has 1508 bytes, meta\.json says 1500\n/);

    const fresh = await setUp();
    const meta = path.join(snapshotDir(fresh.stateDir, RECIPE, record().snapshot.id), 'meta.json');
    const parsed = JSON.parse(readFileSync(meta, 'utf8')) as { volumes: { sha256: string }[] };
    (parsed.volumes[1] as { sha256: string }).sha256 = 'not-a-digest';
    writeFileSync(meta, JSON.stringify(parsed));
    const bad = await sweepRead(fresh);
    assert.match(bad.state === 'invalid' ? bad.problem : '', /meta\.json: volumes\.1\.sha256: /);
    ({ detail, text, row } = await views(fresh));
    assert.deepEqual(detail.canonical, bad);
    assert.deepEqual(row.canonical, bad);
    assert.match(text, /INVALID RECORD .*meta\.json: volumes\.1\.sha256: /);
  });

  test('an archive changed at its size (its digest no longer matches): the cheap check cannot tell, for status as for the sweep; the checksum is verified where the data is used', async () => {
    const config = await setUp();
    const content = archive(config, 'content');
    const bytes = readFileSync(content);
    bytes[0] = 0xff;
    writeFileSync(content, bytes);
    const sweep = await sweepRead(config);
    assert.equal(sweep.state, 'present', 'the sweep hashes no archive on a night');
    const { detail, row } = await views(config);
    assert.deepEqual(detail.canonical, sweep, 'status says no more and no less than the sweep');
    assert.deepEqual(row.canonical.state, 'present');
    await assert.rejects(verifySnapshot(config.stateDir, RECIPE, record().snapshot.id), /content\.tar: checksum does not match meta\.json/);
  });

  test("a prerelease canonical: judged by the recipe's definition and the configuration's override, as the sweep judges it", async () => {
    const rc = record({ version: '2.0.0-rc.1+1.0' });
    // The definition allows prereleases: a canonical.
    const allowed = await setUp(rc, { definition: 'allowPrereleases: true\n' });
    assert.equal((await sweepRead(allowed, true)).state, 'present');
    let v = await views(allowed);
    assert.equal(v.detail.canonical.state, 'present');
    assert.equal(v.row.canonical.state, 'present');
    // The definition does not (its default): refused by both views, which used to show it
    // (the overview judged only the configuration's override, the detail no version at all).
    const refused = await setUp(rc);
    const sweep = await sweepRead(refused, false);
    assert.match(sweep.state === 'invalid' ? sweep.problem : '', /version 2\.0\.0-rc\.1\+1\.0 is a prerelease and the recipe does not allow prereleases/);
    v = await views(refused);
    assert.deepEqual(v.detail.canonical, sweep);
    assert.deepEqual(v.row.canonical, sweep);
    // The configuration's override wins over the definition, as for the sweep.
    const overridden = await setUp(rc, { definition: 'allowPrereleases: true\n', overrides: { allowPrereleases: false } });
    v = await views(overridden);
    assert.deepEqual(v.detail.canonical, await sweepRead(overridden, false));
    assert.deepEqual(v.row.canonical, await sweepRead(overridden, false));
  });

  test('no definition: no prerelease setting is made up; the detail says the version is unjudged and has no next decision', async () => {
    const config = await setUp(record(), { definition: null });
    const { detail, text, row } = await views(config);
    assert.equal(detail.canonical.state, 'present');
    assert.equal(row.canonical.state, 'present');
    assert.match(detail.definitionProblem ?? '', /has no definition/);
    assert.equal(detail.nextDecision, null);
    assert.match(text, /\(its version is not checked against the recipe's prerelease setting: the definition cannot be loaded\)/);
    assert.match(text, /next decision:\n {2}unknown: the recipe's definition cannot be loaded \(a sweep would stop with exit 2\): recipe custom-html has no definition/);
  });
});

test('a definition that cannot be loaded, under a prerelease canonical: the overview says why its version is not judged, as the detail does', async () => {
  const config = await setUp(record({ version: '2.0.0-rc.1+1.0' }), { definition: 'allowPrereleases: maybe\n' });
  const overview = await collectStatus(config);
  const row = overview.recipes[0];
  assert.match(row?.definitionProblem ?? '', /recipe\.yaml.*allowPrereleases/);
  assert.equal(row?.canonical.state, 'present', 'no setting is made up for it');
  assert.match(renderStatus(overview), /\ncustom-html: canonical version 2\.0\.0-rc\.1\+1\.0 not judged against the prerelease setting: \S+recipe\.yaml.*allowPrereleases/);
  const detail = await collectRecipeDetail(config, RECIPE);
  assert.equal(detail.definitionProblem, row?.definitionProblem);
});

test('no sync record: the next decision is unknown, and the hint says ccci decide asks upstream and changes nothing', async () => {
  const config = await setUp();
  const detail = await collectRecipeDetail(config, RECIPE);
  assert.equal(detail.nextDecision, null);
  assert.equal(detail.nextDecisionProblem, 'no mirror sync recorded yet (ccci decide custom-html asks upstream now and changes nothing)');
  assert.match(renderRecipeDetail(detail), /next decision:\n {2}unknown: no mirror sync recorded yet \(ccci decide custom-html asks upstream now and changes nothing\)\n/);
});
