// The kill test: a real `ccci sweep` (a child process, on the test doubles) is SIGKILLed
// at every declared failpoint (CCCI_FAILPOINTS=<point>=kill) while it promotes.
//
// The kills form one chain, each sweep killed later in the promote than the one before,
// so that each next sweep must recover from the previous crash to get that far (it
// runs on the previous one's leftovers, and a run or promote that could not would never
// reach its point). After every kill:
//   - the previous canonical is byte-identical, or (past the commit point) the new one is
//     complete, and the snapshot the record names verifies;
//   - whatever is left behind is the killed process's own: the previous crash's temp
//     files, locks and work directories are gone;
//   - a kill past the commit point shows that the chain promoted.
// A last, clean sweep promotes once more and leaves nothing behind. The suite covers every
// point: the set killed at must equal the set declared, and it prints the list.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { releaseVersion } from '../../src/demo/fixtures.js';
import { FAILPOINTS, type FailpointName } from '../../src/effects/failpoint.js';
import { readLockOwner } from '../../src/effects/lock-file.js';
import { canonicalPath, loadCanonical } from '../../src/registry/canonical.js';
import { verifySnapshot } from '../../src/registry/snapshot.js';
import { sweepReportSchema } from '../../src/sweep/report-schema.js';
import { assertNothingLeftBehind, tempFilesUnder } from './leftover-checks.js';
import { createScenario, type Scenario } from './scenario.js';

const RECIPE = 'killme';
const WARM_LOCK = `warm-${RECIPE}.ci.example.org.lock`;

interface KillCase {
  point: FailpointName;
  /** Only at the call naming this subject (a file's basename). */
  subject?: string;
  /** Whether the kill comes after canonical.json names the new version. */
  committed: boolean;
}

// Every point, in the order a sweep reaches them (on the state the kill before left).
const CHAIN: KillCase[] = [
  { point: 'lock:temp-written', subject: 'sweep.lock', committed: false },
  { point: 'promote:disk-guard', committed: false },
  { point: 'promote:prepare', committed: false },
  { point: 'lock:linked', subject: WARM_LOCK, committed: false },
  { point: 'promote:deploy', committed: false },
  { point: 'promote:health', committed: false },
  { point: 'promote:undeploy', committed: false },
  { point: 'promote:snapshot', committed: false },
  { point: 'snapshot:archive-written', committed: false },
  { point: 'snapshot:meta-written', committed: false },
  { point: 'snapshot:renamed', committed: false },
  { point: 'promote:record', committed: false },
  { point: 'atomic-write:temp-created', subject: 'canonical.json', committed: false },
  { point: 'atomic-write:temp-durable', subject: 'canonical.json', committed: false },
  { point: 'atomic-write:renamed', subject: 'canonical.json', committed: true },
  { point: 'promote:verify', committed: true },
  // That kill left the snapshot link behind canonical.json: this sweep dies repairing it.
  { point: 'snapshot-link:temp-created', committed: false },
  { point: 'promote:linked', committed: true },
  { point: 'promote:done', committed: true },
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('SIGKILL at every failpoint of a promote', () => {
  let s: Scenario;
  let minor = 0;
  const exercised = new Set<string>();

  /** A new release, so that the next sweep has something to promote. */
  async function release(): Promise<string> {
    minor += 1;
    const version = `1.${minor}.0+1.0`;
    await releaseVersion(s.work[RECIPE] as string, version);
    await s.publish(RECIPE);
    return version;
  }

  /** Everything on disk that a crash leaves, as names that carry the writer's pid where they can. */
  async function leftoversOf(pid: number): Promise<string[]> {
    const { stateDir, runsDir, cacheDir } = s.config;
    const foreign = tempFilesUnder(stateDir, runsDir, cacheDir, path.join(s.sandbox.abraDir, 'servers')).filter(
      (file) => !path.basename(file).includes(`.${pid}.`),
    );
    const locks = path.join(runsDir, '.locks');
    for (const name of existsSync(locks) ? readdirSync(locks) : []) {
      if ((await readLockOwner(path.join(locks, name)))?.pid !== pid) foreign.push(path.join(locks, name));
    }
    const sweepLock = await readLockOwner(path.join(stateDir, 'sweep.lock'));
    if (sweepLock && sweepLock.pid !== pid) foreign.push('sweep.lock');
    const promoteDirs = readdirSync(runsDir).filter((name) => name.endsWith('-promote'));
    if (promoteDirs.length > 1) foreign.push(...promoteDirs);
    return foreign;
  }

  before(async () => {
    s = await createScenario();
    // Install only, on the doubles: the runs stay short (this file runs inside npm test),
    // the promote is the real one.
    await s.addRecipe(RECIPE, {
      version: '1.0.0+1.0',
      definition: {
        deployTimeoutSeconds: 4,
        notApplicable: [
          { rung: 'upgrade', reason: 'the kill test needs no upgrade' },
          { rung: 'functional', reason: 'the kill test needs no functional tier' },
          { rung: 'lint', reason: 'the kill test needs no lint' },
        ],
      },
    });
    const first = await s.cli(['sweep']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
  });
  after(async () => s.close());

  let pending: string | null = null;
  for (const kill of CHAIN) {
    const spec = `${kill.point}${kill.subject ? `@${kill.subject}` : ''}`;
    test(`killed at ${spec}`, async () => {
      // A kill past the commit point leaves nothing to promote: release the next version.
      pending ??= await release();
      const file = canonicalPath(s.config.stateDir, RECIPE);
      const before = readFileSync(file);
      const previous = await loadCanonical(s.config.stateDir, RECIPE);

      const killed = await s.cli(['sweep'], { env: { CCCI_FAILPOINTS: `${spec}=kill` } });
      assert.equal(killed.signal, 'SIGKILL', `not killed: ${killed.stdout}${killed.stderr}`);
      const said = kill.subject ? escape(spec) : `${escape(kill.point)}(@[^:]+)?`;
      assert.match(killed.stderr, new RegExp(`ccci: failpoint ${said}: kill`));
      exercised.add(kill.point);

      const after = await loadCanonical(s.config.stateDir, RECIPE);
      if (kill.committed) {
        assert.equal(after?.version, pending, 'past the commit point: the new canonical');
        pending = null;
      } else {
        assert.deepEqual(readFileSync(file), before, 'before the commit point: the previous canonical, byte for byte');
      }
      await verifySnapshot(s.config.stateDir, RECIPE, (kill.committed ? after : previous)?.snapshot.id as string);
      assert.deepEqual(await leftoversOf(killed.pid), [], 'only the killed sweep’s own leftovers: the earlier crash was cleaned up');
    });
  }

  test('after the last kill, a clean sweep promotes and leaves nothing behind', async () => {
    const version = pending ?? (await release());
    const next = await s.cli(['sweep', '--json']);
    assert.equal(next.code, 0, next.stderr);
    const report = sweepReportSchema.parse(JSON.parse(next.stdout));
    assert.equal(report.recipes[0]?.outcome, 'promoted', JSON.stringify(report.recipes[0]));
    assert.equal((await loadCanonical(s.config.stateDir, RECIPE))?.version, version);
    await assertNothingLeftBehind(s, [RECIPE]);
  });

  test('every declared failpoint was killed at', (t) => {
    const declared = Object.keys(FAILPOINTS).sort();
    t.diagnostic(`failpoints (${declared.length}): ${declared.join(', ')}`);
    for (const point of declared) t.diagnostic(`  ${point}: ${FAILPOINTS[point as FailpointName]}`);
    assert.deepEqual([...exercised].sort(), declared);
  });
});
