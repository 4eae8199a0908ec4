// Tags upstream as an attacker or a careless maintainer leaves them: a junk tag git
// cannot store never blocks a recipe; a moved canonical tag stays visible until a promote
// resolves it; a tag moved during the run is not promoted; a dry run changes nothing.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commitUntagged, releaseVersion } from '../../src/demo/fixtures.js';
import { execChecked } from '../../src/effects/exec.js';
import { headCommit } from '../../src/effects/git.js';
import { loadCanonical } from '../../src/registry/canonical.js';
import { syncRecordPath } from '../../src/mirror/sync-record.js';
import { defaultSweepEffects } from '../../src/sweep/default-effects.js';
import { sweepReportSchema } from '../../src/sweep/report-schema.js';
import type { SweepReport } from '../../src/sweep/report.js';
import { createScenario, type Scenario } from './scenario.js';

async function git(args: string[], cwd: string): Promise<string> {
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_CONFIG_GLOBAL: '/dev/null' };
  return (await execChecked('git', args, { cwd, env })).stdout.trim();
}

function done(outcome: Awaited<ReturnType<Scenario['sweep']>>): SweepReport {
  assert.equal(outcome.kind, 'done');
  if (outcome.kind !== 'done') throw new Error('locked');
  return outcome.report;
}

