// Every plain check (read without zod) is held to its zod schema, which stays the
// specification: whatever the plain check accepts, the schema accepts, with the same
// value, keys in the same order; and the records cc-ci writes pass the plain check (or
// the fast path would never be taken). Records are generated valid, then mutated with
// hostile values, dropped and added keys.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkConfigFile, CONFIG_FILE_KEYS, MIRROR_KEYS, OVERRIDE_KEYS } from '../../src/config/config-check.js';
import { configFileSchema, mirrorSchema } from '../../src/config/config.js';
import { recipeOverridesSchema } from '../../src/config/recipe-definition.js';
import { MAIN_REF, TAG_PREFIX } from '../../src/mirror/refs.js';
import { checkSyncRecord } from '../../src/mirror/sync-record-read.js';
import { syncRecordSchema } from '../../src/mirror/sync-record.js';
import { ATTEMPT_KEYS, ATTEMPT_OPTIONAL_KEYS, checkAttempt } from '../../src/registry/attempt.js';
import { attemptSchema } from '../../src/registry/attempt-schema.js';
import { checkCanonicalRecord, readCanonical as readPlain } from '../../src/registry/canonical-read.js';
import { canonicalPath, canonicalRecordSchema, readCanonical as readWithSchema } from '../../src/registry/canonical.js';
import { isPlainSweepReport } from '../../src/sweep/report.js';
import { recipeReportSchema, sweepReportSchema } from '../../src/sweep/report-schema.js';
import { tempDir } from '../support/temp-dirs.js';

const HOSTILE: unknown[] = [
  '',
  '.',
  '..',
  '/',
  '-rf',
  'a/b',
  '../etc',
  ' ',
  'line\nbreak',
  '\u0000',
  'x'.repeat(300),
  '__proto__',
  'Not A Domain',
  'relative/path',
  '/abs/path',
  'https://example.org/',
  'file:///srv/x',
  '1.0.0+1',
  '2026-02-30T00:00:00.000Z',
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00.000+01:00',
  'idle',
  'in-use',
  'red',
  'a'.repeat(40),
  0,
  -1,
  1,
  1.5,
  65,
  100,
  1e308,
  true,
  false,
  null,
  [],
  ['x'],
  {},
  { a: 1 },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Random edits of a record: a key set to a hostile value (at any depth), deleted, or added. */
function mutated(base: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  const edit = fc.record({
    kind: fc.constantFrom('set', 'delete', 'add'),
    depth: fc.nat(3),
    pick: fc.nat(),
    value: fc.constantFrom(...(HOSTILE as Json[])),
  });
  return fc.tuple(base, fc.array(edit, { maxLength: 3 })).map(([record, edits]) => {
    const copy = JSON.parse(JSON.stringify(record)) as Json;
    for (const e of edits) {
      let target: Json = copy;
      for (let d = 0; d < e.depth; d += 1) {
        if (target === null || typeof target !== 'object') break;
        const keys = Object.keys(target);
        if (keys.length === 0) break;
        const next = (target as Record<string, Json>)[keys[e.pick % keys.length] as string] as Json;
        if (next === null || typeof next !== 'object') break;
        target = next;
      }
      if (target === null || typeof target !== 'object') continue;
      const obj = target as Record<string, Json>;
      const keys = Object.keys(obj);
      const key = keys.length > 0 ? (keys[e.pick % keys.length] as string) : '0';
      const value = JSON.parse(JSON.stringify(e.value)) as Json;
      if (e.kind === 'set') obj[key] = value;
      else if (e.kind === 'delete') delete obj[key];
      else obj[`extra${e.pick % 3}`] = value;
    }
    return JSON.parse(JSON.stringify(copy)) as Json;
  });
}

interface Schema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false };
}

/** The plain check never accepts what the schema refuses, and gives the schema's value. */
function agrees(plain: (raw: unknown) => unknown, schema: Schema, raw: unknown): void {
  const fast = plain(raw);
  if (fast === undefined) return;
  const slow = schema.safeParse(raw);
  assert.ok(slow.success, `the plain check accepted what the schema refuses: ${JSON.stringify(raw)}`);
  assert.equal(JSON.stringify(fast), JSON.stringify(slow.data), 'same value, same key order');
}

function holdsTo(name: string, valid: fc.Arbitrary<Json>, plain: (raw: unknown) => unknown, schema: Schema): void {
  describe(name, () => {
    test('what cc-ci writes passes the plain check, with the value the schema gives', () => {
      fc.assert(
        fc.property(valid, (record) => {
          assert.notEqual(plain(record), undefined, `the plain check refused a record as written: ${JSON.stringify(record)}`);
          agrees(plain, schema, record);
        }),
        { numRuns: 200 },
      );
    });
    test('whatever it accepts, the schema accepts the same (hostile mutations)', () => {
      fc.assert(fc.property(mutated(valid), (raw) => agrees(plain, schema, raw)), { numRuns: 2000 });
    });
  });
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const recipeName = fc.constantFrom('custom-html', 'ghost', 'plausible', 'bench-001', 'a_b');
const tag = fc.constantFrom('1.0.0+1.27.2', '3.0.1+v2.0.0', '5.0.3+27.0.1-fpm', '2.0.0-rc.1+x', '1.13.4_1');
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const safeName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/);

const canonical: fc.Arbitrary<Json> = fc
  .record({
    recipe: recipeName,
    version: tag,
    commit: hex(40),
    status: fc.constantFrom('idle', 'in-use'),
    promotedAt: instant,
    updatedAt: instant,
    runId: safeName,
    level: fc.integer({ min: 0, max: 5 }),
    id: safeName,
    volumes: fc.subarray(['content', 'db', 'uploads']),
    bytes: fc.nat(),
  })
  .map((r) => ({
    schema: 1,
    recipe: r.recipe,
    domain: `warm-${r.recipe.replace(/_/g, '-')}.ci.example.org`,
    version: r.version,
    commit: r.commit,
    status: r.status,
    promotedAt: r.promotedAt,
    updatedAt: r.updatedAt,
    runId: r.runId,
    level: r.level,
    snapshot: { id: r.id, volumes: r.volumes, bytes: r.bytes },
  }));
holdsTo('canonical.json', canonical, checkCanonicalRecord, canonicalRecordSchema);

const attempt: fc.Arbitrary<Json> = fc.record({
  at: instant,
  sweepId: fc.string(),
  recipe: recipeName,
  decision: fc.constantFrom('run', 'skip:no-new-version', 'skip:known-red', 'error:registry'),
  tag: fc.option(tag, { nil: null }),
  commit: fc.option(hex(40), { nil: null }),
  runId: fc.option(safeName, { nil: null }),
  verdict: fc.constantFrom('green', 'red', null),
  level: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  promoted: fc.boolean(),
  outcome: fc.constantFrom('skipped', 'promoted', 'red', 'error', 'interrupted'),
  durationMs: fc.nat(),
});
holdsTo('an attempts line', attempt, checkAttempt, attemptSchema);

const syncRecord: fc.Arbitrary<Json> = fc
  .record({
    recipe: recipeName,
    main: hex(40),
    tags: fc.uniqueArray(fc.record({ tag, commit: hex(40), oid: hex(40) }), { selector: (t) => t.tag, maxLength: 4 }),
    mirror: fc.boolean(),
    syncedAt: instant,
  })
  .map((r) => {
    const refs = [{ ref: MAIN_REF, oid: r.main }, ...r.tags.map((t) => ({ ref: `${TAG_PREFIX}${t.tag}`, oid: t.oid }))];
    return {
      schema: 1,
      recipe: r.recipe,
      upstreamUrl: `https://git.coopcloud.tech/coop-cloud/${r.recipe}.git`,
      mirrorUrl: r.mirror ? `https://git.example.org/cc-ci/${r.recipe}.git` : null,
      syncedAt: r.syncedAt,
      upstream: refs,
      published: refs,
      tags: r.tags.map((t) => ({ tag: t.tag, commit: t.commit })),
    };
  });
holdsTo('a sync record', syncRecord, checkSyncRecord, syncRecordSchema);