/** Every file under `dir` with its size and mtime: what "changed nothing" compares. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      const info = statSync(full);
      out[path.relative(dir, full)] = `${entry.isDirectory() ? 'dir' : info.size} ${info.mtimeMs}`;
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

describe('upstream tags', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
  });
  after(async () => s.close());

  test('a 300-character tag (git cannot store it as a ref file) and a non-release tag: reported, and the newer real release is promoted', async () => {
    const work = await s.addRecipe('junk', { version: '1.0.0+1.0' });
    assert.equal(done(await s.sweep({ recipes: ['junk'] })).recipes[0]?.outcome, 'promoted');
    await releaseVersion(work, '1.1.0+1.0');
    await git(['tag', 'latest'], work);
    await s.publish('junk');
    // The attacker's tag is valid in git, but only as a packed ref: no file name can hold it.
    const junk = `1.2.0+${'x'.repeat(294)}`;
    appendFileSync(path.join(s.upstream('junk'), 'packed-refs'), `${await headCommit(work)} refs/tags/${junk}\n`);
    assert.ok((await git(['ls-remote', s.upstream('junk')], work)).includes(junk));

    for (let night = 1; night <= 2; night += 1) {
      const report = done(await s.sweep({ recipes: ['junk'] }));
      const r = report.recipes[0];
      if (night === 1) assert.equal(r?.outcome, 'promoted', JSON.stringify(r));
      else assert.equal(r?.decision, 'skip:no-new-version', JSON.stringify(r));
      const refused = r?.warnings.filter((w) => /^tag-rejected:/.test(w)) ?? [];
      assert.ok(refused.some((w) => w.includes('1.2.0+xxxx') && /longer than 255/.test(w)), refused.join('\n'));
      assert.ok(refused.some((w) => w.includes('"latest"') && /not a release tag/.test(w)), refused.join('\n'));
    }
    assert.equal((await loadCanonical(s.config.stateDir, 'junk'))?.version, '1.1.0+1.0');
  });

  test('a moved canonical tag: said on every sweep and marked by ccci status, until a newer promote', async () => {
    const work = await s.addRecipe('moved', { version: '1.0.0+1.0' });
    assert.equal(done(await s.sweep({ recipes: ['moved'] })).recipes[0]?.outcome, 'promoted');
    const tested = (await loadCanonical(s.config.stateDir, 'moved'))?.commit as string;
    const other = await commitUntagged(work, { version: '1.0.0+1.0', message: 'the same version, other content' });
    await git(['tag', '--force', '--annotate', '--message=moved', '1.0.0+1.0'], work);
    await s.publish('moved');

    for (let night = 1; night <= 3; night += 1) {
      const r = done(await s.sweep({ recipes: ['moved'] })).recipes[0];
      assert.equal(r?.decision, 'skip:no-new-version');
      const said = r?.warnings.find((w) => w.startsWith('CANONICAL TAG MOVED')) ?? '';
      assert.ok(said.includes(other) && said.includes(tested), `night ${night}: ${r?.warnings.join('\n')}`);
    }
    const status = await s.cli(['status']);
    assert.match(status.stdout, /moved\s+1\.0\.0\+1\.0\s+\S+\s+idle TAG MOVED/);
    assert.match(status.stdout, new RegExp(`moved: canonical tag 1\\.0\\.0\\+1\\.0 moved upstream: it names ${other}, the canonical was tested at ${tested}`));
    const decide = await s.cli(['decide', 'moved']);
    assert.match(decide.stdout, /CANONICAL TAG MOVED/);
    assert.equal((await loadCanonical(s.config.stateDir, 'moved'))?.commit, tested, 'the canonical stays what was tested');

    await releaseVersion(work, '1.1.0+1.0');
    await s.publish('moved');
    const promoted = done(await s.sweep({ recipes: ['moved'] })).recipes[0];
    assert.equal(promoted?.outcome, 'promoted');
    const after = done(await s.sweep({ recipes: ['moved'] })).recipes[0];
    assert.ok(!after?.warnings.some((w) => w.startsWith('CANONICAL TAG MOVED')), after?.warnings.join('\n'));
    assert.doesNotMatch((await s.cli(['status'])).stdout, /TAG MOVED/);
  });

  test('a tag moved upstream while its run ran is not promoted: the gate re-reads it right before', async () => {
    const work = await s.addRecipe('racy', { version: '1.0.0+1.0' });
    const effects = defaultSweepEffects();
    let moved = '';
    const report = done(
      await s.sweep({
        recipes: ['racy'],
        effects: {
          ...effects,
          runRecipeCi: async (request) => {
            const result = await effects.runRecipeCi(request);
            moved = await commitUntagged(work, { version: '1.0.0+1.0', message: 'sneaked in' });
            await git(['tag', '--force', '--annotate', '--message=moved', '1.0.0+1.0'], work);
            await s.publish('racy');
            return result;
          },
        },
      }),
    );
    const r = report.recipes[0];
    assert.equal(r?.verdict, 'green');
    assert.equal(r?.outcome, 'not-promoted', JSON.stringify(r));
    assert.match(r?.reason ?? '', new RegExp(`tag 1\\.0\\.0\\+1\\.0 points at ${moved}, not at the tested commit`));
    assert.match(r?.reason ?? '', /the tag moved during the run/);
    assert.equal(report.exitCode, 1);
    assert.equal(await loadCanonical(s.config.stateDir, 'racy'), null);
  });

  test('a tag whose compose label names an older release is not promoted as that release, night after night', async () => {
    const work = await s.addRecipe('mislabelled', { version: '1.0.0+1.0' });
    assert.equal(done(await s.sweep({ recipes: ['mislabelled'] })).recipes[0]?.outcome, 'promoted');
    const record = readFileSync(path.join(s.config.stateDir, 'mislabelled', 'canonical.json'));
    // A maintainer tags 1.1.0+1.0 where the label still says 1.0.0+1.0 (the canonical).
    await commitUntagged(work, { version: '1.0.0+1.0', message: 'forgot the label' });
    await git(['tag', '--annotate', '--message=release', '1.1.0+1.0'], work);
    await s.publish('mislabelled');
    for (const night of [1, 2]) {
      const report = done(await s.sweep({ recipes: ['mislabelled'] }));
      const r = report.recipes[0];
      assert.equal(r?.decision, 'run', `night ${night}`);
      assert.equal(r?.verdict, 'green', `night ${night}`);
      assert.equal(r?.outcome, 'not-promoted', `night ${night}: ${JSON.stringify(r)}`);
      assert.match(
        r?.reason ?? '',
        /the run staged tag 1\.1\.0\+1\.0, but its checkout's version \(the compose label\) is 1\.0\.0\+1\.0/,
      );
      assert.equal(report.exitCode, 1);
      // The canonical (record, promotedAt, snapshot) is exactly as the first night left it.
      assert.deepEqual(readFileSync(path.join(s.config.stateDir, 'mislabelled', 'canonical.json')), record, `night ${night}`);
    }
  });

  test('a tag deleted upstream after the mirror got it: the sweep, its dry run and decide all skip', async () => {
    const work = await s.addRecipe('retracted', { version: '1.0.0+1.0' });
    assert.equal(done(await s.sweep({ recipes: ['retracted'] })).recipes[0]?.outcome, 'promoted');
    await releaseVersion(work, '1.1.0+1.0');
    await s.publish('retracted');
    const synced = await s.cli(['mirror-sync', 'retracted']);
    assert.equal(synced.code, 0, synced.stderr);
    await git(['--git-dir', s.upstream('retracted'), 'tag', '--delete', '1.1.0+1.0'], s.root);
    const dry = done(await s.sweep({ recipes: ['retracted'], dryRun: true })).recipes[0];
    const decide = await s.cli(['decide', 'retracted', '--json']);
    assert.equal((JSON.parse(decide.stdout) as { code: string }).code, 'skip:no-new-version', decide.stdout);
    for (const night of [1, 2]) {
      const report = done(await s.sweep({ recipes: ['retracted'] }));
      const r = report.recipes[0];
      assert.equal(r?.decision, dry?.decision, `night ${night}: the sweep decides as its dry run did`);
      assert.equal(r?.decision, 'skip:no-new-version', `night ${night}: ${JSON.stringify(r)}`);
      assert.equal(r?.runId, null, `night ${night}: nothing ran`);
      assert.equal(report.exitCode, 0, `night ${night}`);
    }
  });

  test('sweep --dry-run and decide change nothing on disk, the cache and its sync record included', async () => {
    const work = await s.addRecipe('dry', { version: '1.0.0+1.0' });
    const cacheClone = path.join(s.config.cacheDir, 'mirrors', 'dry.git');
    const record = syncRecordPath(s.config.cacheDir, 'dry');
    // Never synced: a dry run must not create the cache clone.
    const first = await s.cli(['sweep', '--dry-run', '--recipe', 'dry', '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(sweepReportSchema.parse(JSON.parse(first.stdout)).recipes[0]?.outcome, 'would-run');
    assert.equal(existsSync(cacheClone), false, 'no cache clone');
    assert.equal(existsSync(record), false);
    assert.equal(existsSync(path.join(s.config.stateDir, 'dry')), false, 'no state');

    // Synced once, then upstream moves on: the record and the clone stay as they are.
    assert.equal(done(await s.sweep({ recipes: ['dry'] })).recipes[0]?.outcome, 'promoted');
    await releaseVersion(work, '1.1.0+1.0');
    await s.publish('dry');
    const recordBefore = readFileSync(record);
    const before = { cache: fingerprint(s.config.cacheDir), state: fingerprint(s.config.stateDir), runs: fingerprint(s.config.runsDir) };
    const dry = await s.cli(['sweep', '--dry-run', '--recipe', 'dry', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const r = sweepReportSchema.parse(JSON.parse(dry.stdout)).recipes[0];
    assert.equal(r?.outcome, 'would-run');
    assert.equal(r?.latestTag, '1.1.0+1.0', 'decided from upstream as listed');
    const decide = await s.cli(['decide', 'dry', '--json']);
    assert.equal(decide.code, 0, decide.stderr);
    assert.equal((JSON.parse(decide.stdout) as { code: string; tag: string }).tag, '1.1.0+1.0');
    assert.deepEqual(readFileSync(record), recordBefore, 'the sync record is untouched');
    assert.deepEqual(
      { cache: fingerprint(s.config.cacheDir), state: fingerprint(s.config.stateDir), runs: fingerprint(s.config.runsDir) },
      before,
    );
  });
});