const overrides: fc.Arbitrary<Json> = fc.record(
  {
    deployTimeoutSeconds: fc.integer({ min: 1, max: 10_000 }),
    httpTimeoutSeconds: fc.integer({ min: 1, max: 600 }),
    runTimeoutSeconds: fc.integer({ min: 1, max: 100_000 }),
    env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string(), { maxKeys: 3 }),
    upgradeEnv: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string(), { maxKeys: 3 }),
    upgradeBase: fc.option(tag, { nil: null }),
    allowPrereleases: fc.boolean(),
  },
  { requiredKeys: [] },
);
const configFile: fc.Arbitrary<Json> = fc.record(
  {
    repo: fc.constant('/nix/store/abc-source'),
    stateDir: fc.constant('/var/lib/ci-warm'),
    runsDir: fc.constant('/var/lib/cc-ci-runs'),
    cacheDir: fc.constant('/var/cache/cc-ci'),
    abraDir: fc.constant('/root/.abra'),
    server: fc.constantFrom('default', null),
    domain: fc.constantFrom('ci.example.org', null),
    ingress: fc.constantFrom('127.0.0.1:443', '[::1]:8443', null),
    upstream: fc.constantFrom('https://git.coopcloud.tech/coop-cloud', 'https://git.coopcloud.tech/coop-cloud/', 'file:///srv/upstream'),
    mirror: fc.option(
      fc.record(
        {
          url: fc.constantFrom('https://git.example.org/cc-ci', 'https://git.example.org/cc-ci//'),
          api: fc.constantFrom('https://git.example.org/api/v1', null),
          owner: fc.constantFrom('cc-ci', 'mirror.bot'),
          tokenFile: fc.constant('/run/credentials/cc-ci/mirror-token'),
        },
        { requiredKeys: ['url', 'owner', 'tokenFile'] },
      ),
      { nil: null },
    ),
    recipes: fc.dictionary(recipeName, overrides, { maxKeys: 4 }),
    maxConcurrentRuns: fc.integer({ min: 1, max: 64 }),
    minFreeDiskPercent: fc.oneof(fc.integer({ min: 0, max: 99 }), fc.double({ min: 0, max: 99, noNaN: true })),
    metricsFile: fc.constantFrom('/var/lib/prometheus-node-exporter/cc-ci.prom', null),
  },
  { requiredKeys: [] },
);
holdsTo('the configuration file', configFile, checkConfigFile, configFileSchema);

const summary = fc.option(fc.record({ version: tag, commit: hex(40) }), { nil: null });
const recipeReport = fc.record({
  recipe: recipeName,
  decision: fc.option(fc.constantFrom('run', 'skip:no-new-version'), { nil: null }),
  reason: fc.string(),
  latestTag: fc.option(tag, { nil: null }),
  canonicalBefore: summary,
  canonicalAfter: summary,
  runId: fc.option(safeName, { nil: null }),
  verdict: fc.constantFrom('green', 'red', null),
  level: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  promoted: fc.boolean(),
  outcome: fc.constantFrom('skipped', 'would-run', 'promoted', 'red', 'not-promoted', 'promote-failed', 'error'),
  durationMs: fc.nat(),
  warnings: fc.array(fc.string(), { maxLength: 2 }),
  error: fc.option(fc.string(), { nil: null }),
});
const sweepReport: fc.Arbitrary<Json> = fc.record({
  schema: fc.constant(1),
  sweepId: fc.constantFrom('2026-11-26T02-00-00-000Z-beef'),
  startedAt: instant,
  finishedAt: instant,
  durationMs: fc.nat(),
  dryRun: fc.boolean(),
  retryRed: fc.boolean(),
  enrolled: fc.array(recipeName, { maxLength: 3 }),
  result: fc.constantFrom('ok', 'failed'),
  exitCode: fc.constantFrom(0, 1),
  recipes: fc.array(recipeReport, { maxLength: 3 }),
});
holdsTo('a sweep report (written as it is when plain)', sweepReport, (raw) => (isPlainSweepReport(raw) ? raw : undefined), sweepReportSchema);

describe('the plain checks know every key of their schemas (a key added to a schema alone would send every read to zod)', () => {
  test('configuration file, mirror and recipe overrides', () => {
    assert.deepEqual(Object.keys(configFileSchema.shape), [...CONFIG_FILE_KEYS]);
    assert.deepEqual(Object.keys(mirrorSchema.shape), [...MIRROR_KEYS]);
    assert.deepEqual(Object.keys(recipeOverridesSchema.shape), [...OVERRIDE_KEYS]);
  });
  test('attempts line and recipe report', () => {
    assert.deepEqual(Object.keys(attemptSchema.shape), [...ATTEMPT_KEYS, ...ATTEMPT_OPTIONAL_KEYS]);
    assert.ok(Object.keys(recipeReportSchema.shape).length === 14);
  });
});

test('reading canonical.json without zod gives what the schema reader gives, file by file (property)', async () => {
  const stateDir = tempDir('ccci-plain-canonical-');
  await fc.assert(
    fc.asyncProperty(fc.oneof(canonical, mutated(canonical)), async (raw) => {
      const recipe = 'ghost';
      mkdirSync(path.dirname(canonicalPath(stateDir, recipe)), { recursive: true });
      writeFileSync(canonicalPath(stateDir, recipe), JSON.stringify(raw));
      assert.deepEqual(await readPlain(stateDir, recipe), await readWithSchema(stateDir, recipe));
    }),
    { numRuns: 300 },
  );
});
